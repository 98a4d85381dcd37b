"""Fit the search's two ranking models on the tuning questions and write ``knowledge/ranker.json``.

``python -m tests.support.ranker_training`` after the knowledge or the tuning questions change;
``--cross-validate`` prints how the method does on questions it was not fitted on, without
writing anything. Only ``TRAINING_FILES`` are read: the check set (``CHECK_FILE``) stays out so
that the thresholds can be checked on it, and the held-out sets are never read here, so
``make bench`` measures them honestly.

How: the relevance model learns from pairs (right vs wrong candidates of each question); the
answer model learns whether the first result is right. Thresholds are chosen on *out-of-fold*
confidences — each question answered by models fitted without it — because a model's
confidence on its own training questions is optimistic; the shipped models are then fitted on
every question. The folds are drawn ``REPEATS`` times: how the questions happen to fall into
folds alone moved the old rule's confident threshold by up to 0.08 (ten shuffles measured on
each version of the knowledge in issue 14's sixth round; README).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.index import ensure_index
from knowledge.library import check
from knowledge.params import decision_rules
from knowledge.ranking import (
    ANSWER_FEATURES,
    CANDIDATE_FEATURES,
    MODEL_FILE,
    Logistic,
    Ranker,
    fit,
    fit_pairwise,
    ranker_to_json,
)
from knowledge.search import Searcher, answer_features, ranked_order
from knowledge.version_advice import VersionAdvisor
from tests.support.evaluation import (
    CALIBRATION_FILES,
    TARGET_PRECISION,
    Case,
    Reply,
    Score,
    load_cases,
    score,
    threshold_for,
)

TRAINING_FILES = CALIBRATION_FILES
FOLDS = 5
#: Independent shuffles of the questions into folds; the thresholds must hold on every one.
REPEATS = 5
#: The confident threshold is where the precision *less this many standard errors* reaches
#: TARGET_PRECISION: the few answers at the top of the confidence scale are thin evidence, and
#: on report-style questions the models never saw, a threshold chosen on the plain share held
#: 9 of 13 answers right (sixth round, README).
STANDARD_ERRORS = 1.0
OUTPUT = Path(__file__).resolve().parents[2] / "knowledge" / MODEL_FILE


@dataclass(frozen=True)
class Graded:
    """What the search showed for one question with no threshold applied: the results, the
    first one's confidence, whether it was right, and whether the answer was a listing of the
    runbooks a generic error could mean (shown whatever the thresholds)."""

    case: Case
    ids: list[str]
    confidence: float
    right: bool
    ambiguous: bool

    def reply(self, answer_at: float, confident_at: float) -> Reply:
        if self.ambiguous:
            return Reply(self.ids, confident=False)
        if self.confidence < answer_at:
            return Reply([])
        return Reply(self.ids, confident=self.confidence >= confident_at)


def _untrained() -> Ranker:
    def zeros(features: tuple[str, ...]) -> Logistic:
        n = len(features)
        return Logistic(features, np.zeros(n), np.ones(n), np.zeros(n), 0.0)

    return Ranker(zeros(CANDIDATE_FEATURES), zeros(ANSWER_FEATURES), 0.0, 1.0, ())


def _models(searcher: Searcher, cases: Sequence[Case]) -> tuple[Logistic, Logistic]:
    """The relevance model (pairwise, per question) and the answer model (is the first
    result of a ranked answer right? — answers typed by id and listings of runbooks aside)."""
    groups, evidences = [], []
    for case in cases:
        evidence = searcher.evidence(case.question)
        evidences.append((case, evidence))
        right = np.array([entry in case.expect for entry in evidence.ids], dtype=bool)
        groups.append((evidence.rows, right))
    relevance = fit_pairwise(groups, CANDIDATE_FEATURES)
    rows, labels = [], []
    for case, evidence in evidences:
        if not evidence.candidates or evidence.certain or evidence.generic:
            continue
        scores = relevance.score(evidence.rows)
        order = ranked_order(evidence, scores)
        rows.append(answer_features(evidence, scores, order))
        labels.append(evidence.ids[order[0]] in case.expect)
    answer = fit(np.vstack(rows), np.array(labels, dtype=np.float64), ANSWER_FEATURES)
    return relevance, answer


def _graded(searcher: Searcher, cases: Sequence[Case]) -> list[Graded]:
    graded = []
    for case in cases:
        shown = searcher.search(case.question, limit=3, min_confidence=0.0)
        first = shown.results[0] if shown.results else None
        graded.append(
            Graded(
                case,
                [h.id for h in shown.results],
                first.score if first else 0.0,
                bool(first and first.id in case.expect),
                shown.ambiguous,
            )
        )
    return graded


def _out_of_fold(searcher: Searcher, cases: Sequence[Case], seed: int) -> list[Graded]:
    """Every question answered by models fitted on the other folds (thresholds not applied)."""
    shuffled = list(cases)
    random.Random(seed).shuffle(shuffled)
    graded = []
    for fold in range(FOLDS):
        fitted = [c for i, c in enumerate(shuffled) if i % FOLDS != fold]
        searcher.ranker = Ranker(*_models(searcher, fitted), 0.0, 1.0, ())
        graded += _graded(searcher, shuffled[fold::FOLDS])
    return graded


def _repeated_out_of_fold(searcher: Searcher, cases: Sequence[Case]) -> list[list[Graded]]:
    return [_out_of_fold(searcher, cases, seed=14 + repeat) for repeat in range(REPEATS)]


def choose_thresholds(runs: Sequence[Sequence[Graded]]) -> tuple[float, float]:
    """(answer threshold, confident threshold) from repeated out-of-fold runs.

    Confident: the lowest confidence at which first answers are right TARGET_PRECISION of the
    time less STANDARD_ERRORS, in every run (the highest of the runs' thresholds). Answer at
    all: the threshold at which the most questions are handled right over all runs — a right
    first answer to an answerable question, "I don't know" to one nothing answers. On questions
    phrased from real reports, right answers and near-miss uncovered questions overlap in
    confidence, so no threshold declines every uncovered question without declining answerable
    ones too. Weighing the two groups' *shares* alike instead declined most report-style
    answerable questions (a 34% top-1 on them), which serves an on-call engineer worse than a
    "Probably:" answer that names the next closest entries.
    """
    runs = [[g for g in run if not g.ambiguous] for run in runs]
    confident = max(
        threshold_for([(g.confidence, g.right) for g in run], TARGET_PRECISION, STANDARD_ERRORS)
        for run in runs
    )
    graded = [g for run in runs for g in run]
    best, answer = -1, 0.0
    for threshold in sorted({0.0, *(g.confidence for g in graded)}):
        handled = sum(g.right if g.confidence >= threshold else g.case.off_topic for g in graded)
        if handled > best:
            best, answer = handled, threshold
    return min(answer, confident), confident


def _searcher(index_dir: Path) -> Searcher:
    kb = check()
    index = index_dir / "kb.sqlite"
    ensure_index(kb, index)
    return Searcher(index, decision_rules(kb).cost, VersionAdvisor(kb), ranker=_untrained())


def _cases() -> list[Case]:
    return [case for path in TRAINING_FILES for case in load_cases(path)]


def train(index_dir: Path) -> Ranker:
    """Thresholds from out-of-fold confidences; models fitted on every training question."""
    searcher = _searcher(index_dir)
    cases = _cases()
    answer_at, confident_at = choose_thresholds(_repeated_out_of_fold(searcher, cases))
    names = tuple(path.name for path in TRAINING_FILES)
    return Ranker(*_models(searcher, cases), answer_at, confident_at, names)


def cross_validate(index_dir: Path) -> Score:
    """Out-of-fold answers (the first run) scored with the thresholds chosen on every run: how
    the method does on tuning questions its models were not fitted on (the thresholds saw them:
    a little kind)."""
    searcher = _searcher(index_dir)
    runs = _repeated_out_of_fold(searcher, _cases())
    answer_at, confident_at = choose_thresholds(runs)
    replies = {g.case.question: g.reply(answer_at, confident_at) for g in runs[0]}
    return score([g.case for g in runs[0]], replies.__getitem__)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cross-validate", action="store_true", help=f"print {FOLDS}-fold figures, write nothing"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.cross_validate:
            result = cross_validate(Path(tmp))
            print(
                f"{FOLDS}-fold on the tuning sets: top-1 {result.top1:.1%}, top-3 "
                f"{result.top3:.1%}, confidently wrong {result.wrong:.1%}, "
                f"declined {result.declined:.1%}"
            )
            return 0
        ranker = train(Path(tmp))
    OUTPUT.write_text(json.dumps(ranker_to_json(ranker), indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {OUTPUT.name}: answer threshold {ranker.answer_threshold:.3f}, "
        f"confident threshold {ranker.confident_threshold:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
