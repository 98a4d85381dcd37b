"""The state store's schema is kept by Alembic: a fresh database is created at head, and a
database made by release edd6e4a (before migrations; tests/fixtures/legacy-edd6e4a.*.sql) is
upgraded by ``meshbot db migrate`` with its data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

from bot.cli import main
from bot.settings import Settings
from bot.store import Database, DecisionStore, Feedback, SlackPrompts, head
from bot.store.database import MIGRATIONS
from bot.store.tables import metadata
from bot.web.app import create_app
from knowledge import Library

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY_SESSION = "0123456789abcdef0123456789abcdef"


def _load_legacy(url: str) -> None:
    database = Database(url)
    dialect = database.engine.dialect.name
    script = (FIXTURES / f"legacy-edd6e4a.{dialect}.sql").read_text(encoding="utf-8")
    with database.transaction() as connection:
        for statement in script.split(";\n"):
            body = "\n".join(
                line for line in statement.splitlines() if not line.startswith("--")
            ).strip()
            if body:
                connection.exec_driver_sql(body)
    database.dispose()


def _columns(url: str) -> dict[str, set[str]]:
    database = Database(url)
    inspector = sa.inspect(database.engine)
    found = {t: {c["name"] for c in inspector.get_columns(t)} for t in inspector.get_table_names()}
    database.dispose()
    return found


def test_a_database_made_by_the_previous_release_upgrades_with_db_migrate(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _load_legacy(database_url)
    assert "prompt_ts" in _columns(database_url)["decision_sessions"]
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["db", "migrate"]) == 0
    assert "schema is current" in capsys.readouterr().out

    tables = _columns(database_url)
    assert "meshbot_schema" not in tables
    assert {"prompt_ts", "prompt_version"}.isdisjoint(tables["decision_sessions"])
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    assert store.revision() == head()
    session = store.get(LEGACY_SESSION)  # the decision and its answers came through
    assert session.answers == {"services": 40} and session.version == 2
    prompt = SlackPrompts(store).get(LEGACY_SESSION)  # and its Slack prompt moved out
    assert prompt is not None and (prompt.ts, prompt.version) == ("1700000000.000300", 2)
    store.ping()
    store.dispose()


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    store.migrate()
    session = store.create(None, "test")
    store.migrate()
    assert store.get(session.id) == session
    store.dispose()


def test_the_migrated_schema_matches_the_tables_the_code_uses(database_url: str) -> None:
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    store.migrate()
    migrated = _columns(database_url)
    migrated.pop("alembic_version")
    assert migrated == {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}
    store.dispose()


def test_readyz_is_503_while_the_schema_is_not_this_releases(
    library: Library, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    store = DecisionStore(url, dt.timedelta(hours=1))
    store.migrate()
    with TestClient(create_app(Settings(database_url=url, api_keys=""), library, store)) as client:
        assert client.get("/readyz").status_code == 200
        with store.transaction() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["type"] == "urn:meshbot:problem:not-ready"


def _migrate_to(url: str, revision: str, step: Callable[[Config, str], None]) -> None:
    """Alembic run up (``command.upgrade``) or down (``command.downgrade``) to ``revision``."""
    database = Database(url)
    with database.transaction() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        step(config, revision)
    database.dispose()


def test_downgrading_to_the_first_revision_and_back_keeps_decisions_prompts_and_votes(
    database_url: str,
) -> None:
    """A rollback runs the downgrades; nothing but the newer tables' own rows may be lost."""
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    store.migrate()
    started = store.create(None, "slack:U1")
    session = store.save(started, {"services": 40}, {"services": "slack:U1"}, finished=False)
    SlackPrompts(store).set(session.id, "1700000000.000300", session.version)
    Feedback(store).record("MESH-P005", False, "certs expired", "slack:U1")
    store.dispose()

    _migrate_to(database_url, "0001", command.downgrade)
    tables = _columns(database_url)
    assert {"prompt_ts", "prompt_version"} <= tables["decision_sessions"]
    assert {"slack_prompts", "unanswered_questions"}.isdisjoint(tables)
    assert "question_key" not in tables["answer_feedback"]

    _migrate_to(database_url, "head", command.upgrade)
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    assert store.revision() == head()
    assert store.get(session.id) == session
    prompt = SlackPrompts(store).get(session.id)
    assert prompt is not None and (prompt.ts, prompt.version) == ("1700000000.000300", 2)
    Feedback(store).record("MESH-P005", True, "certs expired", "slack:U1")  # the same vote again
    with store.transaction() as connection:
        votes = connection.execute(sa.text("SELECT entry_id, helpful FROM answer_feedback")).all()
    assert [tuple(vote) for vote in votes] == [("MESH-P005", True)]
    store.dispose()


def test_repeated_votes_from_before_0004_are_kept_at_each_persons_latest(
    database_url: str,
) -> None:
    _migrate_to(database_url, "0003", command.upgrade)
    database = Database(database_url)
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    votes = [  # the old buttons appended a row per click
        ("MESH-P005", True, "certs expired", "slack:U1"),
        ("MESH-P005", False, "certs expired", "slack:U1"),
        ("MESH-P005", True, "certs expired", "slack:U2"),
        ("MESH-P004", False, "certs expired", "slack:U1"),
    ]
    with database.transaction() as connection:
        for entry, helpful, question, by in votes:
            connection.execute(
                sa.text(
                    "INSERT INTO answer_feedback (entry_id, helpful, question, given_by, "
                    "created_at) VALUES (:e, :h, :q, :b, :at)"
                ),
                {"e": entry, "h": helpful, "q": question, "b": by, "at": at},
            )
    database.migrate()
    with database.transaction() as connection:
        rows = connection.execute(
            sa.text("SELECT entry_id, given_by, helpful FROM answer_feedback ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("MESH-P005", "slack:U1", False),  # U1's latest vote on P005
        ("MESH-P005", "slack:U2", True),
        ("MESH-P004", "slack:U1", False),
    ]
    Feedback(database).record("MESH-P005", True, "certs expired", "slack:U1")  # changes it
    with database.transaction() as connection:
        count = connection.execute(sa.text("SELECT COUNT(*) FROM answer_feedback")).scalar()
    assert count == 3
    database.dispose()


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.store.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head() == ScriptDirectory.from_config(config).get_current_head()


def test_a_current_schema_is_opened_without_loading_alembic(tmp_path: Path) -> None:
    """A service starting on a current schema (the usual restart) does not pay for Alembic."""
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    Database(url).migrate()
    code = (
        "import sys; from bot.store import Database; d = Database(sys.argv[1]); d.migrate(); "
        "d.ping(); print(sorted({'alembic'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
