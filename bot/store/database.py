"""The state store's database: one engine, errors mapped in one place, and its schema kept
current by Alembic migrations (``bot/store/migrations``).

One code path (SQLAlchemy Core) for SQLite and PostgreSQL. A database made by a release before
migrations existed (its ``meshbot_schema`` table says version 1) is recognised and upgraded
from there, so an operator only ever runs ``meshbot db migrate`` (``serve`` does it at start).
The error tree is drawn in ``bot/store/__init__.py``.

Alembic (about 9 MB resident with Mako) is imported only when the schema must change: the
revision the code expects is read from the migration files and the database's from Alembic's
version table, so a service starting on a current schema never loads it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: The revision that reproduces the schema of releases before migrations (``meshbot_schema`` 1).
BASELINE = "0001"
#: ``revision = "0003"`` / ``down_revision = "0002"`` (or ``None``) in a migration file.
_REVISION_LINE = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([^"]+)"|None)', re.MULTILINE)
_MIGRATION_LOCK = 0x6D657368  # "mesh": serialises migrations across replicas on PostgreSQL


class StoreError(Exception):
    """Base of all state-store errors."""


class StoreUnavailable(StoreError):
    pass


def engine_url(url: str) -> str:
    """Platforms hand out ``postgres://`` and ``postgresql://``; SQLAlchemy wants a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without a zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The revision this release's code expects: the one no migration names as the revision it
    follows (tests/test_migrations.py checks it against Alembic's own answer)."""
    revisions: set[str] = set()
    followed: set[str | None] = set()
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        fields = {name: value or None for name, value in _REVISION_LINE.findall(path.read_text())}
        revisions.add(str(fields["revision"]))
        followed.add(fields.get("down_revision"))
    (last,) = revisions - followed
    return last


class Database:
    """A connection pool to the state store, shared by its parts (decisions, Slack, feedback)."""

    def __init__(self, url: str, connect_timeout_s: float = 5) -> None:
        self.url = engine_url(url)
        self.migrated = False
        connect_args: dict[str, Any] = {}
        self._directory: Path | None = None
        if self.url.startswith("sqlite"):
            # sqlite:///path, or SQLite's URI form sqlite:///file:path?mode=ro&uri=true
            path = self.url.removeprefix("sqlite:///").removeprefix("file:").split("?")[0]
            if path and path != ":memory:":
                self._directory = Path(path).parent
            connect_args = {"timeout": connect_timeout_s}
        else:
            connect_args = {"connect_timeout": max(1, int(connect_timeout_s))}
        self.engine: Engine = sa.create_engine(
            self.url, connect_args=connect_args, pool_pre_ping=True
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except sa.exc.IntegrityError:
            raise  # a constraint doing its job (a duplicate), not an outage
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            raise StoreUnavailable(f"the state store is unavailable: {error.orig}") from error
        except sa.exc.DatabaseError as error:  # e.g. a read-only SQLite file
            raise StoreUnavailable(f"the state store refused the write: {error.orig}") from error

    def migrate(self) -> None:
        """Create or upgrade the schema to ``head()``; safe to run from several replicas."""
        if self._directory is not None:
            try:
                self._directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                detail = f"the state store is unavailable: cannot create {self._directory}: {error}"
                raise StoreUnavailable(detail) from error
        with self.transaction() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
            current = _revision(connection)
            if current != head():
                _upgrade(connection, current)
        self.migrated = True

    def revision(self) -> str | None:
        """The schema revision the database is at (None: never migrated)."""
        with self.transaction() as connection:
            return _revision(connection)

    def ping(self) -> None:
        """Check the store answers, *takes writes* and has this release's schema; a store that
        was down at start is migrated now. A read-only file, a full disk or a read-only replica
        answers reads, so a read alone would keep a replica in rotation that cannot save one
        answer; a schema another release moved on would fail on the first answer."""
        if not self.migrated:
            self.migrate()
        with self.transaction() as connection:
            current = _revision(connection)
            if current != head():
                raise StoreUnavailable(
                    f"the state store's schema is at {current}, this release needs {head()}: "
                    "run `meshbot db migrate`"
                )
            version = sa.table("alembic_version", sa.column("version_num"))
            connection.execute(version.update().values(version_num=version.c.version_num))

    def dispose(self) -> None:
        self.engine.dispose()


def _revision(connection: Connection) -> str | None:
    """The revision in Alembic's version table (None: never migrated)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return None if revision is None else str(revision)


def _upgrade(connection: Connection, current: str | None) -> None:
    from alembic import command

    config = _config(connection)
    if current is None and sa.inspect(connection).has_table("meshbot_schema"):
        command.stamp(config, BASELINE)  # made by a release before migrations
    command.upgrade(config, "head")
