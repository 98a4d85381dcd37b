"""Search answers real users' questions right, declines what it does not know, and its
confidence means something: calibrated on one set, checked on another."""

from __future__ import annotations

from knowledge.library import Library
from knowledge.search import ANSWER_THRESHOLD, CONFIDENCE_THRESHOLD, Answer
from tests.support.evaluation import (
    CALIBRATION_FILE,
    CHECK_FILE,
    TARGET_PRECISION,
    Case,
    Reply,
    load_cases,
    precision_above,
    score,
    threshold_for,
)

CASES = load_cases(CALIBRATION_FILE)
CHECK = load_cases(CHECK_FILE)


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


def test_evaluation_set_has_at_least_eighty_questions_and_off_topic_ones() -> None:
    assert len(CASES) >= 80
    assert sum(case.off_topic for case in CASES) >= 10


def test_every_expected_id_exists(library: Library) -> None:
    unknown = {i for case in CASES + CHECK for i in case.expect if library.kb.get(i) is None}
    assert not unknown


def test_top1_accuracy_is_at_least_90_percent(library: Library) -> None:
    result = score(CASES, lambda q: _reply(library.searcher.search(q, limit=3)))
    assert result.top1 >= 0.90, result.misses


def test_paraphrases_and_pasted_logs_of_the_check_set_are_mostly_right_first(
    library: Library,
) -> None:
    result = score(CHECK, lambda q: _reply(library.searcher.search(q, limit=3)))
    assert result.top1 >= 0.80, result.misses
    assert result.wrong <= 0.02, result.misses


def test_off_topic_questions_are_declined(library: Library) -> None:
    off_topic = [case for case in CASES if case.off_topic]
    answered = [c.question for c in off_topic if library.searcher.search(c.question).answered]
    assert not answered


def test_the_answer_threshold_sits_above_every_off_topic_confidence_of_the_calibration_set(
    library: Library,
) -> None:
    off_topic = [case for case in CASES if case.off_topic]
    highest = max(conf for conf, _ in _graded(library, off_topic))
    assert highest < ANSWER_THRESHOLD


def test_confident_answers_are_right_98_percent_of_the_time_on_calibration_and_check_sets(
    library: Library,
) -> None:
    calibration = _graded(library, CASES)
    assert threshold_for(calibration) <= CONFIDENCE_THRESHOLD
    for graded in (calibration, _graded(library, CHECK)):
        precision, answered = precision_above(graded, CONFIDENCE_THRESHOLD)
        assert precision >= TARGET_PRECISION, (precision, answered)
        assert answered >= 5
