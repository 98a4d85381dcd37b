"""Scanning YAML pasted into Slack: ``/mesh scan`` and the "Scan for mesh pitfalls" message
shortcut, off the event loop, within the request limits and time budget."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.services.root import Services
from bot.services.scanning import scan_off_loop
from bot.slack import messages
from bot.slack.blocks import Message
from bot.slack.commands import Command
from bot.slack.ids import SCAN_SHORTCUT
from bot.slack.listeners._base import Deferred, thread_of
from bot.slack.transport import Transport
from knowledge import ScanTimeout


class Scans:
    def __init__(self, services: Services, transport: Transport) -> None:
        self.services = services
        self.transport = transport

    async def findings(self, text: str) -> Message:
        """Code fences and Slack's escaping taken off first."""
        plain = html.unescape(text).replace("```", "\n")
        seconds = self.services.settings.scan_timeout_seconds
        try:
            report = await scan_off_loop(
                self.services.scanner, [(Path("slack.yaml"), plain)], seconds
            )
        except ScanTimeout as error:
            return messages.notice(f"{error}: run `meshbot scan` on these manifests instead.")
        return messages.scan_findings(report)

    async def command(self, command: Command, channel: str, user: str, team: str) -> None:
        if not command.rest.strip():
            await self.transport.ephemeral(channel, user, "Paste the YAML after `/mesh scan`.")
            return
        await self.transport.post(channel, await self.findings(command.rest))

    async def on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The message shortcut: findings in the message's thread."""
        await ack()
        message = body.get("message") or {}
        shown = await self.findings(message.get("text", ""))
        await self.transport.post(body["channel"]["id"], shown, thread_of(message))


def register(app: AsyncApp, services: Services, transport: Transport, later: Deferred) -> Scans:
    scans = Scans(services, transport)
    app.shortcut(SCAN_SHORTCUT)(later(scans.on_shortcut))
    return scans
