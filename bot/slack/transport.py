"""The one place the listeners talk to Slack's Web API through: posting, ephemeral notes,
updates, uploads, App Home and DMs, on the client of the workspace being served.

bolt authorises each request, and with several workspaces installed each has its own token; a
middleware puts that request's client in ``REQUEST_CLIENT`` and every call here uses it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import messages
from bot.slack.blocks import Message

#: Set by a middleware for each request: bolt's client carrying that workspace's token.
REQUEST_CLIENT: ContextVar[AsyncWebClient] = ContextVar("request_client")
#: What Slack answers when the bot may not post in a conversation it has not joined.
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
#: Where Slack's response URLs point (a test server's base URL is accepted as well).
RESPONSE_HOST = "hooks.slack.com"
#: Seconds to wait for a response URL; Slack answers it at once or not at all.
RESPONSE_TIMEOUT = 10.0

Visibility = Literal["ephemeral", "in_channel"]


@dataclass(frozen=True)
class Asked:
    """Where a person asked (a slash command or a button) and how to answer them there.

    ``response_url`` works in any conversation, joined or not, DMs and private channels too, up
    to 5 times within 30 minutes; without one (App Home, events) the Web API is used."""

    channel: str
    user: str
    team: str
    response_url: str | None = None


class NotAMember(Exception):
    """The bot is not in the conversation, so it cannot post there (``not_in_channel``)."""


class Transport:
    def __init__(self, client: AsyncWebClient) -> None:
        self.app_client = client

    @property
    def client(self) -> AsyncWebClient:
        """The client for the workspace of the request being handled."""
        return REQUEST_CLIENT.get(self.app_client)

    def reuse_connections(self) -> None:
        """One aiohttp session for every Web API call: slack_sdk otherwise opens a new one (and
        a new connection) per call. Created on first use, inside the running event loop."""
        if self.app_client.session is None:
            self.app_client.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.app_client.session is not None:
            await self.app_client.session.close()

    async def post(self, channel: str, message: Message, thread_ts: str | None = None) -> str:
        """Post in a channel or thread; the new message's ts."""
        self.reuse_connections()
        response = await self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, **message.payload()
        )
        return str(response["ts"])

    async def respond(
        self, channel: str, user: str, message: Message, thread_ts: str | None = None
    ) -> None:
        """A message only ``user`` sees."""
        self.reuse_connections()
        await self.client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, **message.payload()
        )

    async def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        """A short note only ``user`` sees."""
        await self.respond(channel, user, messages.notice(text), thread_ts)

    async def apologise(
        self, where: dict[str, str], reason: str = "failed", request_id: str = ""
    ) -> None:
        """Never leave a person in silence: an ephemeral note where they asked, with an id to
        quote; through the response URL when there is one, which works where the bot is not."""
        apology = messages.apology(reason, request_id)
        if where.get("response_url"):
            await self.reply(where["response_url"], apology)
        elif "channel" in where and "user" in where:
            await self.respond(where["channel"], where["user"], apology, where.get("thread_ts"))

    async def answer(self, asked: Asked, message: Message, shared: bool = False) -> None:
        """Answer a person where they asked: through the response URL when the request has one
        (``in_channel`` when the team should see it), else by the Web API."""
        if asked.response_url:
            await self.reply(asked.response_url, message, "in_channel" if shared else "ephemeral")
        elif shared:
            await self.post(asked.channel, message)
        else:
            await self.respond(asked.channel, asked.user, message)

    async def note(self, asked: Asked, text: str) -> None:
        """A short line only the person sees."""
        await self.answer(asked, messages.notice(text))

    async def post_as_member(self, asked: Asked, message: Message) -> str | None:
        """Post a message the bot must own (a thread's root); if it is not in the conversation,
        tell the person how to invite it and return None: through the response URL when there
        is one, else (App Home's channel picker) in their DM with the bot, since nothing can
        be posted in that channel, not even an ephemeral note."""
        try:
            return await self.post(asked.channel, message)
        except SlackApiError as error:
            if error.response.get("error") not in NOT_A_MEMBER:
                raise
        if asked.response_url:
            await self.note(asked, messages.INVITE)
        else:
            told = messages.notice(messages.invite_to(asked.channel))
            await self.post(await self.dm(asked.user), told)
        return None

    async def post_or_reply(
        self, body: dict[str, Any], message: Message, thread_ts: str | None
    ) -> None:
        """Post what a button asked for in its thread; where the bot is not a member (a card
        sent through a response URL), answer through the action's response URL instead."""
        try:
            await self.post(body["channel"]["id"], message, thread_ts)
        except SlackApiError as error:
            if error.response.get("error") not in NOT_A_MEMBER or not body.get("response_url"):
                raise
            await self.reply(str(body["response_url"]), message, "in_channel")

    async def reply(
        self,
        response_url: str,
        message: Message,
        visibility: Visibility = "ephemeral",
        replace_original: bool = False,
    ) -> None:
        """Answer through a response URL (Slack's own, or the test server's)."""
        if not self._trusted(response_url):
            raise ValueError("a response URL that is not Slack's")
        self.reuse_connections()
        session = self.app_client.session
        assert session is not None
        body = {
            **message.payload(),
            "response_type": visibility,
            "replace_original": replace_original,
        }
        timeout = aiohttp.ClientTimeout(total=RESPONSE_TIMEOUT)
        async with session.post(response_url, json=body, timeout=timeout) as response:
            response.raise_for_status()

    def _trusted(self, url: str) -> bool:
        """Only Slack's hooks (or the host the Web API is configured at) get a POST from us: a
        response URL arrives in a signed request, but nothing else should be reachable by it."""
        parts, api = urlsplit(url), urlsplit(self.app_client.base_url)
        if parts.scheme == "https" and parts.hostname == RESPONSE_HOST:
            return True
        return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)

    async def update(self, channel: str, ts: str, message: Message) -> None:
        self.reuse_connections()
        await self.client.chat_update(channel=channel, ts=ts, **message.payload())

    async def upload(self, channel: str, thread_ts: str, **file: Any) -> None:
        self.reuse_connections()
        await self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, **file)

    async def permalink(self, channel: str, ts: str) -> str:
        self.reuse_connections()
        link = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        return str(link["permalink"])

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal for the person whose click gave ``trigger_id`` (valid 3 seconds)."""
        self.reuse_connections()
        await self.client.views_open(trigger_id=trigger_id, view=view)

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.reuse_connections()
        await self.client.views_publish(user_id=user, view=view)

    async def dm(self, user: str) -> str:
        """The channel of the bot's direct conversation with ``user``."""
        self.reuse_connections()
        opened = await self.client.conversations_open(users=user)
        return str(opened["channel"]["id"])
