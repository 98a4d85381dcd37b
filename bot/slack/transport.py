"""The one place the listeners talk to Slack's Web API through: posting, ephemeral notes,
updates, uploads, App Home and DMs, on the client of the workspace being served.

bolt authorises each request, and with several workspaces installed each has its own token; a
middleware puts that request's client in ``REQUEST_CLIENT`` and every call here uses it.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import messages
from bot.slack.blocks import Message

#: Set by a middleware for each request: bolt's client carrying that workspace's token.
REQUEST_CLIENT: ContextVar[AsyncWebClient] = ContextVar("request_client")


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

    async def apologise(self, where: dict[str, str], reason: str = "failed") -> None:
        """Never leave a person in silence: an ephemeral note where they asked."""
        if "channel" in where and "user" in where:
            apology = messages.apology(reason)
            await self.respond(where["channel"], where["user"], apology, where.get("thread_ts"))

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

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.reuse_connections()
        await self.client.views_publish(user_id=user, view=view)

    async def dm(self, user: str) -> str:
        """The channel of the bot's direct conversation with ``user``."""
        self.reuse_connections()
        opened = await self.client.conversations_open(users=user)
        return str(opened["channel"]["id"])
