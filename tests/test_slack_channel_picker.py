"""App Home's "Start a decision" asks which channel (a conversations_select in a modal) and
starts the thread there, so the team can join it; where the bot is not a member it says, in the
person's DM with it, how to invite it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge.library import Library
from tests.support.block_kit import assert_view_within_block_kit
from tests.support.fake_slack import Call
from tests.support.slack_harness import Harness, harness

DM = "D7"


@pytest.fixture
def bot(library: Library, tmp_path: Path) -> Iterator[Harness]:
    with harness(library, tmp_path) as running:
        running.slack.set_response("conversations.open", {"ok": True, "channel": {"id": DM}})
        yield running


def _picker(bot: Harness) -> Call:
    """Press App Home's "Start a decision" and return the modal it opens."""
    bot.event({"type": "app_home_opened", "user": "U1", "channel": DM, "tab": "home"})
    view = bot.slack.wait_for("views.publish")[0].params["view"]
    home = Call("views.publish", {"channel": DM, "_ts": "1", "blocks": view["blocks"]})
    bot.click(home, "home_start", label="Start a decision")
    return bot.slack.wait_for("views.open")[0]


def _picked(channel: str | None) -> dict[str, dict[str, Any]]:
    return {"channel": {"type": "conversations_select", "selected_conversation": channel}}


def test_the_picker_is_a_conversations_select_that_defaults_to_the_current_channel(
    bot: Harness,
) -> None:
    view = _picker(bot).params["view"]
    assert_view_within_block_kit(view)
    [block] = view["blocks"]
    assert block["type"] == "input" and block["element"]["type"] == "conversations_select"
    assert block["element"]["default_to_current_conversation"] is True


def test_a_decision_starts_in_the_picked_channel(bot: Harness) -> None:
    opened = _picker(bot)
    assert not bot.submit(opened, _picked("C5")).content  # acknowledged without errors
    root, question = bot.posted(2)
    assert root.params["channel"] == "C5" and "<@U1>" in json.dumps(root.params["blocks"])
    assert question.params["channel"] == "C5"
    assert question.params["thread_ts"] == root.params["_ts"]


def test_a_channel_the_bot_is_not_in_gets_the_invite_in_the_persons_dm(bot: Harness) -> None:
    bot.slack.not_in("C9")
    bot.submit(_picker(bot), _picked("C9"))
    told = bot.posted()[0]
    assert told.params["channel"] == DM
    assert "/invite @meshbot" in told.params["text"] and "<#C9>" in told.params["text"]
    refused = bot.slack.attempts_to("chat.postMessage")
    assert [c.params["channel"] for c in refused] == ["C9", DM]


def test_no_channel_picked_is_an_error_on_the_picker(bot: Harness) -> None:
    response = bot.submit(_picker(bot), _picked(None))
    assert response.json() == {
        "response_action": "errors",
        "errors": {"channel": "Pick a channel."},
    }
    assert not bot.slack.calls_to("chat.postMessage")
