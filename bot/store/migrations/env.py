"""Alembic's entry point: migrations run on the connection ``Database.migrate`` passes in, inside
its transaction (and, on PostgreSQL, its advisory lock). There is no alembic.ini: the store
configures Alembic in code, so ``meshbot db migrate`` is the only command an operator needs."""

from __future__ import annotations

from alembic import context

from bot.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
