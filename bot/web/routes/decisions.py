"""Decision conversations kept in the state store, so they survive restarts and replicas."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from bot.store import DecisionSession
from bot.web.deps import ServicesDep, StoreDep
from bot.web.models import AnswerIn, DecisionOut, StartIn
from bot.web.problems import ProblemError
from bot.web.routes.engine import parse_answers, step_out
from engine.adr import render_adr
from engine.decision import DecisionRules, Verdict, next_step, relevant_answers

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])


def _out(session: DecisionSession, rules: DecisionRules) -> DecisionOut:
    step = step_out(session.answers, rules)
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


@router.post("", status_code=201)
def start(services: ServicesDep, body: StartIn | None = None) -> DecisionOut:
    """Start a conversation; the answer holds its id and the first question."""
    session = services.store.create(None, (body or StartIn()).started_by)
    services.metrics.decisions_started.inc()
    return _out(session, services.library.rules)


@router.get("/{decision_id}")
def get(decision_id: str, services: ServicesDep) -> DecisionOut:
    return _out(services.store.get(decision_id), services.library.rules)


@router.post("/{decision_id}/answers")
def answer(decision_id: str, body: AnswerIn, services: ServicesDep) -> DecisionOut:
    """Give or change one answer. Two answers racing for the same version: one gets 409."""
    store, rules = services.store, services.library.rules
    current = store.get(decision_id)
    if body.version is not None and body.version != current.version:
        raise ProblemError(
            409,
            "version-conflict",
            f"you answered version {body.version}, but the conversation is at "
            f"{current.version}; reload it and answer again",
        )
    parsed = parse_answers({body.question_id: body.value})
    answers = relevant_answers({**current.answers, **parsed}, rules)
    answered_by = {k: v for k, v in current.answered_by.items() if k in answers}
    answered_by[body.question_id] = body.answered_by
    finished = isinstance(next_step(answers, rules), Verdict)
    saved = store.save(current, answers, answered_by, finished)
    if finished and not current.finished:
        services.metrics.decisions_finished.inc()
    return _out(saved, rules)


@router.get("/{decision_id}/adr", response_class=Response)
def decision_record(decision_id: str, store: StoreDep, services: ServicesDep) -> Response:
    """The finished decision as a Markdown decision record."""
    session = store.get(decision_id)
    rules = services.library.rules
    step = step_out(session.answers, rules)
    if step.verdict is None:
        assert step.question is not None
        raise ProblemError(
            409,
            "decision-not-finished",
            f"the decision still needs an answer to {step.question.id!r}: {step.question.prompt}",
        )
    record = render_adr(step.verdict, session.answers, rules, dt.datetime.now(dt.UTC).date())
    return Response(record, media_type="text/markdown")
