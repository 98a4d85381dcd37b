"""Learning from misses: which questions the knowledge base failed, grouped, with what to add.

A knowledge owner runs ``meshbot kb gaps --since 7d`` weekly (or reads ``GET /v1/gaps``).
Misses are grouped by the entry that came closest — the entry a new keyword or vocabulary term
would most likely have led to — and each group says what would have caught it: the words the
index has never seen (candidates for the vocabulary or the entry's keywords), or, when nothing
came close, that a new entry is needed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from knowledge.search import Searcher

EXAMPLES = 5
_SINCE = re.compile(r"^(\d{1,4})([dhw])$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


@dataclass(frozen=True)
class Miss:
    question: str
    at: dt.datetime
    closest: list[str]
    why: str  # "unanswered" or "not helpful"


@dataclass(frozen=True)
class Gap:
    entry: str | None  # the entry these questions came closest to; None when nothing did
    title: str | None
    unanswered: int
    not_helpful: int
    last_seen: dt.datetime
    examples: list[str]
    unknown_words: list[str]
    suggestion: str


def parse_since(text: str) -> dt.timedelta:
    """``30d``, ``2w`` or ``12h``; at most 9999 units, so a typo cannot ask for all time."""
    found = _SINCE.match(text.strip().lower())
    if found is None:
        raise ValueError(f"--since takes a count and a unit, like 30d, 2w or 12h, not {text!r}")
    return int(found.group(1)) * _UNITS[found.group(2)]


def gaps(misses: list[Miss], searcher: Searcher) -> list[Gap]:
    """Group ``misses`` by closest entry, most frequent first."""
    groups: dict[str | None, list[Miss]] = {}
    for miss in misses:
        groups.setdefault(miss.closest[0] if miss.closest else None, []).append(miss)
    found = [_gap(entry, group, searcher) for entry, group in groups.items()]
    return sorted(found, key=lambda g: (-(g.unanswered + g.not_helpful), g.entry or ""))


def _gap(entry: str | None, group: list[Miss], searcher: Searcher) -> Gap:
    hit = searcher.entry(entry) if entry else None
    unknown = Counter(w for miss in group for w in set(searcher.unknown_words(miss.question)))
    words = [word for word, _ in unknown.most_common(8)]
    not_helpful = sum(miss.why == "not helpful" for miss in group)
    examples = list(dict.fromkeys(miss.question for miss in group))[:EXAMPLES]
    return Gap(
        entry=hit.id if hit else None,
        title=hit.title if hit else None,
        unanswered=len(group) - not_helpful,
        not_helpful=not_helpful,
        last_seen=max(miss.at for miss in group),
        examples=examples,
        unknown_words=words,
        suggestion=_suggestion(hit.id if hit else None, words, not_helpful, len(group)),
    )


def _suggestion(entry: str | None, words: list[str], not_helpful: int, count: int) -> str:
    quoted = ", ".join(f"'{w}'" for w in words[:5])
    if entry is None:
        topic = f" about {quoted}" if words else ""
        return f"Nothing in the knowledge base came close: a new entry{topic} would catch these."
    if not_helpful > count / 2:
        return (
            f"People marked {entry} not helpful for these questions: check that its answer "
            f"still holds, or write a more specific entry for them."
        )
    if words:
        return (
            f"The index has never seen {quoted}: add them to {entry}'s keywords, or as synonyms "
            f"in vocabulary.yaml if they name something the base already covers."
        )
    return (
        f"{entry} came closest but not confidently: add these phrasings to its keywords, or "
        f"split it so one entry answers them directly."
    )
