"""Decision conversations that survive restarts and replicas.

Every write is a compare-and-set on a version number, so two people answering the same question
at once cannot both win: the second write finds the version moved and is refused, and nothing is
half-written. Nothing here knows which front door a decision came from.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from bot.store.database import Database, StoreError, aware, now
from bot.store.tables import sessions
from engine.answers import Value


class SessionNotFound(StoreError):
    pass


class VersionConflict(StoreError):
    def __init__(self, current: DecisionSession) -> None:
        self.current = current
        super().__init__(
            f"the conversation changed (now version {current.version}); reload and answer again"
        )


@dataclass(frozen=True)
class DecisionSession:
    id: str
    scope: str
    answers: dict[str, Value]
    answered_by: dict[str, str]
    version: int
    finished: bool
    started_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime


class DecisionStore(Database):
    """Decisions in the state store; the database it opens is shared with the other parts."""

    def __init__(self, url: str, ttl: dt.timedelta, connect_timeout_s: float = 5) -> None:
        super().__init__(url, connect_timeout_s)
        self.ttl = ttl

    def create(self, scope: str | None, started_by: str) -> DecisionSession:
        moment = now()
        session_id = uuid.uuid4().hex
        row = {
            "id": session_id,
            "scope": scope or f"http:{session_id}",
            "answers": "{}",
            "answered_by": "{}",
            "version": 1,
            "finished": False,
            "started_by": started_by,
            "created_at": moment,
            "updated_at": moment,
            "expires_at": moment + self.ttl,
        }
        with self.transaction() as connection:
            connection.execute(sessions.delete().where(sessions.c.expires_at < moment))
            connection.execute(sessions.insert().values(**row))
        return _session(row)

    def get(self, session_id: str) -> DecisionSession:
        with self.transaction() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.id == session_id)).first()
        if row is None or aware(row.expires_at) < now():
            raise SessionNotFound(f"no decision {session_id!r} (it may have expired)")
        return _session(row._mapping)

    def find(self, scope: str) -> DecisionSession | None:
        with self.transaction() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.scope == scope)).first()
        if row is None or aware(row.expires_at) < now():
            return None
        return _session(row._mapping)

    def recent(self, started_by: str, limit: int = 5) -> list[DecisionSession]:
        """A person's latest conversations, newest first."""
        query = (
            sa.select(sessions)
            .where(sessions.c.started_by == started_by, sessions.c.expires_at >= now())
            .order_by(sessions.c.updated_at.desc())
            .limit(limit)
        )
        with self.transaction() as connection:
            return [_session(row._mapping) for row in connection.execute(query)]

    def save(
        self,
        current: DecisionSession,
        answers: dict[str, Value],
        answered_by: dict[str, str],
        finished: bool,
    ) -> DecisionSession:
        """Write new answers if nobody else wrote since ``current`` was read."""
        moment = now()
        with self.transaction() as connection:
            result = connection.execute(
                sessions.update()
                .where(sessions.c.id == current.id, sessions.c.version == current.version)
                .values(
                    answers=json.dumps(answers),
                    answered_by=json.dumps(answered_by),
                    version=current.version + 1,
                    finished=finished,
                    updated_at=moment,
                    expires_at=moment + self.ttl,
                )
            )
        if result.rowcount != 1:
            raise VersionConflict(self.get(current.id))
        return replace(
            current,
            answers=answers,
            answered_by=answered_by,
            version=current.version + 1,
            finished=finished,
            updated_at=moment,
            expires_at=moment + self.ttl,
        )


def _session(row: Any) -> DecisionSession:
    return DecisionSession(
        id=row["id"],
        scope=row["scope"],
        answers=json.loads(row["answers"]),
        answered_by=json.loads(row["answered_by"]),
        version=row["version"],
        finished=bool(row["finished"]),
        started_by=row["started_by"],
        created_at=aware(row["created_at"]),
        updated_at=aware(row["updated_at"]),
        expires_at=aware(row["expires_at"]),
    )
