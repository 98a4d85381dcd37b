"""Turning entries into searchable documents with a Markdown answer.

Each kind decides three things: which words people search it by (title, keywords, and for
pitfalls the exact error strings), what body text backs them up, and what answer to give.
Corrections are folded into the answer of every entry they amend, so that nobody acts on the
article's figure when a primary source says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.profiles import DataPlaneProfile
from engine.quantities import Figure
from knowledge import schema
from knowledge.base import KnowledgeBase, source_refs


@dataclass(frozen=True)
class SourceLink:
    title: str
    url: str | None


@dataclass(frozen=True)
class Document:
    id: str
    kind: str
    title: str
    keywords: str
    body: str
    answer: str
    sources: tuple[SourceLink, ...]
    lead: str  # one to three sentences that answer on their own: what to do now, or the claim


def documents(kb: KnowledgeBase) -> Iterator[Document]:
    for entry_id, located in kb.entries.items():
        model = located.model
        keywords, body, answer = _RENDERERS[located.kind](model)
        answer = f"{validity(model)}\n\n{answer}"
        corrections = kb.corrections_for(entry_id)
        if corrections:
            answer += "\n\n" + "\n".join(
                f"> **Correction:** {c.correction} _(see {c.id})_" for c in corrections
            )
        cited = _cited(model) | {s for c in corrections for s in c.sources}
        yield Document(
            id=entry_id,
            kind=located.kind,
            title=_title(model),
            keywords=" ; ".join([*getattr(model, "keywords", []), *keywords]),
            body=body,
            answer=answer,
            lead=_lead(model, corrections),
            sources=tuple(
                SourceLink(
                    kb.sources[s].title, str(kb.sources[s].url) if kb.sources[s].url else None
                )
                for s in sorted(cited)
            ),
        )


def _first_sentences(text: str, count: int = 2) -> str:
    """The first ``count`` sentences: a direct answer is short enough to read in a page."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z`*(])", " ".join(text.split()))
    return " ".join(sentences[:count])


def _lead(model: Any, corrections: list[schema.Correction]) -> str:
    """What an answer says first. A runbook leads with the mitigation to apply now; a fact
    with its claim, or with the correction when primary sources contradict it."""
    if isinstance(model, schema.Pitfall):
        return f"{model.title}. Apply now: {_first_sentences(model.fix[0])}"
    if isinstance(model, schema.Fact):
        return _first_sentences(corrections[0].correction if corrections else model.claim)
    if isinstance(model, schema.Correction):
        return _first_sentences(model.correction)
    if isinstance(model, schema.DecisionStep):
        return f"{model.title}: {_first_sentences(model.question, 1)}"
    if isinstance(model, schema.ScanRule):
        return f"{model.title}. Fix: {_first_sentences(model.remediation)}"
    return _first_sentences(str(model.summary))


def validity(model: Any) -> str:
    """The releases an entry holds for and the day it was last checked, shown first in every
    answer so a reader on another release (or reading a stale entry) knows before acting."""
    scope = "; ".join(str(a) + (f" ({a.note})" if a.note else "") for a in model.applies_to)
    holds = f"Holds for {scope}. " if scope else ""
    return f"_{holds}Reviewed {model.reviewed.isoformat()}._"


def _title(model: Any) -> str:
    if isinstance(model, schema.ScanRule):
        return f"{model.id}: {model.title}"
    if isinstance(model, schema.Pitfall):
        return f"{model.code}: {model.title}"
    if isinstance(model, DataPlaneProfile):
        return model.name
    return str(model.title)


def _cited(model: Any) -> set[str]:
    return {source for _, source in source_refs(model)}


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


Rendered = tuple[list[str], str, str]


def _pitfall(p: schema.Pitfall) -> Rendered:
    snippets = "\n\n".join(
        f"{s.title}:\n```{s.language}\n{s.content.rstrip()}\n```" for s in p.config
    )
    affects = ", ".join(f"{a.mesh} {a.versions}" for a in p.affects)
    answer = "\n\n".join(
        [
            f"**{p.code} · {p.title}** (severity: {p.severity}; affects {affects})",
            p.summary,
            f"**Symptoms**\n{_bullets(p.symptoms)}",
            f"**Why it happens**\n{p.cause}",
            f"**Fix**\n{_numbered(p.fix)}",
            f"**Config**\n{snippets}",
            f"**Verify**\n{_bullets(p.verification)}",
            f"**Catch it early**\n{_bullets(p.detection)}",
        ]
    )
    body = " ".join([p.summary, *p.symptoms, p.cause, *p.fix, *p.detection, affects])
    return [p.code, *p.signals], body, answer


def _comparison(c: schema.Comparison) -> Rendered:
    header = " | ".join([c.row_header, *(col.label for col in c.columns)])
    divider = " | ".join(["---"] * (len(c.columns) + 1))
    lines = [
        " | ".join([row.label, *(row.cells[col.id].text for col in c.columns)]) for row in c.rows
    ]
    table = "\n".join(f"| {line} |" for line in [header, divider, *lines])
    notes = f"\n\n{_bullets(c.notes)}" if c.notes else ""
    answer = f"**{c.title}** (as of {c.as_of.isoformat()})\n\n{c.summary}\n\n{table}{notes}"
    aliases = [alias for col in c.columns for alias in [col.label, *col.aliases]]
    body = " ".join([c.summary, *(row.label for row in c.rows), *c.notes])
    return aliases, body, answer


