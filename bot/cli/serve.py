"""``serve``: the HTTP API, and the Slack bot when it is configured."""

from __future__ import annotations

import argparse
import sys

from bot.catalog import OK, USAGE
from bot.cli._base import Commands, Needs, command
from bot.settings import Settings
from bot.startup import long_lived
from knowledge import ensure_index


def register(sub: Commands, settings: Settings) -> None:
    serve = command(
        sub,
        "serve",
        "serve the HTTP API",
        "meshbot serve\nmeshbot serve --port 9000\n"
        "SLACK_APP_TOKEN=xapp-… meshbot serve --socket-mode",
        cmd_serve,
        json_output=False,
    )
    serve.add_argument("--host", default=settings.host, help="default: %(default)s")
    serve.add_argument("--port", type=int, default=settings.port, help="default: %(default)s")
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect to Slack over a WebSocket (needs SLACK_APP_TOKEN) instead of "
        "serving /slack/events",
    )


def cmd_serve(args: argparse.Namespace, needs: Needs) -> int:
    """One process, or ``WEB_CONCURRENCY`` workers that uvicorn supervises (restarting any that
    dies). The index is validated and made current here, before any worker starts, so the
    workers only read it. Socket Mode keeps one process: each worker would open its own
    WebSocket to Slack, and Slack would spread the events (and the work pools) across them."""
    import uvicorn

    from bot import logs
    from bot.web.server import GRACE_SECONDS, LOOP, PROTOCOL, WS, use_read_timeout

    settings = needs.settings
    if args.socket_mode and (settings.slack_bot_token is None or settings.slack_app_token is None):
        print("meshbot: --socket-mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN", file=sys.stderr)
        return USAGE
    workers = 1 if args.socket_mode else settings.web_concurrency
    log_config = logs.setup(settings.log_level)
    use_read_timeout(settings.read_timeout_seconds)
    options = {
        "host": args.host,
        "port": args.port,
        "log_config": log_config,
        "access_log": False,
        "timeout_graceful_shutdown": GRACE_SECONDS,
        "http": PROTOCOL,
        "loop": LOOP,
        "ws": WS,
    }
    if workers > 1:
        # Validated (or refused) and made current before any worker starts, without opening
        # the search: the supervisor never searches, and would hold its memory for nothing.
        ensure_index(needs.kb, settings.index_path)
        uvicorn.run("bot.web.app:build", factory=True, workers=workers, **options)
        return OK
    with long_lived():  # the knowledge, the index and the app live as long as the process
        from bot.web.app import create_app, open_store  # a supervisor never needs it

        library = needs.library  # refuses to start on an invalid knowledge base
        app = create_app(settings, library, open_store(settings), socket_mode=args.socket_mode)
    uvicorn.run(app, **options)
    return OK
