"""What every command shares: what it may ask for, how it is declared, how it prints JSON."""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeAlias

from bot import catalog
from bot.settings import Settings
from engine.decision import DecisionRules
from knowledge import KnowledgeBase, Library, check, decision_rules, open_index


class Needs:
    """What a command may use, each part built on first use and only then.

    A command states what it needs by what it touches: ``scan`` reads ``kb``, ``estimate`` and
    ``decide`` read ``rules``, and only the searching commands read ``library``, the one part
    that builds the search index on disk. So a scan in CI never needs a writable cache
    directory, and the settings are built once, in ``main``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def kb(self) -> KnowledgeBase:
        """The validated knowledge base (no index)."""
        return check(self.settings.extra_knowledge_dirs)

    @cached_property
    def rules(self) -> DecisionRules:
        """The engine's parameters from the knowledge base (no index)."""
        return decision_rules(self.kb)

    @cached_property
    def library(self) -> Library:
        """Knowledge plus the search index, built or refreshed on disk if it is stale."""
        return open_index(self.kb, self.rules, self.settings.index_path)


Handler = Callable[[argparse.Namespace, Needs], int]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def command(
    sub: Commands,
    name: str,
    summary: str,
    examples: str,
    handler: Handler | None = None,
    json_output: bool = True,
) -> argparse.ArgumentParser:
    """A subcommand with examples and exit codes in its help, and usually --json."""
    epilog = (
        "examples:\n" + textwrap.indent(examples.strip(), "  ") + "\n\n" + catalog.exit_codes_help()
    )
    parser = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if json_output and handler is not None:
        parser.add_argument("--json", action="store_true", help="print JSON for machines")
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def group(sub: Commands, name: str, summary: str, examples: str) -> Commands:
    """A command that only groups actions (``kb check``, ``db migrate``)."""
    parser = command(sub, name, summary, examples)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")


def action(
    actions: Commands,
    name: str,
    summary: str,
    example: str,
    handler: Handler,
    json_output: bool = True,
) -> argparse.ArgumentParser:
    """An action under a command group, such as ``kb check``."""
    parser = actions.add_parser(
        name,
        help=summary,
        epilog=f"example:\n  {example}\n\n{catalog.exit_codes_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if json_output:
        parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.set_defaults(handler=handler)
    return parser
