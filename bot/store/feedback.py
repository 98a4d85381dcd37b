"""Whether an answer helped, as people say with the buttons under it, and the questions the
search could not answer: what ``meshbot kb gaps`` reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from bot.store.database import Database, aware, now
from bot.store.tables import feedback, misses
from knowledge import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

#: Unanswered questions older than this are dropped as new ones arrive: a weekly review needs
#: a month or a quarter, and an unbounded table is a disk an anonymous client can fill.
MISS_RETENTION = dt.timedelta(days=180)
#: The most rows one gaps report reads of each kind, newest first.
GAPS_READ_LIMIT = 5000


def _insert(dialect: str) -> Callable[[sa.Table], postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT, which has ON CONFLICT. PostgreSQL's module is imported only where
    it is used: a process on SQLite would spend about 45 ms of its start loading it."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert
    return sqlite.insert


class Feedback:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, entry_id: str, helpful: bool, question: str, given_by: str) -> None:
        """A person's vote on an answer to a question; a later vote by the same person on the
        same answer and question replaces it (an upsert, atomic on either database)."""
        asked = question[:MAX_QUESTION_CHARS]
        vote = {"helpful": helpful, "created_at": now()}
        with self.database.transaction() as connection:
            statement = _insert(connection.dialect.name)(feedback).values(
                entry_id=entry_id,
                question=asked,
                question_key=hashlib.sha256(asked.encode("utf-8")).hexdigest(),
                given_by=given_by,
                **vote,
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["entry_id", "question_key", "given_by"], set_=vote
                )
            )

    def record_miss(self, question: str, closest: list[str]) -> None:
        self.record_misses([(question, closest, now())])

    def record_misses(self, rows: Sequence[tuple[str, list[str], dt.datetime]]) -> None:
        """(question, closest entry ids, when asked) for each unanswered question, in one
        transaction: a burst of misses costs one commit, and expired rows one delete."""
        with self.database.transaction() as connection:
            connection.execute(misses.delete().where(misses.c.created_at < now() - MISS_RETENTION))
            connection.execute(
                misses.insert(),
                [
                    {
                        "question": question[:MAX_QUESTION_CHARS],
                        "closest": json.dumps(closest[:5]),
                        "created_at": moment,
                    }
                    for question, closest, moment in rows
                ],
            )

    def misses_since(self, since: dt.datetime) -> list[tuple[str, dt.datetime, list[str], str]]:
        """(question, when, closest entry ids, why) for every unanswered question and every
        person's current 👎 given since ``since``, newest first; who asked or voted is not
        read."""
        with self.database.transaction() as connection:
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
        rows = [(q, aware(at), json.loads(closest), "unanswered") for q, at, closest in unanswered]
        rows += [(q, aware(at), [entry], "not helpful") for q, at, entry in unhelpful]
        return sorted(rows, key=lambda row: row[1], reverse=True)
