"""A decision's owner answers every remaining question at once in a modal: it opens with the
engine's questions, a bad field comes back as an error on that field before anything is
recorded, and a good form goes through the thread's own compare-and-set path to the verdict."""

from __future__ import annotations

import json
from typing import Any

from engine.questions import QUESTIONS
from tests.support.block_kit import assert_view_within_block_kit, assert_within_block_kit
from tests.support.fake_slack import Call
from tests.support.slack_harness import Harness

#: A fleet that gets "Adopt a mesh: start with Linkerd" (as tests/test_slack.py's buttons do).
MESH_FORM: dict[str, dict[str, Any]] = {
    "services": {"type": "number_input", "value": "50"},
    "teams": {"type": "number_input", "value": "8"},
    "compliance": {"type": "radio_buttons", "selected_option": {"value": "yes"}},
    "languages": {
        "type": "multi_static_select",
        "selected_options": [{"value": v} for v in ("go", "java", "python")],
    },
    "canary_everywhere": {"type": "radio_buttons", "selected_option": {"value": "no"}},
    "motivation": {"type": "static_select", "selected_option": {"value": "pain-now"}},
    "deploy_together": {"type": "radio_buttons", "selected_option": {"value": "no"}},
    "platform_capacity": {"type": "radio_buttons", "selected_option": {"value": "no"}},
    "main_concern": {"type": "static_select", "selected_option": {"value": "simplicity"}},
    "istio_features": {"type": "multi_static_select", "selected_options": []},
    "pods": {"type": "number_input", "value": "200"},
}


def _open_form(bot: Harness, user: str = "U1") -> tuple[Call, Call]:
    """Start a decision as U1 and press "Answer all in a form" as ``user``."""
    bot.command("should-we")
    root, first = bot.posted(2)
    bot.click(first, "answer_form", user=user)
    return root, first


def _inputs(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def test_the_form_opens_with_every_remaining_question_in_the_engines_order(
    bot: Harness,
) -> None:
    root, _ = _open_form(bot)
    opened = bot.slack.wait_for("views.open")[0]
    assert opened.params["trigger_id"] == "1.2.3"
    view = opened.params["view"]
    assert_view_within_block_kit(view)
    assert _inputs(view) == [q.id for q in QUESTIONS]
    bot.reply(root, "40 services")  # answered in the thread: no longer in the form
    second = bot.posted(3)[-1]
    bot.click(second, "answer_form")
    again = bot.slack.wait_for("views.open", 2)[1].params["view"]
    assert _inputs(again) == [q.id for q in QUESTIONS if q.id != "services"]


def test_only_the_person_who_started_the_decision_gets_the_form(bot: Harness) -> None:
    _open_form(bot, user="U2")
    told = bot.slack.wait_for("chat.postEphemeral")[0]
    assert told.params["user"] == "U2" and "Only <@U1>" in told.params["text"]
    assert not bot.slack.calls_to("views.open")


def test_a_bad_field_comes_back_as_its_error_and_nothing_is_recorded(bot: Harness) -> None:
    _open_form(bot)
    opened = bot.slack.wait_for("views.open")[0]
    bad = {
        **MESH_FORM,
        "teams": {"type": "number_input", "value": "99999999"},
        "kernel": {"type": "plain_text_input", "value": "a recent one"},
    }
    response = bot.submit(opened, bad)
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert set(errors) == {"teams", "kernel"}
    assert all(0 < len(message) <= 2000 for message in errors.values())
    empty = bot.submit(opened, {})
    assert empty.json()["response_action"] == "errors"
    assert len(bot.slack.calls_to("chat.postMessage")) == 2  # the root and the first question
    assert not bot.slack.calls_to("chat.update")


def test_a_good_form_records_every_answer_and_gives_the_verdict(bot: Harness) -> None:
    root, first = _open_form(bot)
    opened = bot.slack.wait_for("views.open")[0]
    response = bot.submit(opened, MESH_FORM)
    assert response.status_code == 200 and not response.content  # acknowledged, no errors
    answered, verdict = bot.posted(4)[2:]
    assert verdict.params["text"] == "Adopt a mesh: start with Linkerd"
    assert verdict.params["thread_ts"] == root.params["_ts"]
    assert "answered" in answered.params["blocks"][0]["elements"][0]["text"]
    assert_within_block_kit(answered.params["blocks"])
    updates = bot.slack.wait_for("chat.update", 2)
    collapsed = next(u for u in updates if u.params["ts"] == first.params["_ts"])
    assert "✅" in json.dumps(collapsed.params["blocks"], ensure_ascii=False)
    outcome = next(u for u in updates if u.params["ts"] == root.params["_ts"])
    assert "Outcome: Adopt a mesh" in json.dumps(outcome.params["blocks"])


def test_a_form_answering_part_of_the_decision_leaves_the_rest_to_the_thread(
    bot: Harness,
) -> None:
    _open_form(bot)
    opened = bot.slack.wait_for("views.open")[0]
    bot.submit(opened, {k: MESH_FORM[k] for k in ("services", "teams")})
    asked = bot.posted(4)[-1]
    assert asked.params["text"].startswith("3 of about")
    assert '\\"q\\":\\"compliance\\"' in json.dumps(asked.params["blocks"])  # its buttons


def test_a_form_opened_before_someone_answered_in_the_thread_records_nothing(
    bot: Harness,
) -> None:
    root, _ = _open_form(bot)
    opened = bot.slack.wait_for("views.open")[0]
    bot.reply(root, "12 services", user="U2")
    bot.posted(3)
    bot.submit(opened, MESH_FORM)
    told = bot.slack.wait_for("chat.postEphemeral")[0]
    assert told.params["user"] == "U1" and "changed meanwhile" in told.params["text"]
    assert len(bot.slack.calls_to("chat.postMessage")) == 3
