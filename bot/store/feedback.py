"""Whether an answer helped, as people say with the buttons under it."""

from __future__ import annotations

from bot.store.database import Database, now
from bot.store.tables import feedback
from knowledge import MAX_QUESTION_CHARS


class Feedback:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, entry_id: str, helpful: bool, question: str, given_by: str) -> None:
        with self.database.transaction() as connection:
            connection.execute(
                feedback.insert().values(
                    entry_id=entry_id,
                    helpful=helpful,
                    question=question[:MAX_QUESTION_CHARS],
                    given_by=given_by,
                    created_at=now(),
                )
            )
