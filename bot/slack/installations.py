"""Multi-workspace installs: bolt's SQLAlchemy installation and OAuth-state stores, kept in
meshbot's own state-store database.

slack_sdk's async variants of these stores need an async database driver; meshbot's engine is
synchronous (one code path for SQLite and PostgreSQL), so the synchronous stores are used
from the async app through a worker thread each call.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

STATE_EXPIRATION_SECONDS = 600
log = logging.getLogger("meshbot.slack")


class Installations(AsyncInstallationStore):
    def __init__(self, client_id: str, engine: Engine) -> None:
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        self.store.create_tables()  # type: ignore[no-untyped-call]

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(**kwargs))

    async def async_delete_all(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_all(**kwargs))


class OAuthStates(AsyncOAuthStateStore):
    def __init__(self, engine: Engine) -> None:
        self.store = SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=log
        )
        self.store.metadata.create_all(engine)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)
