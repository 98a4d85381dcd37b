"""Search answers real users' questions right, and declines what it does not know."""

from __future__ import annotations

from knowledge.library import Library
from tests.support.evaluation import load_cases, score

CASES = load_cases()


def test_evaluation_set_has_at_least_eighty_questions_and_off_topic_ones() -> None:
    assert len(CASES) >= 80
    assert sum(case.off_topic for case in CASES) >= 10


def test_every_expected_id_exists(library: Library) -> None:
    unknown = {i for case in CASES for i in case.expect if library.kb.get(i) is None}
    assert not unknown


def test_top1_accuracy_is_at_least_90_percent(library: Library) -> None:
    result = score(CASES, lambda q: [h.id for h in library.searcher.search(q, limit=3).results])
    assert result.top1 >= 0.90, result.misses


def test_off_topic_questions_are_declined(library: Library) -> None:
    off_topic = [case for case in CASES if case.off_topic]
    answered = [c.question for c in off_topic if library.searcher.search(c.question).answered]
    assert not answered
