"""Building the bolt app and mounting it on the HTTP service at ``POST /slack/events``.

Without ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET`` the Slack routes stay off (the log
says how to turn them on) and the HTTP API serves alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.services.root import Services
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.listeners._base import team_of, where_of
from bot.slack.transport import REQUEST_CLIENT, Transport
from bot.slack.work import DRAIN_SECONDS, Background
from bot.store import DecisionStore

log = logging.getLogger("meshbot.slack")
EVENTS_PATH = "/slack/events"
#: Set on a request's context once bolt has verified and authorised it.
VERIFIED = "meshbot_verified"
WEB_API_TIMEOUT_S = 10  # one Web API call; the retries below each get as long
WEB_API_RETRIES = 2  # per kind of failure: connection, 429 (after Retry-After), 5xx
#: The scopes an install asks for: exactly those in deploy/slack/manifest.yaml (tested).
BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
]


def client(settings: Settings) -> AsyncWebClient:
    """A Web API client that retries connection errors, 429s (after ``Retry-After``) and 5xx:
    slack_sdk's defaults retry connection errors only."""
    token = settings.slack_bot_token
    return AsyncWebClient(
        token=token.get_secret_value() if token else None,
        base_url=settings.slack_api_base_url,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=WEB_API_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=WEB_API_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=WEB_API_RETRIES),
        ],
    )


def build(services: Services, work: Background) -> tuple[AsyncApp, Callable[[], Awaitable[None]]]:
    """The bolt app, and what to await at shutdown (finishing acknowledged work, then closing
    its HTTP connections). ``work`` runs what listeners do after acknowledging; ``mount``
    shares it, to hold that work back while a request is being acknowledged."""
    settings, store = services.settings, services.store
    web = client(settings)
    secret = settings.slack_signing_secret
    app = AsyncApp(
        client=web,
        signing_secret=secret.get_secret_value() if secret else None,
        request_verification_enabled=secret is not None,  # Socket Mode has nothing to sign
        oauth_settings=_oauth(settings, store),
        logger=log,
        # bolt then answers Slack as soon as the listener returns, instead of polling every
        # 10 ms for ack() while the listener runs on (slack_bolt/listener/asyncio_runner.py):
        # the poll put up to a tick, more under a burst, on every acknowledgement. Safe here
        # because every listener only acknowledges and hands its work to the bounded pool
        # (bot.slack.work), so it returns at once.
        process_before_response=True,
    )
    if settings.slack_client_id is not None:
        app.enable_token_revocation_listeners()  # uninstalls and revoked tokens delete installs
    transport = Transport(web)

    @app.middleware
    async def once_per_event(
        body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> Any:
        """Slack retries events it thinks timed out; answer each event id once, on any replica."""
        transport.reuse_connections()
        context[VERIFIED] = True  # past bolt's signature check and authorisation
        if context.client is not None:
            REQUEST_CLIENT.set(context.client)
        event_id = body.get("event_id")
        seen = services.slack_events.first_sighting
        if event_id and not await asyncio.to_thread(seen, str(event_id)):
            log.info("duplicate event ignored", extra={"event_id": event_id})
            return BoltResponse(status=200, body="")
        await next()
        return None

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Log with context (never tokens), and never leave the person in silence — but reply
        only to a request that passed verification: the channel and user named in a forged
        body are the forger's choice, and the bot's token must not post for them."""
        where = where_of(body)
        log.error(
            "listener failed",
            exc_info=error,
            extra={"type": body.get("type"), "team": team_of(body), **where},
        )
        if not context.get(VERIFIED):
            return
        try:
            await transport.apologise(where)
        except Exception:
            log.warning("could not tell the user about the error", extra=where)

    listeners.register(app, services, transport, work)

    async def close() -> None:
        await work.drain(DRAIN_SECONDS)
        await transport.close()

    return app, close


def _oauth(settings: Settings, store: DecisionStore) -> AsyncOAuthSettings | None:
    """Several workspaces: bolt's OAuth flow at /slack/install, installs in the state store."""
    if settings.slack_client_id is None or settings.slack_client_secret is None:
        return None
    from bot.slack.installations import Installations, OAuthStates

    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=BOT_SCOPES,
        installation_store=Installations(settings.slack_client_id, store.engine),
        state_store=OAuthStates(store.engine),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
    )


class Acknowledging:
    """Counts a request to ``EVENTS_PATH`` as being acknowledged from the moment the app sees
    it, before routing and parsing (each an ``await`` at which post-ack work could otherwise
    run a step): ``Background`` holds its jobs until no acknowledgement is in hand."""

    def __init__(self, app: ASGIApp, work: Background) -> None:
        self.app = app
        self.work = work

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == EVENTS_PATH:
            with self.work.acknowledging():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def mount(api: FastAPI, app: AsyncApp, signing_secret: str, work: Background) -> None:
    handler = AsyncSlackRequestHandler(app)
    verifier = SignatureVerifier(signing_secret)
    api.add_middleware(Acknowledging, work=work)

    @api.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        if not verified(verifier, await request.body(), request.headers):
            return Response(status_code=401)
        return await handler.handle(request)  # bolt checks again; the body is cached

    if app.oauth_flow is not None:

        @api.get("/slack/install", include_in_schema=False)
        async def slack_install(request: Request) -> Response:
            return await handler.handle(request)

        @api.get("/slack/oauth_redirect", include_in_schema=False)
        async def slack_oauth_redirect(request: Request) -> Response:
            return await handler.handle(request)


def verified(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's signature check that cannot raise: slack_sdk's own raises on a timestamp that is
    not a number or a body that is not UTF-8, and an exception there must be a 401, not a 500
    that reaches the error handler."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    try:
        return verifier.is_valid(body, timestamp, headers.get("x-slack-signature"))
    except (ValueError, UnicodeDecodeError):
        return False
