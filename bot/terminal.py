"""The engine and the knowledge base in a terminal, rendered with rich.

rich decides what a stream can show: a TTY gets colour and the terminal's width; a pipe or a
file, ``NO_COLOR`` or ``TERM=dumb`` gets plain text with no escape codes, as wide as
``COLUMNS`` (80 when unset), so ``meshbot … | grep`` and ``> file`` read cleanly. Markdown
from the knowledge base is rendered (headings, lists, tables, code) instead of printed raw, and
tables wrap their cells to fit the width instead of running past it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from engine.adr import amount, proxies, span
from engine.answers import Question, UnreadableAnswer, Value
from engine.cost import Estimate
from engine.decision import DecisionRules, Verdict, next_step

#: Severities of runbooks and scan findings, most severe first in each scale.
SEVERITY_STYLES = {
    "critical": "bold white on red",
    "high": "bold red",
    "error": "bold red",
    "medium": "yellow",
    "warning": "yellow",
    "low": "cyan",
    "info": "cyan",
}
VERDICT_STYLES = {"mesh": "bold green", "borderline": "bold yellow", "no-mesh": "bold red"}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """rich would exit with status 1; re-raise so ``bot.cli.main`` ends with the
        broken-pipe status (141) like the commands that print without rich."""
        self.quiet = True
        raise BrokenPipeError


def console(stderr: bool = False) -> Console:
    """A console on the current stdout (or stderr); looked up at each call, so tests that
    capture output and pipes set up after import both work."""
    return _Console(stderr=stderr, highlight=False, emoji=False, markup=False)


def markdown(text: str) -> Markdown:
    return Markdown(text, code_theme="ansi_dark", hyperlinks=False)


def severity(name: str) -> Text:
    return Text(name, style=SEVERITY_STYLES.get(name, ""))


#: A scan finding's first line: ``path:line: severity rule …``.
_FINDING = re.compile(r"^(.*?:\d+: )([a-z]+)( .*)$")


def scan_text(text: str) -> Text:
    """A scan's text report with each finding's severity in its colour."""
    shown = Text()
    for line in text.splitlines(keepends=True):
        found = _FINDING.match(line.rstrip("\n"))
        if found and found[2] in SEVERITY_STYLES:
            shown.append(found[1])
            shown.append(found[2], SEVERITY_STYLES[found[2]])
            shown.append(found[3] + line[len(line.rstrip("\n")) :])
        else:
            shown.append(line)
    return shown


def estimate_table(estimate: Estimate) -> RenderableType:
    """Each plane's cost, one column per plane and one row per measure, so the table fits an
    80-column terminal (the figures are short; plane names wrap in their headers); "n/a" where
    the estimate's basis has no figure."""
    table = Table(
        title=f"Per data plane, {estimate.basis} figures (--basis article|upstream)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("", overflow="fold")
    for p in estimate.planes:
        table.add_column(p.name, justify="right", overflow="fold")
    planes = estimate.planes
    rows: list[tuple[str, list[str | Text]]] = [
        ("proxies", [proxies(p.proxies, p.proxies_per) for p in planes]),
        ("MB used", [amount(p.memory_mb) for p in planes]),
        ("MB reserved", [amount(p.reserved_memory_mb) for p in planes]),
        ("vCPU used", [amount(p.cpu_vcpu, 1) for p in planes]),
        ("vCPU reserved", [amount(p.reserved_vcpu, 1) for p in planes]),
        ("USD/month", [amount(p.monthly_usd) for p in planes]),
        ("p99 ms/hop", [span(p.latency_ms_per_hop) for p in planes]),
        ("p99 ms/request", [span(p.latency_ms_per_request) for p in planes]),
    ]
    if any(p.fits_slo is not None for p in planes):
        rows.append(("fits SLO", [_fits(p.fits_slo) for p in planes]))
    for label, cells in rows:
        table.add_row(label, *cells)
    parts: list[RenderableType] = [table]
    if estimate.control_plane:
        control = Table(
            title="Control plane, paid once per cluster (chart requests)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for name in ("plane", "components", "memory MB", "vCPU", "USD/month", "sources"):
            control.add_column(name, justify="right" if name in {"memory MB", "vCPU"} else "left")
        for c in estimate.control_plane:
            control.add_row(
                c.plane,
                c.name,
                f"{c.memory_mb:,.0f}",
                f"{c.cpu_vcpu:,.1f}",
                f"{c.monthly_usd:,.0f}",
                ", ".join(c.sources),
            )
        parts += [Text(""), control]
    lines = ["**Assumptions**", "", *(f"- {a}" for a in estimate.assumptions)]
    for p in estimate.planes:
        lines += [f"- {p.plane}:", *(f"    - {a}" for a in p.assumptions)]
    parts += [Text(""), markdown("\n".join(lines))]
    return Group(*parts)


def _fits(fits: bool | None) -> Text:
    if fits is None:
        return Text("")
    return Text("yes", style="green") if fits else Text("no", style="red")


def verdict_view(verdict: Verdict, plane_names: Mapping[str, str]) -> RenderableType:
    """The verdict in its colour, then why, the alternatives, the first steps and the costs."""
    headline = Text("Verdict: ")
    headline.append(verdict.verdict, style=VERDICT_STYLES[verdict.verdict])
    if verdict.plane:
        headline.append(f" — {plane_names[verdict.plane]}")
    lines = [
        f"Criteria met: {verdict.criteria_count} of {verdict.criteria_total} "
        f"({verdict.criteria_needed} or more justify a mesh)",
        "",
    ]
    if verdict.anti_patterns:
        lines += ["Anti-patterns: " + ", ".join(verdict.anti_patterns), ""]
    lines += ["**Why**", "", *(f"- {r.text} [{r.entry}]" for r in verdict.reasons)]
    if verdict.alternatives:
        lines += ["", "**Alternatives**", ""]
        lines += [f"- {a.name}: {a.reason.text}" for a in verdict.alternatives]
    if verdict.first_steps:
        lines += ["", "**First steps**", ""]
        lines += [f"{n}. {s}" for n, s in enumerate(verdict.first_steps, 1)]
    parts: list[RenderableType] = [headline, markdown("\n".join(lines))]
    if verdict.estimate is not None:
        parts += [Text(""), estimate_table(verdict.estimate)]
    return Group(*parts)


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
