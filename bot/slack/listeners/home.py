"""App Home: the person's recent decisions, and two ways in: start a decision in a channel they
pick, or browse runbooks."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.services.root import Services
from bot.slack import forms, messages
from bot.slack.conversation import Scope
from bot.slack.ids import ActionId, ViewId
from bot.slack.listeners._base import Deferred
from bot.slack.listeners.decision import DecisionThreads
from bot.slack.transport import Asked, Transport


class Home:
    def __init__(
        self, services: Services, transport: Transport, threads: DecisionThreads, later: Deferred
    ) -> None:
        self.services = services
        self.transport = transport
        self.threads = threads
        self.later = later

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
        """ "Start a decision": a modal asks which channel, so the team can join the thread
        (a decision in the bot's DM has nobody else in it)."""
        await ack()
        await self.transport.open_view(body["trigger_id"], forms.start_form())

    async def on_channel_picked(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The picked channel is read before acknowledging (an empty pick is an error on the
        picker); the thread is started after, and where the bot is not a member the person is
        told, in their DM with the bot, how to invite it."""
        channel = forms.read_channel(view)
        if channel is None:
            await ack(response_action="errors", errors={forms.CHANNEL_BLOCK: "Pick a channel."})
            return
        await ack()
        user = body["user"]["id"]
        team = body["user"].get("team_id") or (body.get("team") or {}).get("id") or ""
        asked = Asked(channel, user, team)
        await self.later.submit(self.threads.start(asked), {"user": user, "channel": channel})

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
    home = Home(services, transport, threads, later)
    app.event("app_home_opened")(later(home.on_opened))
    app.action(ActionId.HOME_START)(later(home.on_start))
    app.view(ViewId.START_DECISION)(home.on_channel_picked)
    app.action(ActionId.HOME_PITFALLS)(later(home.on_pitfalls))
    return home
