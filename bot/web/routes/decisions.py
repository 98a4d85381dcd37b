"""Decision conversations kept in the state store, so they survive restarts and replicas.

Thin: each route calls ``bot.services.decisions`` (the same flow Slack threads use) and words
its outcome as HTTP.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from bot.services.answering import AnswerProblem, UnreadableAnswers
from bot.services.decisions import Decisions, NotFinished, Outcome
from bot.store import DecisionSession
from bot.web.deps import DecisionsDep
from bot.web.models import AnswerIn, DecideOut, DecisionOut, StartIn
from bot.web.problems import ProblemError

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])


def _out(session: DecisionSession, decisions: Decisions) -> DecisionOut:
    step = DecideOut.of(decisions.step(session))
    return DecisionOut(
        **step.model_dump(),
        id=session.id,
        version=session.version,
        answers=session.answers,
        answered_by=session.answered_by,
        created_at=session.created_at,
        updated_at=session.updated_at,
        expires_at=session.expires_at,
    )


@router.post("", status_code=201, operation_id="startDecision", summary="Start a stored decision")
def start(decisions: DecisionsDep, body: StartIn | None = None) -> DecisionOut:
    """Start a conversation; the answer holds its id and the first question."""
    return _out(decisions.start(None, (body or StartIn()).started_by), decisions)


@router.get("/{decision_id}", operation_id="getDecision", summary="Get a stored decision")
def get(decision_id: str, decisions: DecisionsDep) -> DecisionOut:
    return _out(decisions.get(decision_id), decisions)


@router.post(
    "/{decision_id}/answers", operation_id="answerDecision", summary="Give or change one answer"
)
def answer(decision_id: str, body: AnswerIn, decisions: DecisionsDep) -> DecisionOut:
    """Give or change one answer. Two answers racing for the same version: one gets 409."""
    outcome = decisions.answer(
        decision_id, body.question_id, body.value, body.answered_by, body.version, open_only=False
    )
    if outcome.status == "unreadable":
        raise UnreadableAnswers([AnswerProblem(body.question_id, outcome.problem)])
    if outcome.status != "ok":
        raise ProblemError("version-conflict", _conflict(outcome))
    return _out(outcome.session, decisions)


def _conflict(outcome: Outcome) -> str:
    now = outcome.session.version
    if outcome.seen is not None:
        return (
            f"you answered version {outcome.seen}, but the conversation is at {now}; "
            "reload it and answer again"
        )
    return f"the conversation changed (now version {now}); reload and answer again"


@router.get(
    "/{decision_id}/adr",
    response_class=Response,
    operation_id="getDecisionRecord",
    summary="Get the decision record (Markdown)",
)
def decision_record(decision_id: str, decisions: DecisionsDep) -> Response:
    """The finished decision as a Markdown decision record."""
    try:
        _, _, record = decisions.record(decision_id, dt.datetime.now(dt.UTC).date())
    except NotFinished as error:
        raise ProblemError("decision-not-finished", str(error)) from error
    return Response(record, media_type="text/markdown")
