"""Search answers real users' questions right, declines what it does not know, and its
confidence means something: the ranker is fitted and its thresholds chosen on the calibration
sets, then checked on another set it never saw (tests/support/ranker_training.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from knowledge.library import Library
from knowledge.ranking import Logistic, fit, packaged_ranker, ranker_from_json, ranker_to_json
from knowledge.search import Answer
from tests.support.evaluation import (
    CALIBRATION_FILES,
    CHECK_FILE,
    HELD_OUT_FILES,
    SECOND_ANNOTATORS,
    TARGET_PRECISION,
    Case,
    Reply,
    load_cases,
    precision_above,
    score,
    threshold_for,
)
from tests.support.ranker_training import train

CASES = [case for path in CALIBRATION_FILES for case in load_cases(path)]
CHECK = load_cases(CHECK_FILE)
RANKER = packaged_ranker()


def _reply(answer: Answer) -> Reply:
    return Reply([h.id for h in answer.results], answer.confident and not answer.ambiguous)


def _graded(library: Library, cases: list[Case]) -> list[tuple[float, bool]]:
    """(confidence of the first result, right?) per question; listings of runbooks excluded."""
    graded = []
    for case in cases:
        answer = library.searcher.search(case.question, limit=1, min_confidence=0.0)
        if answer.ambiguous:
            continue
        if not answer.results:
            graded.append((0.0, False))
            continue
        first = answer.results[0]
        graded.append((first.score, first.id in case.expect))
    return graded


def test_calibration_sets_have_answerable_and_off_topic_questions() -> None:
    assert len(CASES) >= 300
    assert sum(case.off_topic for case in CASES) >= 60


@pytest.mark.parametrize(
    "path", [*CALIBRATION_FILES, CHECK_FILE, *HELD_OUT_FILES], ids=lambda path: path.name
)
def test_every_expected_id_exists(library: Library, path: Path) -> None:
    """A label naming no entry would be a miss for ever. Held-out sets are scored by ``make
    bench``; here only their labels are read, the search is never run on their questions."""
    cases = load_cases(path)
    assert {i for case in cases for i in case.expect if library.kb.get(i) is None} == set()


@pytest.mark.parametrize(
    ("held_out", "labels"),
    [(held_out, labels) for held_out, files in SECOND_ANNOTATORS.items() for labels in files],
    ids=lambda path: path.name,
)
def test_second_annotators_label_every_held_out_question_with_entries_that_exist(
    library: Library, held_out: Path, labels: Path
) -> None:
    """The bench scores them like the search, so a label must name what the search can return."""
    items = yaml.safe_load(labels.read_text(encoding="utf-8"))
    assert [item["q"] for item in items] == [case.question for case in load_cases(held_out)]
    named = {entry for item in items for entry in [item["best"], *item["also"]] if entry}
    assert {entry for entry in named if library.kb.get(entry) is None} == set()
    assert all((item["best"] is None) == (item["kind"] != "answerable") for item in items)


def test_terse_questions_are_right_first_90_percent_and_report_style_ones_65_percent(
    library: Library,
) -> None:
    """Measured 94.5% and 69.4% when the ranker was trained: a floor against regressions."""
    for path, floor in zip(CALIBRATION_FILES, (0.90, 0.65), strict=True):
        result = score(load_cases(path), lambda q: _reply(library.searcher.search(q, limit=3)))
        assert result.top1 >= floor, (path.name, result.misses)


def test_paraphrases_and_pasted_logs_of_the_check_set_are_mostly_right_first(
    library: Library,
) -> None:
    result = score(CHECK, lambda q: _reply(library.searcher.search(q, limit=3)))
    assert result.top1 >= 0.80, result.misses
    assert result.wrong <= 0.02, result.misses


def test_off_topic_terse_questions_are_declined_and_half_the_unanswerable_reports(
    library: Library,
) -> None:
    """Not all: near-miss uncovered questions phrased from real reports overlap right answers in
    confidence, and the answer threshold trades the two (tests/support/ranker_training.py)."""
    for path, floor in zip(CALIBRATION_FILES, (0.9, 0.4), strict=True):
        off_topic = [case for case in load_cases(path) if case.off_topic]
        declined = [c for c in off_topic if not library.searcher.search(c.question).answered]
        assert len(declined) >= floor * len(off_topic), path.name


def test_confident_answers_are_right_98_percent_of_the_time_on_calibration_and_check_sets(
    library: Library,
) -> None:
    calibration = _graded(library, CASES)
    assert threshold_for(calibration) <= RANKER.confident_threshold
    for graded in (calibration, _graded(library, CHECK)):
        precision, answered = precision_above(graded, RANKER.confident_threshold)
        assert precision >= TARGET_PRECISION, (precision, answered)
        assert answered >= 5


def test_results_are_sorted_by_the_confidence_they_show(library: Library) -> None:
    for case in CASES + CHECK:
        scores = [hit.score for hit in library.searcher.search(case.question, limit=5).results]
        assert scores == sorted(scores, reverse=True), case.question


@pytest.mark.slow
def test_the_packaged_ranker_is_what_training_on_the_current_knowledge_gives() -> None:
    """ranker.json is not edited by hand: retraining reproduces it (to rounding), so a change to
    the knowledge or the tuning questions without retraining is caught here."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = ranker_to_json(train(Path(tmp)))
    shipped = ranker_to_json(RANKER)
    for model in ("relevance", "answer"):
        assert np.allclose(fresh[model]["weights"], shipped[model]["weights"], atol=1e-3), model
    assert fresh["confident_threshold"] == pytest.approx(shipped["confident_threshold"], abs=1e-3)
    assert fresh["answer_threshold"] == pytest.approx(shipped["answer_threshold"], abs=1e-3)


def test_a_model_trained_for_other_features_is_refused() -> None:
    data = ranker_to_json(RANKER)
    data["relevance"]["features"] = data["relevance"]["features"][:-1]
    with pytest.raises(Exception, match="retrain"):
        ranker_from_json(data)


def test_fitting_recovers_a_separable_rule_and_is_deterministic() -> None:
    rows = np.array([[0.0], [0.2], [0.4], [0.6], [0.8], [1.0]] * 5)
    labels = (rows[:, 0] > 0.5).astype(np.float64)
    first: Logistic = fit(rows, labels, ("x",))
    again = fit(rows, labels, ("x",))
    assert np.array_equal(first.weights, again.weights) and first.bias == again.bias
    p = first.probability(np.array([[0.1], [0.9]]))
    assert p[0] < 0.2 < 0.8 < p[1]
