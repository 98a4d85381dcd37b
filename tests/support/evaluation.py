"""The evaluation set (``tests/eval/questions.yaml``) and how a searcher is scored on it.

Shared by the accuracy tests and ``make bench`` so that both count hits the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

QUESTIONS_FILE = Path(__file__).parent.parent / "eval" / "questions.yaml"
#: Written after the search was tuned on QUESTIONS_FILE, by someone who never saw the search.
HOLDOUT_FILE = Path(__file__).parent.parent / "eval" / "holdout.yaml"


@dataclass(frozen=True)
class Case:
    question: str
    expect: frozenset[str]  # any of these at rank 1 is right; empty means "must decline"

    @property
    def off_topic(self) -> bool:
        return not self.expect


@dataclass(frozen=True)
class Score:
    top1: float
    top3: float
    wrong: float  # share of on-topic questions answered with a wrong first result
    declined: float  # share of off-topic questions declined
    misses: list[tuple[str, list[str]]]


def load_cases(path: Path = QUESTIONS_FILE) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case(item["q"], frozenset(item["expect"])) for item in raw]


def score(cases: Sequence[Case], ranked_ids: Callable[[str], list[str]]) -> Score:
    """``ranked_ids`` returns the ids a searcher answers with, best first ([] = declined)."""
    top1 = top3 = wrong = declined = 0
    misses: list[tuple[str, list[str]]] = []
    on_topic = [c for c in cases if not c.off_topic]
    for case in cases:
        ids = ranked_ids(case.question)
        if case.off_topic:
            declined += not ids
            if ids:
                misses.append((case.question, ids[:3]))
            continue
        top1 += bool(ids) and ids[0] in case.expect
        top3 += bool(case.expect & set(ids[:3]))
        wrong += bool(ids) and ids[0] not in case.expect
        if not ids or ids[0] not in case.expect:
            misses.append((case.question, ids[:3]))
    off = len(cases) - len(on_topic)
    n = len(on_topic)
    return Score(top1 / n, top3 / n, wrong / n, declined / off if off else 1.0, misses)