def _criterion(c: schema.Criterion) -> Rendered:
    answer = f"**{c.title}** — one of the four criteria for a mesh.\n\n{c.summary}\n\n{c.detail}"
    return [], f"{c.summary} {c.detail}", answer


def _anti_pattern(a: schema.AntiPattern) -> Rendered:
    answer = (
        f"**{a.title}** — a mesh is not justified here.\n\n{a.summary}\n\n{a.detail}"
        f"\n\n**Instead:** {a.instead}"
    )
    return [], f"{a.summary} {a.detail} {a.instead}", answer


def _threshold(t: schema.Threshold) -> Rendered:
    limits = [f"`{limit}`" for limit in t.limits]
    extra = []
    if limits:
        extra.append("Rule: " + " and ".join(limits))
    if t.version:
        released = f", released {t.released.isoformat()}" if t.released else ""
        extra.append(f"Version: {t.version}{released}")
    answer = "\n\n".join([f"**{t.title}**", t.summary, *extra])
    return [t.version or ""], t.summary, answer


def _decision_step(s: schema.DecisionStep) -> Rendered:
    stop = f"\n\n**Stop when:** {s.stop_when}" if s.stop_when else ""
    answer = f"**Step {s.number} of the decision: {s.title}**\n\n{s.question}\n\n{s.guidance}{stop}"
    return [], f"{s.question} {s.guidance} {s.stop_when or ''}", answer


def _fact(f: schema.Fact) -> Rendered:
    figure = f"\n\n**Figure:** {f.quantity}" if f.quantity else ""
    return [f.topic], f.claim, f"**{f.title}**\n\n{f.claim}{figure}"


def _correction(c: schema.Correction) -> Rendered:
    answer = (
        f"**{c.title}**\n\n**The article says:** {c.article_claim}\n\n"
        f"**Primary sources say (act on this):** {c.correction}"
    )
    return [], f"{c.article_claim} {c.correction}", answer


def _figures(label: str, figures: list[Figure]) -> str:
    shown = []
    for n, fig in enumerate(figures):
        marks = [
            fig.source,
            *(["estimate"] if fig.estimate else []),
            *(["default"] if n == 0 else []),
        ]
        note = f" — {fig.note}" if fig.note else ""
        shown.append(f"{fig} ({', '.join(marks)}){note}")
    return f"- {label}: " + "; ".join(shown)


def _profile(p: DataPlaneProfile) -> Rendered:
    lines = [
        _figures("memory per proxy", p.memory_mb_per_proxy),
        _figures("vCPU per 1,000 req/s", p.vcpu_per_1k_rps),
        _figures("p99 latency per hop", p.p99_ms_per_hop),
        f"- one proxy per: {p.deployment_unit}",
        *(
            [
                _figures(
                    f"{p.l7_proxy.name} memory (one per {p.l7_proxy.deployment_unit})",
                    p.l7_proxy.memory_mb_per_proxy,
                ),
                _figures(f"{p.l7_proxy.name} vCPU per 1,000 req/s", p.l7_proxy.vcpu_per_1k_rps),
            ]
            if p.l7_proxy
            else []
        ),
        *(
            [
                _figures(
                    f"control plane ({p.control_plane.name}) memory", p.control_plane.memory_mb
                ),
                _figures(f"control plane ({p.control_plane.name}) vCPU", p.control_plane.vcpu),
            ]
            if p.control_plane
            else []
        ),
        *(f"- requires: {r}" for r in p.requirements),
        *(f"- {name}: {value}" for name, value in p.features.items()),
    ]
    answer = f"**{p.name}** ({p.proxy})\n\n{p.summary}\n\n" + "\n".join(lines)
    return [p.id, p.proxy], " ".join([p.summary, *p.requirements]), answer


def _price(p: schema.Price) -> Rendered:
    figure = p.usd_per_month
    note = f" — {figure.note}" if figure.note else ""
    answer = f"**{p.title}**\n\n{p.summary}\n\n**Price:** {figure} ({figure.source}){note}"
    return [p.resource], p.summary, answer


def _rule(r: schema.ScanRule) -> Rendered:
    runbook = f" Runbook: {r.pitfall}." if r.pitfall else ""
    answer = (
        f"**{r.id} · {r.title}** (scanner rule, {r.severity})\n\n{r.summary}\n\n"
        f"**Reads:** {', '.join(r.kinds)}\n\n**Fix:** {r.remediation}{runbook}\n\n"
        f"Run it: `meshbot scan <manifests>`. Docs: {r.doc}"
    )
    return [r.id, *r.kinds], f"{r.summary} {r.remediation}", answer


_RENDERERS: dict[str, Callable[[Any], Rendered]] = {
    "pitfall": _pitfall,
    "comparison": _comparison,
    "criterion": _criterion,
    "anti-pattern": _anti_pattern,
    "threshold": _threshold,
    "decision-step": _decision_step,
    "fact": _fact,
    "correction": _correction,
    "profile": _profile,
    "price": _price,
    "rule": _rule,
}
