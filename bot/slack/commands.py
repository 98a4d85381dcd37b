"""Reading ``/mesh`` commands: the subcommand (with "did you mean"), and fleet sizes for cost."""

from __future__ import annotations

import re
from collections.abc import Iterator
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
#: Longer than any subcommand name: a longer first word is a question, not a typo.
MAX_COMMAND_CHARS = 20
#: A fleet is a few words ("pods=200 rps=1000 hops=8"); longer text is refused before parsing.
MAX_FLEET_CHARS = 200
_NUMBER = re.compile(r"[\d.,]{1,20}")
_KEY = re.compile(r"[a-z0-9/-]{1,20}")
_NUMBER_KEY = re.compile(r"([\d.,]{1,20})([a-z/-]{1,20})")
_EXAMPLE = "For example: `/mesh cost pods=200 rps=1000 hops=8`"


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
    close = (
        process.extractOne(key, list(NAMES), scorer=fuzz.ratio, score_cutoff=80)
        if len(key) <= MAX_COMMAND_CHARS
        else None
    )
    if close is not None:
        return Command("help", rest.strip(), unknown=first, suggestion=NAMES[close[0]])
    return Command("ask", words)


class FleetError(ValueError):
    pass


def fleet(text: str) -> dict[str, float]:
    """``pods=200 rps=1000 hops=8`` or ``200 pods 8 hops`` → FleetSpec fields.

    Read word by word (each word matched whole against a short pattern), so the work is linear
    in a text that is itself bounded."""
    if len(text) > MAX_FLEET_CHARS:
        raise FleetError(f"That is {len(text):,} characters; a fleet takes a few words. {_EXAMPLE}")
    found: dict[str, float] = {}
    for key, number in _pairs(text.lower().replace("=", " = ").split()):
        field = FLEET_WORDS.get(key)
        if field is None:
            known = ", ".join(sorted({w for w in FLEET_WORDS if "-" not in w and "/" not in w}))
            raise FleetError(f"I don't know `{key}`; use {known}. For example: `pods=200 hops=8`")
        try:
            found[field] = float(number.replace(",", ""))
        except ValueError as error:
            raise FleetError(f"`{number}` is not a number") from error
    if "pods" not in found:
        raise FleetError("Tell me the number of pods. For example: `/mesh cost 200 pods 8 hops`")
    return found


def _pairs(words: list[str]) -> Iterator[tuple[str, str]]:
    """(key, number) from ``key = number``, ``number key`` and ``numberkey`` in any order."""
    index = 0
    while index < len(words):
        word, following = words[index], words[index + 1 : index + 3]
        if following[:1] == ["="] and len(following) == 2 and _KEY.fullmatch(word):
            yield word, following[1]
            index += 3
        elif _NUMBER.fullmatch(word) and following and _KEY.fullmatch(following[0]):
            yield following[0], word
            index += 2
        elif joined := _NUMBER_KEY.fullmatch(word):
            yield joined.group(2), joined.group(1)
            index += 1
        else:
            raise FleetError(f"I couldn't read `{word[:40]}`. {_EXAMPLE}")
