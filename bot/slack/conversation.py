"""A decision held in a Slack thread: its scope, and outcomes worded for the thread.

The flow itself (who may answer what, the compare-and-set on the version) is
``bot.services.decisions``, shared with the HTTP API; Slack answers only the open question
(``open_only``). State lives in the state store, keyed by team, channel and thread, never re-read
from Slack's history. This module is synchronous; listeners run it in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.decisions import Outcome


@dataclass(frozen=True)
class Scope:
    """Where a decision lives in Slack: the thread a ``/mesh should-we`` root message starts."""

    team: str
    channel: str
    thread_ts: str

    def __str__(self) -> str:
        return f"slack:{self.team}:{self.channel}:{self.thread_ts}"

    @classmethod
    def parse(cls, scope: str) -> Scope:
        _, team, channel, thread_ts = scope.split(":", 3)
        return cls(team, channel, thread_ts)


def wording(outcome: Outcome, reopening: bool = False) -> str:
    """Why a change did not count, as the person who tried is told in the thread."""
    if outcome.status == "unreadable":
        return outcome.problem
    if outcome.status == "finished":
        return "This decision is already finished."
    if reopening:
        return "The decision changed meanwhile; try again."
    who = f" by <@{outcome.answered_by}>" if outcome.answered_by else ""
    if outcome.raced:
        return f"Someone answered first{who}."
    return f"That question was already answered{who}."
