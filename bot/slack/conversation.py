"""A decision held in a Slack thread: who may answer what, and what happens next.

State lives in the state store, keyed by team, channel and thread, never re-read from Slack's
history. Every answer is a compare-and-set on the conversation's version, so when several people
answer the same question at once exactly one wins and the others are told who did.
This module is synchronous (it talks to the database); listeners run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.store import DecisionSession, DecisionStore, VersionConflict
from engine.answers import Question, UnreadableAnswer, Value
from engine.decision import DecisionRules, Verdict, next_step, relevant_answers
from engine.questions import BY_ID

Status = Literal["ok", "unreadable", "taken", "finished"]


def scope(team: str, channel: str, thread_ts: str) -> str:
    return f"slack:{team}:{channel}:{thread_ts}"


@dataclass(frozen=True)
class Outcome:
    """What an attempt to answer led to, for the listener to show."""

    status: Status
    session: DecisionSession
    message: str = ""
    question: Question | None = None  # the question just answered
    shown: Value = None
    next: Question | Verdict | None = None


class Conversations:
    def __init__(self, store: DecisionStore, rules: DecisionRules) -> None:
        self.store = store
        self.rules = rules

    def start(self, team: str, channel: str, thread_ts: str, user: str) -> DecisionSession:
        return self.store.create(scope(team, channel, thread_ts), f"slack:{user}")

    def find(self, team: str, channel: str, thread_ts: str) -> DecisionSession | None:
        return self.store.find(scope(team, channel, thread_ts))

    def step(self, session: DecisionSession) -> Question | Verdict:
        return next_step(session.answers, self.rules)

    def answer(
        self, session_id: str, question_id: str, reply: object, user: str, seen: int | None
    ) -> Outcome:
        """Answer the open question. ``seen`` is the version the person answered (a button
        carries it); a reply typed in the thread answers whatever is open now."""
        session = self.store.get(session_id)
        step = self.step(session)
        if isinstance(step, Verdict):
            return Outcome("finished", session, "This decision is already finished.")
        if step.id != question_id or (seen is not None and seen != session.version):
            by = session.answered_by.get(question_id)
            who = f" by <@{by}>" if by else ""
            return Outcome("taken", session, f"That question was already answered{who}.")
        question = BY_ID[question_id]
        try:
            parsed = question.parse(reply)
        except UnreadableAnswer as error:
            return Outcome("unreadable", session, str(error), question)
        answers = relevant_answers({**session.answers, question_id: parsed}, self.rules)
        answered_by = {k: v for k, v in session.answered_by.items() if k in answers}
        answered_by[question_id] = user
        following = next_step(answers, self.rules)
        try:
            saved = self.store.save(
                session, answers, answered_by, finished=isinstance(following, Verdict)
            )
        except VersionConflict as conflict:
            by = conflict.current.answered_by.get(question_id)
            who = f" by <@{by}>" if by else ""
            return Outcome("taken", conflict.current, f"Someone answered first{who}.")
        return Outcome("ok", saved, question=question, shown=parsed, next=following)

    def reopen(self, session_id: str, question_id: str | None) -> Outcome:
        """Change an answer (drop it, so it is asked again) or start over (``None``)."""
        session = self.store.get(session_id)
        answers = (
            {}
            if question_id is None
            else relevant_answers(
                {k: v for k, v in session.answers.items() if k != question_id}, self.rules
            )
        )
        answered_by = {k: v for k, v in session.answered_by.items() if k in answers}
        following = next_step(answers, self.rules)
        try:
            saved = self.store.save(session, answers, answered_by, isinstance(following, Verdict))
        except VersionConflict as conflict:
            return Outcome("taken", conflict.current, "The decision changed meanwhile; try again.")
        return Outcome("ok", saved, next=following)
