"""App Home: the person's recent decisions, and two ways in (start a decision, browse runbooks)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.services.root import Services
from bot.slack import messages
from bot.slack.conversation import Scope
from bot.slack.ids import ActionId
from bot.slack.listeners._base import Deferred
from bot.slack.listeners.decision import DecisionThreads
from bot.slack.transport import Asked, Transport


class Home:
    def __init__(self, services: Services, transport: Transport, threads: DecisionThreads) -> None:
        self.services = services
        self.transport = transport
        self.threads = threads

    async def on_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        recent = await asyncio.to_thread(self.services.decisions.recent, f"slack:{user}")
        shown = [
            (
                "finished" if s.finished else f"{len(s.answers)} answers so far",
                s.updated_at,
                await self._thread_link(s.scope),
            )
            for s in recent
        ]
        await self.transport.publish_home(user, messages.home(shown))

    async def _thread_link(self, scope: str | None) -> str | None:
        """The decision's thread (chat.getPermalink), or None if it has none or Slack says no."""
        if not scope or not scope.startswith("slack:"):
            return None
        where = Scope.parse(scope)
        try:
            return await self.transport.permalink(where.channel, where.thread_ts)
        except SlackApiError:
            return None

    async def on_start(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = body["user"]["id"]
        team = body["user"].get("team_id") or body["team"]["id"]
        await self.threads.start(Asked(await self.transport.dm(user), user, team))

    async def on_pitfalls(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        pitfalls = [(p.code, p.title) for p in self.services.library.kb.pitfalls()]
        listing = messages.pitfall_list(pitfalls)
        await self.transport.post(await self.transport.dm(body["user"]["id"]), listing)


def register(
    app: AsyncApp,
    services: Services,
    transport: Transport,
    later: Deferred,
    threads: DecisionThreads,
) -> Home:
    home = Home(services, transport, threads)
    app.event("app_home_opened")(later(home.on_opened))
    app.action(ActionId.HOME_START)(later(home.on_start))
    app.action(ActionId.HOME_PITFALLS)(later(home.on_pitfalls))
    return home
