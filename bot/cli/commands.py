"""The ``meshbot`` commands, parsed and run (``bot.cli.main`` loads this module).

Each command lives in its own module with a ``register`` that declares its arguments, and a
handler ``(args, needs) -> int`` that builds only what it touches (see ``Needs``). Exit codes
come from ``bot/catalog.yaml``; every command's ``--help`` lists them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import catalog, version
from bot.catalog import BROKEN_PIPE, INTERRUPTED, INVALID_KB, UNAVAILABLE, USAGE
from bot.cli import admin, plan, scan, search, serve
from bot.cli._base import Handler, Needs
from bot.settings import Settings
from knowledge import IndexUnavailable, InvalidKnowledgeBase, InvalidQuestion


def parser(settings: Settings) -> argparse.ArgumentParser:
    """Every command, in the order ``meshbot --help`` lists them."""
    top = argparse.ArgumentParser(
        prog="meshbot",
        description="Do you actually need a service mesh? And how to fix the one you run.",
        epilog='examples:\n  meshbot ask "istio vs linkerd memory"\n'
        "  meshbot pitfall pods crashloop after injection\n  meshbot compare istio linkerd\n"
        "  meshbot kb check\n\n" + catalog.exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"meshbot {version()}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve.register(sub, settings)
    search.register(sub)
    plan.register(sub)
    admin.register(sub)
    scan.register(sub)
    return top


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command. A reader that goes away (``| head``) and Ctrl-C end the command
    quietly, with the status a shell would report for the signal, not with a traceback."""
    try:
        return _run(argv)
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        print(file=sys.stderr)  # end the line the ^C was echoed on
        return INTERRUPTED


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit does not hit the closed
    pipe again and print 'Exception ignored … BrokenPipeError'."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a captured or replaced stdout
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        for detail in error.errors():
            message = str(detail["msg"]).removeprefix("Value error, ")
            where = f"setting {_setting_name(detail['loc'])}: " if detail["loc"] else ""
            print(f"meshbot: {where}{message}", file=sys.stderr)
        return USAGE
    args = parser(settings).parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Needs(settings))
    except InvalidKnowledgeBase as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the knowledge base", file=sys.stderr)
        return INVALID_KB
    except InvalidQuestion as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return USAGE
    except IndexUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE


def _setting_name(location: tuple[int | str, ...]) -> str:
    """The environment variable a settings error is about, as the operator wrote it."""
    name = str(location[0])
    if name not in Settings.model_fields:
        return name.upper()  # already the alias the value came in by (PORT, LOG_LEVEL)
    return f"MESHBOT_{name.upper()}"
