"""Reading answers and searching, the same way from every front door."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.metrics import Metrics
from engine.answers import UnreadableAnswer, Value, excerpt
from engine.questions import BY_ID
from knowledge import Answer, Searcher


@dataclass(frozen=True)
class AnswerProblem:
    """Why one answer could not be read: the question id it was given for, and the reason."""

    question_id: str
    message: str


class UnreadableAnswers(ValueError):
    """Some answers could not be read; ``problems`` names each, so all are fixed in one pass."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.question_id}: {p.message}" for p in problems))


def parse_answer(question_id: str, value: object) -> Value:
    """One answer read by its question's parser, as if typed; raises ``UnreadableAnswers``."""
    question = BY_ID.get(question_id)
    if question is None:
        raise UnreadableAnswers([AnswerProblem(excerpt(question_id), "unknown question id")])
    try:
        return question.parse(value)
    except UnreadableAnswer as error:
        raise UnreadableAnswers([AnswerProblem(question_id, str(error))]) from error


def parse_answers(raw: Mapping[str, object]) -> dict[str, Value]:
    """Every answer read by its question's parser; all problems reported at once."""
    answers: dict[str, Value] = {}
    problems: list[AnswerProblem] = []
    for key, value in raw.items():
        try:
            answers[key] = parse_answer(key, value)
        except UnreadableAnswers as error:
            problems += error.problems
    if problems:
        raise UnreadableAnswers(problems)
    return answers


def search(
    searcher: Searcher,
    metrics: Metrics | None,
    question: str,
    limit: int = 5,
    kinds: frozenset[str] = frozenset(),
) -> Answer:
    """Search, and count the search (and whether it found a confident answer) when served."""
    result = searcher.search(question, limit=limit, kinds=kinds)
    if metrics is not None:
        metrics.searches.inc()
        if not result.answered:
            metrics.unanswered.inc()
    return result
