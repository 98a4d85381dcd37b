"""Reading ``/mesh`` commands: the subcommand (with "did you mean"), and fleet sizes for cost."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

NAMES = {
    "should-we": "should-we",
    "shouldwe": "should-we",
    "should": "should-we",
    "decide": "should-we",
    "pitfall": "pitfall",
    "pitfalls": "pitfall",
    "ask": "ask",
    "compare": "compare",
    "cost": "cost",
    "costs": "cost",
    "estimate": "cost",
    "scan": "scan",
    "help": "help",
}
#: Words people write for each FleetSpec field, in "pods=200" and "200 pods" alike.
FLEET_WORDS = {
    "pods": "pods",
    "pod": "pods",
    "nodes": "nodes",
    "node": "nodes",
    "rps": "rps_per_pod",
    "req/s": "rps_per_pod",
    "hops": "hops",
    "hop": "hops",
    "slo": "latency_slo_ms",
    "slo-ms": "latency_slo_ms",
    "l7": "l7_namespaces",
    "l7-namespaces": "l7_namespaces",
}
_PAIR = re.compile(r"([a-z0-9/-]+)\s*=\s*([\d.,]+)|([\d.,]+)\s*([a-z/-]+)")


@dataclass(frozen=True)
class Command:
    name: str
    rest: str
    unknown: str | None = None
    suggestion: str | None = None


def parse(text: str) -> Command:
    """``/mesh <subcommand> <rest>``; a first word that is no command is a question, unless it
    is so close to one ("pitfal") that it was surely meant as that command."""
    words = text.strip()
    if not words:
        return Command("help", "")
    first, rest = [*re.split(r"\s+", words, maxsplit=1), ""][:2]
    key = first.lower()
    if key in NAMES:
        return Command(NAMES[key], rest.strip())
    close = process.extractOne(key, list(NAMES), scorer=fuzz.ratio, score_cutoff=80)
    if close is not None:
        return Command("help", rest.strip(), unknown=first, suggestion=NAMES[close[0]])
    return Command("ask", words)


class FleetError(ValueError):
    pass


def fleet(text: str) -> dict[str, float]:
    """``pods=200 rps=1000 hops=8`` or ``200 pods 8 hops`` → FleetSpec fields."""
    found: dict[str, float] = {}
    remainder = text.lower()
    for match in _PAIR.finditer(text.lower()):
        key = match.group(1) or match.group(4)
        number = (match.group(2) or match.group(3)).replace(",", "")
        field = FLEET_WORDS.get(key)
        if field is None:
            known = ", ".join(sorted({w for w in FLEET_WORDS if "-" not in w and "/" not in w}))
            raise FleetError(f"I don't know `{key}`; use {known}. For example: `pods=200 hops=8`")
        try:
            found[field] = float(number)
        except ValueError as error:
            raise FleetError(f"`{number}` is not a number") from error
        remainder = remainder.replace(match.group(0), " ", 1)
    if remainder.strip():
        raise FleetError(
            f"I couldn't read `{remainder.strip()}`. "
            "For example: `/mesh cost pods=200 rps=1000 hops=8`"
        )
    if "pods" not in found:
        raise FleetError("Tell me the number of pods. For example: `/mesh cost 200 pods 8 hops`")
    return found
