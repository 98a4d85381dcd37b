"""Socket Mode: the same listeners, reached over a WebSocket the bot opens itself."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app, open_store
from knowledge.library import Library
from tests.support.fake_slack import TEAM_ID, FakeSlack


class FakeSocketMode:
    """A WebSocket endpoint like Slack's: says hello, sends envelopes, records acks."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._outbox: asyncio.Queue[dict[str, Any]] | None = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/link", self._socket)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self._outbox = asyncio.Queue()
        self._ready.set()
        self._loop.run_forever()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.connections += 1
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        assert self._outbox is not None

        async def pump() -> None:
            assert self._outbox is not None
            while True:
                await socket.send_json(await self._outbox.get())

        sender = asyncio.ensure_future(pump())
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        sender.cancel()
        return socket

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    def send(self, envelope: dict[str, Any]) -> None:
        assert self._outbox is not None
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, envelope)

    def drop(self) -> None:
        """Close every open connection from the server side, as a network blip would."""
        for socket in self._sockets:
            asyncio.run_coroutine_threadsafe(socket.close(), self._loop)
        self._sockets.clear()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


def _command(envelope_id: str, text: str) -> dict[str, Any]:
    """A /mesh command as Socket Mode delivers it: in an envelope the bot must acknowledge."""
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "team_id": TEAM_ID,
            "channel_id": "C1",
            "user_id": "U1",
            "command": "/mesh",
            "text": text,
        },
    }


@pytest.fixture
def socket_server() -> Iterator[FakeSocketMode]:
    server = FakeSocketMode()
    yield server
    server.close()


def test_socket_mode_answers_commands_and_reconnects_after_a_drop(
    library: Library, tmp_path: Path, socket_server: FakeSocketMode
) -> None:
    with FakeSlack() as slack:
        slack.set_response("apps.connections.open", {"ok": True, "url": socket_server.url})
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'socket.sqlite'}",
            api_keys="",
            slack_bot_token="xoxb-test",
            slack_app_token="xapp-test",
            slack_api_base_url=slack.base_url,
        )
        app = create_app(settings, library, open_store(settings), socket_mode=True)
        with TestClient(app) as http:
            opened = slack.wait_for("apps.connections.open")[0]
            assert opened.token == "xapp-test"
            socket_server.send(_command("env-1", "pitfall certificate expired"))
            answer = slack.wait_for("chat.postMessage", timeout=10)[0]
            assert "MESH-P005" in answer.params["text"]
            deadline = time.monotonic() + 5
            while not any(a.get("envelope_id") == "env-1" for a in socket_server.acks):
                assert time.monotonic() < deadline, socket_server.acks
                time.sleep(0.05)
            socket_server.drop()
            deadline = time.monotonic() + 15
            while socket_server.connections < 2:
                assert time.monotonic() < deadline, "the bot did not reconnect"
                time.sleep(0.1)
            socket_server.send(_command("env-2", "pitfall upstream request timeout"))
            slack.wait_for("chat.postMessage", 2, timeout=10)
            assert http.post("/slack/events", content="{}").status_code == 404
            assert http.get("/healthz").status_code == 200
