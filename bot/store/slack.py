"""What only the Slack bot keeps: event ids already handled, and which message asks a
decision's open question. Kept apart so the decision table stays front-door neutral."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from bot.store.database import Database, now
from bot.store.tables import sessions, slack_events, slack_prompts

EVENT_MEMORY = dt.timedelta(hours=1)  # Slack retries within minutes; an hour is ample


class SlackEvents:
    """Slack event ids seen, so a retried event is handled once on any replica."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def first_sighting(self, event_id: str) -> bool:
        """Record an event id; False when it was already seen (a retry, here or elsewhere)."""
        moment = now()
        try:
            with self.database.transaction() as connection:
                connection.execute(
                    slack_events.delete().where(slack_events.c.received_at < moment - EVENT_MEMORY)
                )
                connection.execute(
                    slack_events.insert().values(event_id=event_id, received_at=moment)
                )
        except sa.exc.IntegrityError:
            return False
        return True


@dataclass(frozen=True)
class Prompt:
    """The message asking a decision's open question, and the version it was asked at."""

    ts: str
    version: int


class SlackPrompts:
    """Which Slack message asks each decision's open question."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def set(self, session_id: str, ts: str, version: int) -> None:
        """Remember the message asking the question open at ``version``; prompts of decisions
        that expired (and were deleted) are swept in the same transaction."""
        with self.database.transaction() as connection:
            connection.execute(
                slack_prompts.delete().where(
                    (slack_prompts.c.session_id == session_id)
                    | slack_prompts.c.session_id.not_in(sa.select(sessions.c.id))
                )
            )
            connection.execute(
                slack_prompts.insert().values(
                    session_id=session_id, prompt_ts=ts, prompt_version=version
                )
            )

    def get(self, session_id: str) -> Prompt | None:
        query = sa.select(slack_prompts).where(slack_prompts.c.session_id == session_id)
        with self.database.transaction() as connection:
            row = connection.execute(query).first()
        return None if row is None else Prompt(row.prompt_ts, row.prompt_version)
