"""A decision kept in the state store: start it, answer it, reopen it, and write its record.

This is the one compare-and-set flow behind both the HTTP API and Slack threads (they used to
carry a copy each, and the copies had drifted). Every write goes through ``store.save``, which
refuses when someone else wrote since the conversation was read, so when several people answer
at once exactly one wins; the others get a ``taken`` outcome naming who did.

What may be answered is the one difference between the front doors, and it is explicit here:
``open_only`` (Slack) accepts only the question being asked now, while the HTTP API may change
any earlier answer. ``seen`` is the version the person answered; when given it must be current.
Outcomes are data, not exceptions and not text, so each front door words them its own way.
This module is synchronous (it talks to the database); async callers run it in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.metrics import Metrics
from bot.services.answering import UnreadableAnswers, parse_answer
from bot.store import DecisionSession, DecisionStore, VersionConflict
from engine.adr import render_adr
from engine.answers import Question, Value
from engine.decision import DecisionRules, Verdict, next_step, relevant_answers
from engine.questions import BY_ID, QUESTIONS

Status = Literal["ok", "unreadable", "taken", "finished"]


@dataclass(frozen=True)
class Outcome:
    """What an attempt to change a decision led to."""

    status: Status
    session: DecisionSession  # as saved, or as it stands when the change did not count
    question: Question | None = None  # the question just answered
    shown: Value = None  # the answer as read
    next: Question | Verdict | None = None  # what the decision asks or concludes now
    problem: str = ""  # why an answer was unreadable
    seen: int | None = None  # the version the person answered, when it was stale
    answered_by: str | None = None  # who answered first, when ``taken``
    raced: bool = False  # ``taken`` by a write between our read and our save


class NotFinished(Exception):
    """The record was asked for while ``question`` is still open."""

    def __init__(self, question: Question) -> None:
        self.question = question
        super().__init__(
            f"the decision still needs an answer to {question.id!r}: {question.prompt}"
        )


class Decisions:
    """Decisions over one store and one set of rules; counts starts and finishes once."""

    def __init__(self, store: DecisionStore, rules: DecisionRules, metrics: Metrics) -> None:
        self.store = store
        self.rules = rules
        self.metrics = metrics

    def start(self, scope: str | None, started_by: str) -> DecisionSession:
        session = self.store.create(scope, started_by)
        self.metrics.decisions_started.inc()
        return session

    def get(self, session_id: str) -> DecisionSession:
        return self.store.get(session_id)

    def find(self, scope: str) -> DecisionSession | None:
        return self.store.find(scope)

    def recent(self, started_by: str) -> list[DecisionSession]:
        """A person's latest decisions, newest first."""
        return self.store.recent(started_by)

    def step(self, session: DecisionSession) -> Question | Verdict:
        return next_step(session.answers, self.rules)

    def remaining(self, session: DecisionSession) -> list[Question]:
        """Every question of the engine's sequence not yet answered, in its order (some may
        turn out moot, some only come up after other answers); empty once decided. What a
        form offers all at once."""
        if isinstance(self.step(session), Verdict):
            return []
        return [q for q in QUESTIONS if q.id not in session.answers]

    def answer(
        self,
        session_id: str,
        question_id: str,
        reply: object,
        by: str,
        seen: int | None,
        open_only: bool,
    ) -> Outcome:
        """Give (or, unless ``open_only``, change) one answer, compare-and-set on the version."""
        session = self.store.get(session_id)
        if seen is not None and seen != session.version:
            return self._taken(session, question_id, seen)
        if open_only:
            step = self.step(session)
            if isinstance(step, Verdict):
                return Outcome("finished", session)
            if step.id != question_id:
                return self._taken(session, question_id, seen)
        try:
            parsed = parse_answer(question_id, reply)
        except UnreadableAnswers as error:
            reason = error.problems[0].message
            return Outcome("unreadable", session, BY_ID.get(question_id), problem=reason)
        answers = relevant_answers({**session.answers, question_id: parsed}, self.rules)
        answered_by = {k: v for k, v in session.answered_by.items() if k in answers}
        answered_by[question_id] = by
        outcome = self._save(session, answers, answered_by, question_id)
        if outcome.status != "ok":
            return outcome
        return Outcome("ok", outcome.session, BY_ID[question_id], parsed, outcome.next)

    def answer_all(
        self, session_id: str, replies: Mapping[str, object], by: str, seen: int
    ) -> list[Outcome]:
        """Several answers at once (a form): each open question in turn that ``replies``
        answers, through ``answer`` with ``open_only`` as if given one by one, the first at
        version ``seen``. Stops at the verdict, at a question ``replies`` does not answer, or
        at the first answer that does not count (returned last)."""
        outcomes: list[Outcome] = []
        session = self.store.get(session_id)
        version = seen
        while isinstance(step := self.step(session), Question) and step.id in replies:
            outcome = self.answer(session_id, step.id, replies[step.id], by, version, True)
            outcomes.append(outcome)
            if outcome.status != "ok":
                break
            session, version = outcome.session, outcome.session.version
        return outcomes

    def reopen(self, session_id: str, question_id: str | None) -> Outcome:
        """Change an answer (drop it, so it is asked again) or start over (``None``)."""
        session = self.store.get(session_id)
        kept = {k: v for k, v in session.answers.items() if k != question_id}
        answers = {} if question_id is None else relevant_answers(kept, self.rules)
        answered_by = {k: v for k, v in session.answered_by.items() if k in answers}
        return self._save(session, answers, answered_by, question_id)

    def record(self, session_id: str, today: dt.date) -> tuple[DecisionSession, Verdict, str]:
        """The finished decision, its verdict and its Markdown record; raises ``NotFinished``."""
        session = self.store.get(session_id)
        step = self.step(session)
        if not isinstance(step, Verdict):
            raise NotFinished(step)
        return session, step, render_adr(step, session.answers, self.rules, today)

    def _save(
        self,
        session: DecisionSession,
        answers: dict[str, Value],
        answered_by: dict[str, str],
        question_id: str | None,
    ) -> Outcome:
        following = next_step(answers, self.rules)
        finished = isinstance(following, Verdict)
        try:
            saved = self.store.save(session, answers, answered_by, finished)
        except VersionConflict as conflict:
            return self._taken(conflict.current, question_id, None, raced=True)
        if finished and not session.finished:
            self.metrics.decisions_finished.inc()
        return Outcome("ok", saved, next=following)

    def _taken(
        self,
        current: DecisionSession,
        question_id: str | None,
        seen: int | None,
        raced: bool = False,
    ) -> Outcome:
        by = current.answered_by.get(question_id) if question_id else None
        return Outcome("taken", current, seen=seen, answered_by=by, raced=raced)
