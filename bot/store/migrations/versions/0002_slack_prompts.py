"""Slack details out of the decision table: prompt_ts/prompt_version move to slack_prompts, and
Alembic's own version table replaces meshbot_schema.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_prompts",
        sa.Column("session_id", sa.String(32), primary_key=True),
        sa.Column("prompt_ts", sa.String(32), nullable=False),
        sa.Column("prompt_version", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO slack_prompts (session_id, prompt_ts, prompt_version) "
        "SELECT id, prompt_ts, prompt_version FROM decision_sessions "
        "WHERE prompt_ts IS NOT NULL AND prompt_version IS NOT NULL"
    )
    with op.batch_alter_table("decision_sessions") as table:
        table.drop_column("prompt_ts")
        table.drop_column("prompt_version")
    op.drop_table("meshbot_schema")


def downgrade() -> None:
    op.create_table("meshbot_schema", sa.Column("version", sa.Integer, primary_key=True))
    op.execute("INSERT INTO meshbot_schema (version) VALUES (1)")
    with op.batch_alter_table("decision_sessions") as table:
        table.add_column(sa.Column("prompt_ts", sa.String(32), nullable=True))
        table.add_column(sa.Column("prompt_version", sa.Integer, nullable=True))
    op.execute(
        "UPDATE decision_sessions SET "
        "prompt_ts = (SELECT p.prompt_ts FROM slack_prompts p WHERE p.session_id = id), "
        "prompt_version = (SELECT p.prompt_version FROM slack_prompts p WHERE p.session_id = id)"
    )
    op.drop_table("slack_prompts")
