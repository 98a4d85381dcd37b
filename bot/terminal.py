"""The engine in a terminal: the estimate as a table, the decision as a conversation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal, TextIO

from engine.adr import amount, proxies, span
from engine.answers import Question, UnreadableAnswer, Value
from engine.cost import Estimate
from engine.decision import DecisionRules, Verdict, next_step


def estimate_table(estimate: Estimate) -> str:
    header = (
        f"{'plane':28} {'proxies':>22} {'MB used':>9} {'MB reserved':>11} {'vCPU used':>9} "
        f"{'vCPU reserved':>13} {'USD/month':>10} {'p99/hop ms':>11} {'p99/request ms':>15} "
        f"{'fits SLO':>8}"
    )
    lines = [f"basis: {estimate.basis} figures (--basis article|upstream)", header]
    lines.append("-" * len(header))
    for p in estimate.planes:
        fits = "" if p.fits_slo is None else ("yes" if p.fits_slo else "no")
        lines.append(
            f"{p.name[:28]:28} {proxies(p.proxies, p.proxies_per):>22} {amount(p.memory_mb):>9} "
            f"{amount(p.reserved_memory_mb):>11} {amount(p.cpu_vcpu, 1):>9} "
            f"{amount(p.reserved_vcpu, 1):>13} {amount(p.monthly_usd):>10} "
            f"{span(p.latency_ms_per_hop):>11} {span(p.latency_ms_per_request):>15} {fits:>8}"
        )
    if estimate.control_plane:
        lines += ["", "control plane, paid once per cluster (chart requests):"]
        for c in estimate.control_plane:
            lines.append(
                f"  {c.plane:14} {c.name[:34]:34} {c.memory_mb:>8,.0f} MB {c.cpu_vcpu:>5,.1f} vCPU "
                f"{c.monthly_usd:>8,.0f} USD/month  ({', '.join(c.sources)})"
            )
    lines += ["", "assumptions:", *(f"  - {a}" for a in estimate.assumptions)]
    for p in estimate.planes:
        lines += [f"  {p.plane}:", *(f"    - {a}" for a in p.assumptions)]
    return "\n".join(lines)


def verdict_text(verdict: Verdict, plane_names: Mapping[str, str]) -> str:
    lines = [
        f"Verdict: {verdict.verdict}"
        + (f" — {plane_names[verdict.plane]}" if verdict.plane else ""),
        f"Criteria met: {verdict.criteria_count} of {verdict.criteria_total} "
        f"({verdict.criteria_needed} or more "
        "justify a mesh)",
    ]
    if verdict.anti_patterns:
        lines.append("Anti-patterns: " + ", ".join(verdict.anti_patterns))
    lines += ["", "Why:", *(f"  - {r.text} [{r.entry}]" for r in verdict.reasons)]
    if verdict.alternatives:
        lines += ["", "Alternatives:"]
        lines += [f"  - {a.name}: {a.reason.text}" for a in verdict.alternatives]
    if verdict.first_steps:
        lines += [
            "",
            "First steps:",
            *(f"  {n}. {s}" for n, s in enumerate(verdict.first_steps, 1)),
        ]
    if verdict.estimate is not None:
        lines += ["", estimate_table(verdict.estimate)]
    return "\n".join(lines)


Command = Literal["answer", "back", "quit"]


def ask(question: Question, read: Callable[[str], str], out: TextIO) -> tuple[Command, Value]:
    """Ask until the reply parses, or the person types 'back' or 'quit'."""
    choices = ", ".join(c.label for c in question.choices)
    out.write(f"\nStep {question.step}: {question.prompt}\n  ({question.help})\n")
    if choices:
        out.write(f"  Choices: {choices}\n")
    while True:
        try:
            reply = read("> ").strip()
        except EOFError:  # input ran out: stop rather than loop
            return "quit", None
        if reply.lower() == "back":
            return "back", None
        if reply.lower() in {"quit", "exit"}:
            return "quit", None
        try:
            return "answer", question.parse(reply)
        except UnreadableAnswer as error:
            out.write(f"  {error}\n")


def converse(
    rules: DecisionRules, answers: dict[str, Value], read: Callable[[str], str], out: TextIO
) -> Verdict | None:
    """Walk the decision in the terminal; None when the person quits."""
    out.write("Answer in your own words; 'back' changes the previous answer, 'quit' stops.\n")
    order: list[str] = []
    while True:
        step = next_step(answers, rules)
        if isinstance(step, Verdict):
            return step
        command, value = ask(step, read, out)
        if command == "quit":
            return None
        if command == "back":
            if order:
                answers.pop(order.pop(), None)
            continue
        answers[step.id] = value
        order.append(step.id)
