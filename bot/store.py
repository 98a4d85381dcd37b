"""Decision conversations that survive restarts: SQLite by default, PostgreSQL by URL.

One code path (SQLAlchemy Core) for both. Every write is a compare-and-set on a version
number, so two people answering the same question at once cannot both win: the second
write finds the version moved and is refused, and nothing is half-written.

    StoreError
     ├── StoreUnavailable   the database cannot be reached or written (503, retry later)
     ├── SessionNotFound    no such conversation, or it expired (404)
     └── VersionConflict    someone else changed the conversation first (409)
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from engine.answers import Value

metadata = sa.MetaData()

sessions = sa.Table(
    "decision_sessions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("scope", sa.String(255), nullable=False, unique=True),
    sa.Column("answers", sa.Text, nullable=False),
    sa.Column("answered_by", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False),
    sa.Column("started_by", sa.String(255), nullable=False),
    sa.Column("prompt_ts", sa.String(32), nullable=True),  # Slack: the message asking now
    sa.Column("prompt_version", sa.Integer, nullable=True),  # the version it was asked at
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

#: Slack retries events it thinks timed out; each id is handled once, on any replica.
slack_events = sa.Table(
    "slack_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

feedback = sa.Table(
    "answer_feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("given_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

#: Questions the search could not answer, kept for ``meshbot kb gaps``: the text, when, and the
#: closest entries (ids, JSON). Nobody's identity is kept with them.
misses = sa.Table(
    "unanswered_questions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("closest", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
#: Unanswered questions older than this are dropped as new ones arrive: a weekly review needs
#: a month or a quarter, and an unbounded table is a disk an anonymous client can fill.
MISS_RETENTION = dt.timedelta(days=180)
#: The most rows one gaps report reads, newest first.
GAPS_READ_LIMIT = 5000

schema_version = sa.Table(
    "meshbot_schema", metadata, sa.Column("version", sa.Integer, primary_key=True)
)

#: Bump when the schema changes, and add the upgrade from the previous version to migrate().
SCHEMA_VERSION = 1
EVENT_MEMORY = dt.timedelta(hours=1)  # Slack retries within minutes; an hour is ample
_MIGRATION_LOCK = 0x6D657368  # "mesh": serialises migrations across replicas on PostgreSQL


class StoreError(Exception):
    """Base of all state-store errors."""


class StoreUnavailable(StoreError):
    pass


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
    prompt_ts: str | None
    prompt_version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime


def engine_url(url: str) -> str:
    """Platforms hand out ``postgres://`` and ``postgresql://``; SQLAlchemy wants a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class DecisionStore:
    def __init__(self, url: str, ttl: dt.timedelta, connect_timeout_s: float = 5) -> None:
        self.url = engine_url(url)
        self.ttl = ttl
        self.migrated = False
        connect_args: dict[str, Any] = {}
        self._directory: Path | None = None
        if self.url.startswith("sqlite"):
            # sqlite:///path, or SQLite's URI form sqlite:///file:path?mode=ro&uri=true
            path = self.url.removeprefix("sqlite:///").removeprefix("file:").split("?")[0]
            if path and path != ":memory:":
                self._directory = Path(path).parent
            connect_args = {"timeout": connect_timeout_s}
        else:
            connect_args = {"connect_timeout": max(1, int(connect_timeout_s))}
        self.engine: Engine = sa.create_engine(
            self.url, connect_args=connect_args, pool_pre_ping=True
        )

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except sa.exc.IntegrityError:
            raise  # a constraint doing its job (a duplicate), not an outage
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            raise StoreUnavailable(f"the state store is unavailable: {error.orig}") from error
        except sa.exc.DatabaseError as error:  # e.g. a read-only SQLite file
            raise StoreUnavailable(f"the state store refused the write: {error.orig}") from error

    def migrate(self) -> None:
        """Create or upgrade the schema; safe to run from several replicas at once."""
        if self._directory is not None:
            try:
                self._directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                detail = f"the state store is unavailable: cannot create {self._directory}: {error}"
                raise StoreUnavailable(detail) from error
        with self._transaction() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
            metadata.create_all(connection, checkfirst=True)
            current = connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
            if current is None:
                connection.execute(schema_version.insert().values(version=SCHEMA_VERSION))
        self.migrated = True

    def ping(self) -> None:
        """Check the store answers *and takes writes*; a store that was down at start is
        migrated now. A read-only file, a full disk or a read-only replica answers reads, so a
        read alone would keep a replica in rotation that cannot save one answer."""
        if not self.migrated:
            self.migrate()
        with self._transaction() as connection:
            connection.execute(
                schema_version.update()
                .where(schema_version.c.version == SCHEMA_VERSION)
                .values(version=schema_version.c.version)
            )

    def dispose(self) -> None:
        self.engine.dispose()

    def create(self, scope: str | None, started_by: str) -> DecisionSession:
        now = _now()
        session_id = uuid.uuid4().hex
        row = {
            "id": session_id,
            "scope": scope or f"http:{session_id}",
            "answers": "{}",
            "answered_by": "{}",
            "version": 1,
            "finished": False,
            "started_by": started_by,
            "prompt_ts": None,
            "prompt_version": None,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + self.ttl,
        }
        with self._transaction() as connection:
            connection.execute(sessions.delete().where(sessions.c.expires_at < now))
            connection.execute(sessions.insert().values(**row))
        return _session(row)

    def get(self, session_id: str) -> DecisionSession:
        with self._transaction() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.id == session_id)).first()
        if row is None or _aware(row.expires_at) < _now():
            raise SessionNotFound(f"no decision {session_id!r} (it may have expired)")
        return _session(row._mapping)

    def find(self, scope: str) -> DecisionSession | None:
        with self._transaction() as connection:
            row = connection.execute(sa.select(sessions).where(sessions.c.scope == scope)).first()
        if row is None or _aware(row.expires_at) < _now():
            return None
        return _session(row._mapping)

    def set_prompt(self, session_id: str, prompt_ts: str, version: int) -> None:
        """Remember which Slack message asks the question open at ``version`` (no version
        bump: it is not an answer)."""
        with self._transaction() as connection:
            connection.execute(
                sessions.update()
                .where(sessions.c.id == session_id)
                .values(prompt_ts=prompt_ts, prompt_version=version)
            )

    def recent(self, started_by: str, limit: int = 5) -> list[DecisionSession]:
        """A person's latest conversations, newest first."""
        query = (
            sa.select(sessions)
            .where(sessions.c.started_by == started_by, sessions.c.expires_at >= _now())
            .order_by(sessions.c.updated_at.desc())
            .limit(limit)
        )
        with self._transaction() as connection:
            return [_session(row._mapping) for row in connection.execute(query)]

    def first_sighting(self, event_id: str) -> bool:
        """Record an event id; False when it was already seen (a retry, here or elsewhere)."""
        now = _now()
        try:
            with self._transaction() as connection:
                connection.execute(
                    slack_events.delete().where(slack_events.c.received_at < now - EVENT_MEMORY)
                )
                connection.execute(slack_events.insert().values(event_id=event_id, received_at=now))
        except sa.exc.IntegrityError:
            return False
        return True

    def record_miss(self, question: str, closest: list[str]) -> None:
        now = _now()
        with self._transaction() as connection:
            connection.execute(misses.delete().where(misses.c.created_at < now - MISS_RETENTION))
            connection.execute(
                misses.insert().values(
                    question=question[:1000], closest=json.dumps(closest[:5]), created_at=now
                )
            )

    def misses_since(self, since: dt.datetime) -> list[tuple[str, dt.datetime, list[str], str]]:
        """(question, when, closest entry ids, why) for every unanswered question and every
        👎 since ``since``, newest first; who asked or voted is not read."""
        with self._transaction() as connection:
            unanswered = connection.execute(
                sa.select(misses.c.question, misses.c.created_at, misses.c.closest)
                .where(misses.c.created_at >= since)
                .order_by(misses.c.created_at.desc())
                .limit(GAPS_READ_LIMIT)
            ).all()
            unhelpful = connection.execute(
                sa.select(feedback.c.question, feedback.c.created_at, feedback.c.entry_id)
                .where(feedback.c.created_at >= since, feedback.c.helpful.is_(False))
                .order_by(feedback.c.created_at.desc())
                .limit(GAPS_READ_LIMIT)
            ).all()
        rows = [(q, _aware(at), json.loads(closest), "unanswered") for q, at, closest in unanswered]
        rows += [(q, _aware(at), [entry], "not helpful") for q, at, entry in unhelpful]
        return sorted(rows, key=lambda row: row[1], reverse=True)

    def record_feedback(self, entry_id: str, helpful: bool, question: str, given_by: str) -> None:
        with self._transaction() as connection:
            connection.execute(
                feedback.insert().values(
                    entry_id=entry_id,
                    helpful=helpful,
                    question=question[:1000],
                    given_by=given_by,
                    created_at=_now(),
                )
            )

    def save(
        self,
        current: DecisionSession,
        answers: dict[str, Value],
        answered_by: dict[str, str],
        finished: bool,
    ) -> DecisionSession:
        """Write new answers if nobody else wrote since ``current`` was read."""
        now = _now()
        with self._transaction() as connection:
            result = connection.execute(
                sessions.update()
                .where(sessions.c.id == current.id, sessions.c.version == current.version)
                .values(
                    answers=json.dumps(answers),
                    answered_by=json.dumps(answered_by),
                    version=current.version + 1,
                    finished=finished,
                    updated_at=now,
                    expires_at=now + self.ttl,
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
            updated_at=now,
            expires_at=now + self.ttl,
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
        prompt_ts=row["prompt_ts"],
        prompt_version=row["prompt_version"],
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
        expires_at=_aware(row["expires_at"]),
    )
