"""``/mesh``: the subcommand picks a handler from a table, not an if/elif chain. Every handler
takes the parsed command and where it was typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack import messages
from bot.slack.commands import NAMES, Command, parse
from bot.slack.ids import COMMAND
from bot.slack.listeners._base import Deferred
from bot.slack.transport import Transport

#: (parsed command, channel, user, team) → work done.
Handler = Callable[[Command, str, str, str], Awaitable[None]]


class MeshCommand:
    def __init__(self, transport: Transport, routes: Mapping[str, Handler]) -> None:
        self.transport = transport
        self.routes = routes

    async def on_mesh(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        channel, user, team = command["channel_id"], command["user_id"], command["team_id"]
        parsed = parse(command.get("text", ""))
        await self.routes.get(parsed.name, self.help)(parsed, channel, user, team)

    async def help(self, command: Command, channel: str, user: str, team: str) -> None:
        shown = messages.help_text(command.suggestion, command.unknown)
        await self.transport.respond(channel, user, shown)


def register(
    app: AsyncApp, transport: Transport, later: Deferred, routes: Mapping[str, Handler]
) -> MeshCommand:
    unrouted = set(NAMES.values()) - set(routes) - {"help"}
    if unrouted:  # a subcommand the parser knows but nothing handles: fail at start, not later
        raise ValueError(f"/mesh subcommands without a handler: {sorted(unrouted)}")
    mesh = MeshCommand(transport, routes)
    app.command(COMMAND)(later(mesh.on_mesh))
    return mesh
