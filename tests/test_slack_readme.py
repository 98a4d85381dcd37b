"""The README's incident card and verdict are what the bot sends, rendered as a client shows
them (tests/support/block_text.py): if a message changes, this fails until the README does.
On failure the message holds the new rendering to paste."""

from __future__ import annotations

from pathlib import Path

from tests.support.block_text import as_text
from tests.support.slack_harness import Harness

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
NAMES = {"UDANA": "dana", "ULEE": "lee"}
CARD = "An incident card (`/mesh pitfall strict mtls probes failing`), as text:"
VERDICT = "A verdict (`/mesh should-we`, answered `8 services` and `1 team`), as text:"


def _example(marker: str) -> str:
    """The fenced block that follows ``marker`` in the README."""
    after = README.split(f"\n{marker}\n", 1)[1]
    return after.split("```\n", 1)[1].split("\n```", 1)[0]


def test_the_readmes_incident_card_is_what_the_bot_sends(bot: Harness) -> None:
    bot.command("pitfall strict mtls probes failing", user="UDANA")
    shown = as_text(bot.responded()[0].params["blocks"], NAMES)
    assert _example(CARD) == shown, f"README's incident card is stale; now:\n{shown}"


def test_the_readmes_verdict_is_what_the_bot_sends(bot: Harness) -> None:
    bot.command("should-we", user="UDANA")
    root, _ = bot.posted(2)
    bot.reply(root, "8 services", "UDANA")
    bot.posted(3)
    bot.reply(root, "1 team", "ULEE")
    shown = as_text(bot.posted(4)[-1].params["blocks"], NAMES)
    assert _example(VERDICT) == shown, f"README's verdict is stale; now:\n{shown}"
