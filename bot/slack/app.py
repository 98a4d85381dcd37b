"""Building the bolt app and mounting it on the HTTP service at ``POST /slack/events``.

Without ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` the Slack routes stay off (the log
says how to turn them on) and the HTTP API serves alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack import messages
from bot.slack.listeners import Bot
from bot.store import DecisionStore
from bot.web.metrics import Metrics
from knowledge.library import Library

log = logging.getLogger("meshbot.slack")


def client(settings: Settings) -> AsyncWebClient:
    """A Web API client that retries connection errors, 429s (after ``Retry-After``) and 5xx:
    slack_sdk's defaults retry connection errors only."""
    assert settings.slack_bot_token is not None
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_base_url,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build(
    settings: Settings, library: Library, store: DecisionStore, metrics: Metrics
) -> tuple[AsyncApp, Callable[[], Awaitable[None]]]:
    """The bolt app, and what to await at shutdown (closing its HTTP connections)."""
    web = client(settings)
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=web,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=secret is not None,  # Socket Mode has nothing to sign
        logger=log,
    )
    bot = Bot(library, store, metrics, web)

    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        """Slack retries events it thinks timed out; answer each event id once, on any replica."""
        bot.reuse_connections()
        event_id = body.get("event_id")
        if event_id and not await asyncio.to_thread(store.first_sighting, str(event_id)):
            log.info("duplicate event ignored", extra={"event_id": event_id})
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        """Log with context (never tokens), and never leave the person in silence."""
        where = _where(body)
        log.error(
            "listener failed",
            exc_info=error,
            extra={"type": body.get("type"), "team": _team(body), **where},
        )
        if "channel" in where and "user" in where:
            try:
                await web.chat_postEphemeral(
                    channel=where["channel"],
                    user=where["user"],
                    thread_ts=where.get("thread_ts"),
                    **messages.apology().payload(),
                )
            except Exception:
                log.warning("could not tell the user about the error", extra=where)

    bot.register(app)
    return app, bot.close


def mount(api: FastAPI, app: AsyncApp) -> None:
    handler = AsyncSlackRequestHandler(app)

    @api.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)


def _team(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or body.get("team", {})
    return team.get("id") if isinstance(team, dict) else team


def _where(body: dict[str, Any]) -> dict[str, str]:
    """Channel, user and thread of whatever failed, from any kind of payload."""
    event = body.get("event") or {}
    channel = (
        body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    )
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    message = body.get("message") or {}
    thread = message.get("thread_ts") or event.get("thread_ts") or event.get("ts")
    found = {"channel": channel, "user": user, "thread_ts": thread}
    return {key: str(value) for key, value in found.items() if value}
