"""Assembling the HTTP service: routes, errors, middleware, keys and the state store."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from bot.metrics import Metrics
from bot.services.root import Services
from bot.settings import Settings
from bot.startup import long_lived
from bot.store import DecisionStore, StoreUnavailable
from bot.web import pages, problems
from bot.web.answers import AnswerEncoder
from bot.web.caching import NotModified, knowledge_etag, not_modified
from bot.web.examples import add_examples
from bot.web.middleware import RequestMiddleware
from bot.web.routes import decisions, entries, estimate, ops, scan
from bot.web.security import ApiKeys, Limiter
from knowledge import Library, open_library

log = logging.getLogger("meshbot.web")

#: The OpenAPI document's tag descriptions, one per router.
TAGS = [
    {"name": "knowledge", "description": "Questions, runbooks, comparison tables, facts, sources."},
    {"name": "engine", "description": "Cost estimates and the stateless decision."},
    {"name": "decisions", "description": "Decisions kept in the state store, answered by many."},
    {"name": "scan", "description": "Kubernetes manifests checked for mesh pitfalls."},
    {"name": "operations", "description": "Health, readiness and metrics (never need a key)."},
]


def open_store(settings: Settings) -> DecisionStore:
    """The state store, migrated if it answers; if not, /readyz says so until it does."""
    store = DecisionStore(settings.database_url, dt.timedelta(hours=settings.session_ttl_hours))
    try:
        store.migrate()
    except StoreUnavailable as error:
        log.error("state store unavailable at start; not ready", extra={"error": str(error)})
    return store


def _limiter(settings: Settings) -> Limiter | None:
    if not settings.api_key_hashes:
        return None
    from bot.web.ratelimit import RateLimiter

    return RateLimiter(settings.rate_limit_per_minute, settings.redis_url)


def create_app(
    settings: Settings, library: Library, store: DecisionStore, socket_mode: bool = False
) -> FastAPI:
    metrics = Metrics()
    for located in library.kb.entries.values():
        metrics.knowledge_entries.labels(located.kind).inc()
    keys = ApiKeys(settings.api_key_hashes, _limiter(settings))

    openers: list[Callable[[], Awaitable[None]]] = []
    closers: list[Callable[[], Awaitable[None]]] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not keys.enabled:
            log.warning("MESHBOT_API_KEYS is not set: /v1 is open to anyone who can reach it")
        for open_ in openers:
            await open_()
        yield
        for close in closers:
            await close()
        store.dispose()

    app = FastAPIOffline(
        title="meshbot",
        version="1",
        summary="Do you actually need a service mesh? And how to fix the one you run.",
        lifespan=lifespan,
        openapi_tags=TAGS,
    )
    services = app.state.services = Services(settings, library, store, metrics)
    closers.append(services.misses.drain)  # buffered misses are written before the store closes
    app.state.answers = AnswerEncoder(library)
    app.state.knowledge_etag = knowledge_etag(library)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, with an example computed for every schema (built once)."""
        if app.openapi_schema is None:
            app.openapi_schema = add_examples(FastAPI.openapi(app), library)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.state.keys = keys
    problems.install(app)

    @app.exception_handler(pages.LoginNeeded)
    async def _login(request: Request, error: pages.LoginNeeded) -> Response:
        return pages.login_redirect(error)

    @app.exception_handler(NotModified)
    async def _not_modified(request: Request, error: NotModified) -> Response:
        return not_modified(error.etag)

    app.include_router(ops.router)
    # Only a service that requires keys declares them (the OpenAPI document's bearer scheme
    # and its Authorize button): an open one would otherwise promise a 401 it never gives.
    guard = [Depends(keys)] if keys.enabled else []
    for router in (entries.router, estimate.router, decisions.router, scan.router):
        app.include_router(router, dependencies=guard, responses=problems.RESPONSES)
    app.include_router(pages.open_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    if socket_mode:
        openers_, closers_ = _socket_mode(services)
        openers += openers_
        closers += closers_
    else:
        closers += _mount_slack(app, services)
    app.add_middleware(
        RequestMiddleware,
        metrics=metrics,
        max_body_bytes=settings.max_body_bytes,
        allowed_hosts=settings.allowed_host_names,
    )
    return app


def _socket_mode(
    services: Services,
) -> tuple[list[Callable[[], Awaitable[None]]], list[Callable[[], Awaitable[None]]]]:
    """Connect out to Slack over a WebSocket instead of serving /slack/events: same listeners,
    and slack_sdk's Socket Mode client reconnects by itself when the connection drops."""
    settings = services.settings
    if settings.slack_bot_token is None or settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN")
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.slack import app as slack
    from bot.slack.work import Background

    work = Background()
    bolt, close = slack.build(services, work)
    app_token = settings.slack_app_token.get_secret_value()
    handlers: list[AsyncSocketModeHandler] = []

    async def connect() -> None:  # the handler's HTTP session needs the running loop
        handlers.append(AsyncSocketModeHandler(bolt, app_token))
        await handlers[0].connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack in Socket Mode")

    async def disconnect() -> None:
        for handler in handlers:
            await handler.close_async()  # type: ignore[no-untyped-call]

    return [connect], [disconnect, close]


def _mount_slack(api: FastAPI, services: Services) -> list[Callable[[], Awaitable[None]]]:
    """Serve Slack at /slack/events when configured; returns what to close at shutdown."""
    settings = services.settings
    if not settings.slack_enabled or settings.slack_signing_secret is None:
        log.warning(
            "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to serve /slack/events "
            "(or SLACK_APP_TOKEN and `meshbot serve --socket-mode`)"
        )
        return []
    from bot.slack import app as slack  # bolt and aiohttp load only when Slack is on
    from bot.slack.work import Background

    work = Background()
    bolt, close = slack.build(services, work)
    slack.mount(api, bolt, settings.slack_signing_secret.get_secret_value(), work)
    api.state.slack_work = work
    services.metrics.slack_work.set_function(lambda: work.pending)
    return [close]


def build() -> FastAPI:
    """uvicorn's app factory, called once in each worker process of ``meshbot serve``: settings
    from the environment, the knowledge validated, and the index opened read-only (the parent
    process made it current before starting the workers, so none of them writes it). What it
    loads lives as long as the worker (``bot.startup``)."""
    from bot.web.server import use_read_timeout

    with long_lived():
        settings = Settings()
        use_read_timeout(settings.read_timeout_seconds)
        library = open_library(settings.index_path, settings.extra_knowledge_dirs)
        return create_app(settings, library, open_store(settings))
