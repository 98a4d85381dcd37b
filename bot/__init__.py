"""meshbot's front doors (HTTP API, Slack bot, CLI) over the shared ``bot.services`` layer."""

from __future__ import annotations

from importlib.metadata import version as _installed


def version() -> str:
    """The installed distribution's version, as ``--version`` and SARIF reports give it."""
    return _installed("meshbot")
