"""The state store in three parts over one database: decisions (``DecisionStore``), what only
Slack keeps (``SlackEvents``, ``SlackPrompts``) and answer feedback (``Feedback``). SQLite by
default, PostgreSQL by URL; the schema is kept by Alembic migrations (``database.py``).

    StoreError
     ├── StoreUnavailable   the database cannot be reached or written, or its schema is not
     │                      the one this release needs (503, retry later)
     ├── SessionNotFound    no such conversation, or it expired (404)
     └── VersionConflict    someone else changed the conversation first (409)
"""

from bot.store.database import Database, StoreError, StoreUnavailable, engine_url, head
from bot.store.decisions import DecisionSession, DecisionStore, SessionNotFound, VersionConflict
from bot.store.feedback import Feedback
from bot.store.slack import Prompt, SlackEvents, SlackPrompts

__all__ = [
    "Database",
    "DecisionSession",
    "DecisionStore",
    "Feedback",
    "Prompt",
    "SessionNotFound",
    "SlackEvents",
    "SlackPrompts",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
    "engine_url",
    "head",
]
