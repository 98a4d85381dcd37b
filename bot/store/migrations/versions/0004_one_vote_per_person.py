"""One feedback vote per person, answer and question (issue 15): a person who changes their mind
replaces their vote instead of adding one. ``question_key`` (the SHA-256 of the question) makes
the key short enough to index on either database whatever the question's length.

Existing rows are kept at each person's latest vote (the highest id), the others dropped.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VOTE = "uq_answer_feedback_vote"


def upgrade() -> None:
    op.execute(
        "DELETE FROM answer_feedback WHERE id NOT IN "
        "(SELECT MAX(id) FROM answer_feedback GROUP BY entry_id, question, given_by)"
    )
    with op.batch_alter_table("answer_feedback") as table:
        table.add_column(sa.Column("question_key", sa.String(64), nullable=True))
    feedback = sa.table(
        "answer_feedback",
        sa.column("id", sa.Integer),
        sa.column("question", sa.Text),
        sa.column("question_key", sa.String),
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(feedback.c.id, feedback.c.question)).all():
        key = hashlib.sha256(row.question.encode("utf-8")).hexdigest()
        connection.execute(
            feedback.update().where(feedback.c.id == row.id).values(question_key=key)
        )
    with op.batch_alter_table("answer_feedback") as table:
        table.alter_column("question_key", existing_type=sa.String(64), nullable=False)
        table.create_unique_constraint(VOTE, ["entry_id", "question_key", "given_by"])


def downgrade() -> None:
    with op.batch_alter_table("answer_feedback") as table:
        table.drop_constraint(VOTE, type_="unique")
        table.drop_column("question_key")
