"""Alembic migrations of the state store (see bot/store/database.py)."""
