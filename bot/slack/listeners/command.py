"""``/mesh``: the subcommand picks a handler from a table, not an if/elif chain. Every handler
takes the parsed command and where it was typed, with the command's response URL, so it can
answer in any channel, private channel or DM, whether or not the bot is a member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.slack import messages
from bot.slack.commands import NAMES, Command, parse
from bot.slack.ids import COMMAND
from bot.slack.listeners._base import Deferred
from bot.slack.transport import Asked, Transport

#: (parsed command, where it was asked) → work done.
Handler = Callable[[Command, Asked], Awaitable[None]]


class MeshCommand:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.routes: Mapping[str, Handler] = {}

    def route(self, routes: Mapping[str, Handler]) -> None:
        """Hand each subcommand to its handler. A subcommand the parser knows but nothing
        handles fails here, at start, not when someone types it."""
        unrouted = set(NAMES.values()) - set(routes) - {"help"}
        if unrouted:
            raise ValueError(f"/mesh subcommands without a handler: {sorted(unrouted)}")
        self.routes = routes

    async def on_mesh(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        asked = Asked(
            command["channel_id"],
            command["user_id"],
            command["team_id"],
            command.get("response_url") or None,
        )
        parsed = parse(command.get("text", ""))
        await self.routes.get(parsed.name, self.help)(parsed, asked)

    async def help(self, command: Command, asked: Asked) -> None:
        shown = messages.help_text(command.suggestion, command.unknown)
        await self.transport.answer(asked, shown)


def register(app: AsyncApp, transport: Transport, later: Deferred) -> MeshCommand:
    """Register /mesh; its subcommands are routed (``MeshCommand.route``) once the features
    handling them are registered. Register it before any other listener: bolt tries listeners
    in the order they were registered, building each one's arguments to test it, which was
    most of an acknowledgement's CPU time when /mesh, what people send most, came last."""
    mesh = MeshCommand(transport)
    app.command(COMMAND)(later(mesh.on_mesh))
    return mesh
