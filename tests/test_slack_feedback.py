"""Feedback through Slack's own feedback buttons (a context_actions block): one vote per person
per answer and question, changeable; the gaps report counts each person's current vote once and
never shows who voted."""

from __future__ import annotations

import json
from typing import Any

from tests.support.block_kit import assert_within_block_kit
from tests.support.fake_slack import BOT_USER_ID, Call
from tests.support.slack_harness import Harness


def _asked(bot: Harness, text: str) -> Call:
    bot.event(
        {
            "type": "app_mention",
            "channel": "C1",
            "user": "U1",
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": "1700000001.000100",
        }
    )
    return bot.posted()[0]


def _not_helpful(bot: Harness) -> list[dict[str, Any]]:
    gaps: list[dict[str, Any]] = bot.client.get("/v1/gaps", params={"since": "1d"}).json()
    return [g for g in gaps if g["not_helpful"]]


def test_an_answer_carries_slacks_feedback_buttons_in_a_context_actions_block(
    bot: Harness,
) -> None:
    answer = _asked(bot, "certificates expired")
    blocks = answer.params["blocks"]
    assert_within_block_kit(blocks)
    [block] = [b for b in blocks if b["type"] == "context_actions"]
    [element] = block["elements"]
    assert element["type"] == "feedback_buttons" and element["action_id"] == "feedback"
    assert not [b for b in blocks if "feedback:" in json.dumps(b)]  # the old buttons are gone


def test_a_person_changing_their_vote_counts_once_with_the_latest(bot: Harness) -> None:
    answer = _asked(bot, "certificates expired")
    bot.click(answer, "feedback", user="U1", label="negative")
    bot.slack.wait_for("chat.postEphemeral", 1)
    [gap] = _not_helpful(bot)
    assert gap["not_helpful"] == 1
    bot.click(answer, "feedback", user="U1", label="negative")  # the same vote again
    bot.slack.wait_for("chat.postEphemeral", 2)
    assert [g["not_helpful"] for g in _not_helpful(bot)] == [1]
    bot.click(answer, "feedback", user="U2", label="negative")  # another person
    bot.slack.wait_for("chat.postEphemeral", 3)
    assert [g["not_helpful"] for g in _not_helpful(bot)] == [2]
    bot.click(answer, "feedback", user="U1", label="positive")  # U1 changes their mind
    bot.slack.wait_for("chat.postEphemeral", 4)
    gaps = _not_helpful(bot)
    assert [g["not_helpful"] for g in gaps] == [1]
    shown = json.dumps(gaps)
    assert "U1" not in shown and "U2" not in shown and "slack:" not in shown


def test_a_button_posted_before_feedback_buttons_still_counts(bot: Harness) -> None:
    value = json.dumps({"e": "MESH-P005", "h": False, "q": "certs expired"})
    old = {
        "channel": "C1",
        "_ts": "1700000009.000100",
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "feedback:down",
                        "text": {"type": "plain_text", "text": "👎 Not helpful"},
                        "value": value,
                    }
                ],
            }
        ],
    }
    bot.click(Call("chat.postMessage", old), "feedback:down")
    bot.slack.wait_for("chat.postEphemeral")
    [gap] = _not_helpful(bot)
    assert gap["examples"] == ["certs expired"]
