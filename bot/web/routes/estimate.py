"""The engine over HTTP: cost estimates and the stateless decision."""

from __future__ import annotations

from fastapi import APIRouter

from bot.services.answering import parse_answers
from bot.web.caching import Conditional
from bot.web.deps import LibraryDep
from bot.web.models import DecideIn, DecideOut, QuestionOut
from engine.cost import Estimate, FleetSpec, estimate
from engine.decision import next_step
from engine.questions import QUESTIONS

router = APIRouter(prefix="/v1", tags=["engine"])


@router.post(
    "/estimate", operation_id="estimateCost", summary="Estimate what each data plane costs"
)
async def post_estimate(spec: FleetSpec, library: LibraryDep) -> Estimate:
    """What each data plane costs for this fleet, with every assumption and source."""
    return estimate(spec, library.rules.cost)


@router.get(
    "/questions",
    operation_id="listQuestions",
    summary="List the decision's questions",
    dependencies=[Conditional],
)
async def questions() -> list[QuestionOut]:
    """Every question of the decision; their ids are the answer keys."""
    return [QuestionOut.of(question) for question in QUESTIONS]


@router.post("/decide", operation_id="decide", summary="Next question or verdict (stateless)")
async def decide(body: DecideIn, library: LibraryDep) -> DecideOut:
    """Stateless: the next question for these answers, or the verdict."""
    return DecideOut.of(next_step(parse_answers(body.answers), library.rules))
