"""A finished decision as a Markdown architecture decision record: the file a team commits
next to its code so the next person can see what was decided, on what facts, and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from engine.answers import Value, shown
from engine.cost import Estimate, Range
from engine.decision import DecisionRules, Verdict
from engine.questions import BY_ID

_HEADLINE = {
    "mesh": "Adopt a service mesh: {plane}",
    "borderline": "Not yet: a mesh is borderline for us (if we go ahead: {plane})",
    "no-mesh": "Do not adopt a service mesh",
}


def render_adr(
    verdict: Verdict, answers: Mapping[str, Value], rules: DecisionRules, date: dt.date
) -> str:
    profile = rules.cost.profiles.get(verdict.plane or "")
    plane = profile.name if profile else ""
    source_titles = rules.source_titles
    lines = [
        f"# {_HEADLINE[verdict.verdict].format(plane=plane)}",
        "",
        f"- Status: proposed\n- Date: {date.isoformat()}\n- Decided with: meshbot",
        "",
        "## Context",
        "",
        "| Question | Answer |",
        "| --- | --- |",
        *(f"| {BY_ID[q].prompt} | {shown(v)} |" for q, v in answers.items() if q in BY_ID),
        "",
        "## Decision",
        "",
        f"**{verdict.verdict}** — {verdict.criteria_count} of {verdict.criteria_total} "
        f"criteria met ({verdict.criteria_needed} or more justify a mesh).",
        "",
        *(f"- Criterion met: {c}" for c in verdict.criteria_met),
        *(f"- Anti-pattern present: {a}" for a in verdict.anti_patterns),
    ]
    if verdict.stopped_at_step:
        lines.append(f"- Stopped at step {verdict.stopped_at_step} of the decision sequence.")
    lines += ["", "## Consequences", ""]
    if verdict.pitfalls:
        lines += ["Prepare for these failure patterns before the first namespace joins:", ""]
        lines += [f"{n}. {step}" for n, step in enumerate(verdict.first_steps, 1)]
    else:
        lines.append("No mesh to operate; cover the gaps with the tools in `cmp.without-mesh`.")
    lines += ["", "## Alternatives considered", ""]
    lines += [f"- **{a.name}**: {a.reason.text} ({a.reason.entry})" for a in verdict.alternatives]
    if not verdict.alternatives:
        lines.append("- None: the criteria do not justify any mesh yet.")
    if verdict.estimate is not None:
        lines += ["", "## Costs", "", *_cost_table(verdict.estimate)]
    lines += ["", "## Reasons and sources", ""]
    lines += [f"- {r.text} ({r.entry}; {', '.join(r.sources)})" for r in verdict.reasons]
    cited = sorted({s for r in verdict.reasons for s in r.sources})
    lines += ["", *(f"- `{s}`: {source_titles.get(s, s)}" for s in cited), ""]
    return "\n".join(lines)


def _cost_table(estimate: Estimate) -> list[str]:
    rows = [
        f"Basis: {estimate.basis} figures.",
        "",
        "| Plane | Proxies | Memory used / reserved (MB) | vCPU used / reserved | USD/month "
        "| p99 added per request (ms) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for p in estimate.planes:
        rows.append(
            f"| {p.name} | {proxies(p.proxies, p.proxies_per)} | {amount(p.memory_mb)} / "
            f"{amount(p.reserved_memory_mb)} | {amount(p.cpu_vcpu, 1)} / "
            f"{amount(p.reserved_vcpu, 1)} | {amount(p.monthly_usd)} | "
            f"{span(p.latency_ms_per_request)} |"
        )
    for c in estimate.control_plane:
        rows.append(
            f"| control plane: {c.name} | — | {c.memory_mb:,.0f} (requested) | "
            f"{c.cpu_vcpu:,.1f} (requested) | {c.monthly_usd:,.0f} | — |"
        )
    rows += ["", *(f"- {a}" for a in estimate.assumptions)]
    return rows


def proxies(count: int, per: str) -> str:
    return "none" if per == "none" else f"{count:,} (one per {per})"


def span(r: Range | None) -> str:
    """A latency range, or "n/a" where the estimate's basis has no figure."""
    if r is None:
        return "n/a"
    return f"{r.low:g}" if r.low == r.high else f"{r.low:g}–{r.high:g}"


def amount(value: float | None, decimals: int = 0) -> str:
    """A figure with thousands separators, or "n/a" where there is none (not estimated)."""
    return "n/a" if value is None else f"{value:,.{decimals}f}"
