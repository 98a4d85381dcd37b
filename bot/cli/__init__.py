"""The ``meshbot`` command line; the commands are in ``bot.cli.commands``.

This module stays small so that ``main`` runs before nearly all of meshbot is imported: the
first call loads the commands (and with them the models, the store and the knowledge code)
with the garbage collector paused, as ``bot.startup`` explains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from bot.startup import long_lived


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``bot.cli.commands.run``)."""
    return _commands()(argv)


@cache
def _commands() -> Callable[[Sequence[str] | None], int]:
    with long_lived():
        from bot.cli.commands import run
    return run
