"""Shared fixtures: the built-in library (built once per run), state stores, HTTP clients."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

# The embedding model ships inside the wordllama wheel: nothing may reach for the hub.
os.environ["HF_HUB_OFFLINE"] = "1"

from bot.settings import Settings
from knowledge.library import Library, open_library
from tests.support.servers import serve
from tests.support.slack_harness import Harness, harness

# In CI the property tests run the same examples every time: a landing must not depend on luck.
# Locally they explore new inputs on every run.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return open_library(tmp_path_factory.mktemp("index") / "knowledge.sqlite")


@pytest.fixture
def org_dir(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write one knowledge file into an organisation's directory and return the directory."""
    directory = tmp_path / "org-knowledge"
    directory.mkdir()

    def write(name: str, text: str) -> Path:
        (directory / name).write_text(text, encoding="utf-8")
        return directory

    return write


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests off the developer's own cache and knowledge directories."""
    monkeypatch.setenv("MESHBOT_INDEX_PATH", str(tmp_path / "cli-index.sqlite"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli-state.sqlite'}")
    for name in ("MESHBOT_KNOWLEDGE_DIRS", "MESHBOT_API_KEYS", "MESHBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _postgres_or_skip() -> str:
    """The machine's PostgreSQL, or a skip saying why (a failure when CI requires services)."""
    url = os.environ.get("MESHBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {url}: {str(error).strip()}"
        if os.environ.get("MESHBOT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (MESHBOT_REQUIRE_SERVICES=1 requires it)")
        pytest.skip(f"{reason}; set MESHBOT_TEST_DATABASE_URL to run these tests")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty state store: a SQLite file, or a schema of its own in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite'}"
        return
    url = _postgres_or_skip()
    schema = f"meshbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def bot(library: Library, tmp_path: Path) -> Iterator[Harness]:
    """The whole app with Slack on, against a local fake Slack (tests/support/slack_harness.py)."""
    with harness(library, tmp_path) as running:
        yield running


@pytest.fixture
def client(library: Library, tmp_path: Path) -> Iterator[TestClient]:
    """The API on a SQLite store, for routes whose behaviour does not depend on the store."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'api.sqlite'}", api_keys="")
    with serve(settings, library) as test_client:
        yield test_client


@pytest.fixture
def store_client(library: Library, database_url: str) -> Iterator[TestClient]:
    """The API on each store: SQLite and the machine's PostgreSQL."""
    with serve(Settings(database_url=database_url, api_keys=""), library) as test_client:
        yield test_client
