"""What every feature's listeners share: acknowledge first and work after, in the bounded pool,
and where a payload came from."""

from __future__ import annotations

import functools
import logging
import re
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.slack.transport import Transport
from bot.slack.work import Background, Busy

Listener = Callable[..., Coroutine[Any, Any, None]]
MENTION = re.compile(r"<@[A-Z0-9]+>")
log = logging.getLogger("meshbot.slack")


class Deferred:
    """Wraps listeners so each acknowledges at once, then runs in the bounded background pool:
    no acknowledgement waits behind work, and shutdown can finish what was acknowledged."""

    def __init__(self, transport: Transport, work: Background) -> None:
        self.transport = transport
        self.work = work

    def __call__(self, listener: Listener) -> Listener:
        """bolt reads the wrapped listener's parameters (``inspect.unwrap``), so each listener
        still receives exactly what it names; its own ``ack()`` becomes a no-op."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            if "ack" in kwargs:
                await kwargs["ack"]()
                kwargs["ack"] = _acknowledged
            where = where_of(kwargs.get("body") or kwargs.get("command") or kwargs)
            await self.submit(listener(**kwargs), where)

        return run

    async def submit(self, job: Coroutine[Any, Any, None], where: dict[str, str]) -> None:
        """Run ``job`` in the pool; if it fails, or cannot start, tell the person ``where``
        they asked, with a request id to quote. For a listener that acknowledges itself (a
        form's submission, whose acknowledgement carries its errors)."""
        request_id = uuid.uuid4().hex[:12]

        async def report(error: BaseException | None) -> None:
            reason = "failed" if error else "restarting"
            log.warning("apologising", extra={"request_id": request_id, "reason": reason})
            await self.transport.apologise(where, reason, request_id)

        try:
            self.work.submit(job, report)
        except Busy:
            log.warning("apologising", extra={"request_id": request_id, "reason": "busy"})
            await self.transport.apologise(where, "busy", request_id)


async def _acknowledged(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``ack`` once ``Deferred`` has acknowledged."""


async def ack_only(ack: Any) -> None:
    """For an element whose state is read later (a multi-select, read when "Done" is pressed)."""
    await ack()


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or body.get("team", {})
    return team.get("id") if isinstance(team, dict) else team


def where_of(body: dict[str, Any]) -> dict[str, str]:
    """Channel, user, thread and response URL of any kind of payload (command, action, event)."""
    event = body.get("event") or {}
    channel = (
        body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    )
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    message = body.get("message") or {}
    thread = message.get("thread_ts") or event.get("thread_ts") or event.get("ts")
    found = {
        "channel": channel,
        "user": user,
        "thread_ts": thread,
        "response_url": body.get("response_url"),
    }
    return {key: str(value) for key, value in found.items() if value}


def thread_of(message: dict[str, Any]) -> str | None:
    """The thread a message is in, or the message itself as a thread's root."""
    ts = message.get("thread_ts") or message.get("ts")
    return str(ts) if ts else None


def from_a_bot(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    return bool(event.get("bot_id")) or event.get("user") == context.bot_user_id
