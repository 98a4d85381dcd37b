"""The state store's tables, one group per part: decisions, Slack details, feedback.

Schema changes are Alembic revisions (``bot/store/migrations/versions``), never edits here
alone: ``tests/test_migrations.py`` fails when these tables and the migrated schema differ.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: A decision, whichever front door started it; nothing Slack-specific.
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

#: Which Slack message asks a decision's open question, and at which version it was asked.
#: No foreign key: SQLite would not enforce it; rows of expired decisions are swept on write.
slack_prompts = sa.Table(
    "slack_prompts",
    metadata,
    sa.Column("session_id", sa.String(32), primary_key=True),
    sa.Column("prompt_ts", sa.String(32), nullable=False),
    sa.Column("prompt_version", sa.Integer, nullable=False),
)

#: Each person's current vote on an answer to a question: changing it replaces the row, so a
#: vote is counted once. ``question_key`` is the SHA-256 of ``question`` (short enough to index);
#: ``created_at`` is when the current vote was given.
feedback = sa.Table(
    "answer_feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("question_key", sa.String(64), nullable=False),
    sa.Column("given_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("entry_id", "question_key", "given_by", name="uq_answer_feedback_vote"),
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
