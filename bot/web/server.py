"""Serving the app with uvicorn, plus the one guard uvicorn lacks: a read timeout.

uvicorn closes idle keep-alive connections, but a client that sends a request head or body a
byte at a time holds its socket (and a slot of ``--limit-concurrency``) for as long as it likes.
``ReadTimeoutProtocol`` gives every request ``read_timeout`` seconds from its first byte to
arrive whole; a slower client is disconnected. Time the app spends answering is not counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

#: On SIGTERM uvicorn waits this long for open requests; then the app's shutdown finishes
#: acknowledged Slack work (``bot.slack.work.DRAIN_SECONDS``).
GRACE_SECONDS = 15


class ReadTimeoutProtocol(H11Protocol):
    #: Set per server by ``protocol_with_timeout``.
    read_timeout: float = 10.0

    def __init__(self, config: Config, server_state: ServerState, **kwargs: Any) -> None:
        super().__init__(config, server_state, **kwargs)
        self._reading: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._receiving():
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _receiving(self) -> bool:
        """Whether the client is still sending a request (its head or its body)."""
        state = self.conn.their_state
        return state is h11.SEND_BODY or (state is h11.IDLE and bool(self.conn.trailing_data[0]))

    def _arm(self) -> None:
        if self._reading is None:
            self._reading = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    def _too_slow(self) -> None:
        self._reading = None
        idle_new_connection = self.cycle is None and not self.conn.trailing_data[0]
        if self._receiving() or idle_new_connection:
            self.transport.close()


def protocol_with_timeout(seconds: float) -> type[ReadTimeoutProtocol]:
    return type("ReadTimeoutProtocol", (ReadTimeoutProtocol,), {"read_timeout": seconds})
