"""The evaluation sets and how a searcher is scored on them.

Shared by the accuracy tests and ``make bench`` so that both count hits the same way.

- ``questions.yaml`` and ``reports.yaml`` are the calibration sets: the ranking models are fitted
  and the confidence thresholds chosen on them (tests/support/ranker_training.py).
- ``tuning.yaml`` (written for issue 14) is the check set: the thresholds must hold on it too.
- ``HELD_OUT_FILES`` (``holdout.yaml``, ``holdout-2026-12.yaml``, ``holdout-2026-12b.yaml``) are
  held out: written by people who never saw the search, measured by ``make bench`` and never
  tuned on.
- ``annotators/`` holds second, independent labellings of the held-out questions, scored like
  the search: how often a careful person agrees with the first labels is the most any search
  can be expected to score on them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

EVAL_DIR = Path(__file__).parent.parent / "eval"
QUESTIONS_FILE = EVAL_DIR / "questions.yaml"
TUNING_FILE = EVAL_DIR / "tuning.yaml"
#: Phrased from public issue reports for tuning (not held out): see its header.
REPORTS_FILE = EVAL_DIR / "reports.yaml"
CALIBRATION_FILES = (QUESTIONS_FILE, REPORTS_FILE)
CHECK_FILE = TUNING_FILE
#: Written after the search was tuned on QUESTIONS_FILE, by someone who never saw the search.
HOLDOUT_FILE = EVAL_DIR / "holdout.yaml"
#: Written for issue 14 from public issue reports by an evaluator who never saw the code.
HOLDOUT_2026_12_FILE = EVAL_DIR / "holdout-2026-12.yaml"
#: Written in the sixth round by two more evaluators who never saw the code (see its header).
HOLDOUT_2026_12B_FILE = EVAL_DIR / "holdout-2026-12b.yaml"
HELD_OUT_FILES = (HOLDOUT_FILE, HOLDOUT_2026_12_FILE, HOLDOUT_2026_12B_FILE)
#: Each held-out set's second labellings, made blind to its labels (see each file's header).
SECOND_ANNOTATORS = {
    HOLDOUT_FILE: (EVAL_DIR / "annotators" / "holdout.c.yaml",),
    HOLDOUT_2026_12_FILE: (
        EVAL_DIR / "annotators" / "holdout-2026-12.a.yaml",
        EVAL_DIR / "annotators" / "holdout-2026-12.b.yaml",
    ),
    HOLDOUT_2026_12B_FILE: (EVAL_DIR / "annotators" / "holdout-2026-12b.d.yaml",),
}
#: Answers above the threshold must be right at least this often (issue 14).
TARGET_PRECISION = 0.98


@dataclass(frozen=True)
class Case:
    question: str
    expect: frozenset[str]  # any of these at rank 1 is right; empty means "must decline"

    @property
    def off_topic(self) -> bool:
        return not self.expect


@dataclass(frozen=True)
class Reply:
    """What a searcher answered: ids best first ([] = declined), and whether it committed to
    the first one (a listing of the runbooks a generic error could mean does not)."""

    ids: list[str]
    confident: bool = True


@dataclass(frozen=True)
class Score:
    top1: float  # share of answerable questions with a right first result
    top3: float
    wrong: float  # share of ALL questions answered confidently and wrongly (off-topic included)
    declined: float  # share of off-topic and uncovered questions declined
    misses: list[tuple[str, list[str]]]


def load_cases(path: Path = QUESTIONS_FILE) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case(item["q"], frozenset(item.get("expect") or [])) for item in raw]


def annotator(path: Path) -> Callable[[str], Reply]:
    """A second annotator as a searcher: their best entry first, then the others they judged
    right, or nothing for a question they judged uncovered or off-topic."""
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))
    replies = {
        item["q"]: Reply([item["best"], *item["also"]] if item["best"] else []) for item in labels
    }
    return replies.__getitem__


def score(cases: Sequence[Case], answer: Callable[[str], Reply | list[str]]) -> Score:
    """``answer`` returns a :class:`Reply`, or just the ids (taken as confident)."""
    top1 = top3 = wrong = declined = 0
    misses: list[tuple[str, list[str]]] = []
    on_topic = [c for c in cases if not c.off_topic]
    for case in cases:
        reply = answer(case.question)
        if isinstance(reply, list):
            reply = Reply(reply)
        ids = reply.ids
        if case.off_topic:
            declined += not ids
            wrong += bool(ids) and reply.confident
            if ids:
                misses.append((case.question, ids[:3]))
            continue
        top1 += bool(ids) and ids[0] in case.expect
        top3 += bool(case.expect & set(ids[:3]))
        wrong += bool(ids) and ids[0] not in case.expect and reply.confident
        if not ids or ids[0] not in case.expect:
            misses.append((case.question, ids[:3]))
    off = len(cases) - len(on_topic)
    n = len(on_topic) or 1
    return Score(top1 / n, top3 / n, wrong / len(cases), declined / off if off else 1.0, misses)


def threshold_for(
    graded: Sequence[tuple[float, bool]],
    target: float = TARGET_PRECISION,
    standard_errors: float = 0.0,
) -> float:
    """The lowest confidence above which answers are right at least ``target`` of the time.

    ``graded`` holds (confidence of the first result, whether it was right) for every question
    of a calibration set; a question that must be declined is never right. With
    ``standard_errors`` > 0 it is the precision's lower bound that must reach ``target`` (the
    Wilson score interval, which stays sensible near 100% where the normal approximation does
    not): a dozen answers all right above a threshold are weaker evidence than a hundred.
    """
    for threshold in sorted({conf for conf, _ in graded}):
        above = [right for conf, right in graded if conf >= threshold]
        if above and _wilson_lower(sum(above), len(above), standard_errors) >= target:
            return threshold
    return 1.0


def _wilson_lower(right: int, n: int, z: float) -> float:
    """Lower end of the Wilson score interval for ``right`` of ``n`` (Wilson 1927); z=0 gives
    the plain share."""
    share, z2 = right / n, z * z
    centre = share + z2 / (2 * n)
    spread = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return (centre - spread) / (1 + z2 / n)


def precision_above(graded: Sequence[tuple[float, bool]], threshold: float) -> tuple[float, int]:
    """(share right, how many) of the answers at or above ``threshold``."""
    above = [right for conf, right in graded if conf >= threshold]
    return (sum(above) / len(above) if above else 1.0), len(above)
