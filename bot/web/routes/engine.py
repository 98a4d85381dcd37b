"""The engine over HTTP: cost estimates and the stateless decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.web.deps import LibraryDep
from bot.web.models import DecideIn, DecideOut, QuestionOut
from bot.web.problems import FieldError, ProblemError
from engine.answers import UnreadableAnswer, Value, excerpt
from engine.cost import Estimate, FleetSpec, estimate
from engine.decision import DecisionRules, Verdict, next_step
from engine.questions import BY_ID, QUESTIONS

router = APIRouter(prefix="/v1", tags=["engine"])


def parse_answers(raw: dict[str, Any]) -> dict[str, Value]:
    """Read every answer with its question's parser; report all problems at once."""
    answers: dict[str, Value] = {}
    errors: list[FieldError] = []
    for key, value in raw.items():
        question = BY_ID.get(key)
        if question is None:
            errors.append(FieldError(path=f"answers.{excerpt(key)}", message="unknown question id"))
            continue
        try:
            answers[key] = question.parse(value)
        except UnreadableAnswer as error:
            errors.append(FieldError(path=f"answers.{key}", message=str(error)))
    if errors:
        detail = "; ".join(f"{e.path}: {e.message}" for e in errors[:3])
        raise ProblemError(422, "unreadable-answer", detail, errors=errors)
    return answers


def step_out(answers: dict[str, Value], rules: DecisionRules) -> DecideOut:
    step = next_step(answers, rules)
    if isinstance(step, Verdict):
        return DecideOut(status="verdict", verdict=step)
    return DecideOut(status="question", question=QuestionOut.of(step))


@router.post("/estimate")
async def post_estimate(spec: FleetSpec, library: LibraryDep) -> Estimate:
    """What each data plane costs for this fleet, with every assumption and source."""
    return estimate(spec, library.rules.cost)


@router.get("/questions")
async def questions() -> list[QuestionOut]:
    """Every question of the decision; their ids are the answer keys."""
    return [QuestionOut.of(question) for question in QUESTIONS]


@router.post("/decide")
async def decide(body: DecideIn, library: LibraryDep) -> DecideOut:
    """Stateless: the next question for these answers, or the verdict."""
    return step_out(parse_answers(body.answers), library.rules)
