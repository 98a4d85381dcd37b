"""Serving the app with uvicorn, plus the one guard uvicorn lacks: a read timeout.

uvicorn closes idle keep-alive connections, but a client that sends a request head or body a
byte at a time holds its socket (and a slot of ``--limit-concurrency``) for as long as it likes.
``ReadTimeoutProtocol`` gives every request ``read_timeout`` seconds from its first byte to
arrive whole; a slower client is disconnected. Time the app spends answering is not counted.

It extends uvicorn's httptools protocol (the C parser, faster than the pure-Python h11 one): the
parser's message begin and complete callbacks say when a request is arriving.

The event loop is asyncio's own (``LOOP``), not uvloop: with every core busy, uvloop served some
connections many rounds after others (``/v1/ask``'s p99 at 32 connections about 4× asyncio's,
at the same throughput); it was faster only on routes that cost next to nothing. The figures
are in the README's bench section.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

#: On SIGTERM uvicorn waits this long for open requests; then the app's shutdown finishes
#: acknowledged Slack work (``bot.slack.work.DRAIN_SECONDS``).
GRACE_SECONDS = 15


class ReadTimeoutProtocol(HttpToolsProtocol):
    #: Set per process by ``use_read_timeout``.
    read_timeout: float = 10.0

    def __init__(self, config: Config, server_state: ServerState, **kwargs: Any) -> None:
        super().__init__(config, server_state, **kwargs)
        self._reading: asyncio.TimerHandle | None = None
        self._receiving = False  # between a request's first byte and its last

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._receiving:
            self._arm()
        else:
            self._disarm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._receiving = True

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._receiving = False

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._reading is None:
            self._reading = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    def _too_slow(self) -> None:
        self._reading = None
        idle_new_connection = self.cycle is None
        if self._receiving or idle_new_connection:
            self.transport.close()


#: What ``meshbot serve`` gives uvicorn as ``http``: an import string, because a worker process
#: imports its protocol afresh (a class made at run time could not be sent to it).
PROTOCOL = "bot.web.server:ReadTimeoutProtocol"
#: What it gives uvicorn as ``loop`` (see above for why not uvloop).
LOOP = "asyncio"
#: What it gives uvicorn as ``ws``: meshbot serves no WebSockets (Socket Mode connects *out*,
#: with aiohttp), so no WebSocket library is loaded (about 25 ms of a start, and its memory).
WS = "none"


def use_read_timeout(seconds: float) -> None:
    """Set the read timeout of this process's connections (each worker sets its own, from the
    same settings, before it accepts one)."""
    ReadTimeoutProtocol.read_timeout = seconds
