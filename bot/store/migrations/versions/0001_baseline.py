"""The schema of releases before migrations (meshbot_schema version 1, e.g. release edd6e4a).

A database those releases made is stamped at this revision rather than created by it.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("scope", sa.String(255), nullable=False, unique=True),
        sa.Column("answers", sa.Text, nullable=False),
        sa.Column("answered_by", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("finished", sa.Boolean, nullable=False),
        sa.Column("started_by", sa.String(255), nullable=False),
        sa.Column("prompt_ts", sa.String(32), nullable=True),
        sa.Column("prompt_version", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decision_sessions_expires_at", "decision_sessions", ["expires_at"])
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_events_received_at", "slack_events", ["received_at"])
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("given_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table("meshbot_schema", sa.Column("version", sa.Integer, primary_key=True))
    op.execute("INSERT INTO meshbot_schema (version) VALUES (1)")


def downgrade() -> None:
    for table in ("meshbot_schema", "answer_feedback", "slack_events", "decision_sessions"):
        op.drop_table(table)
