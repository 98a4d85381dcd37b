"""Button values are typed payloads with one parser, and the wire format buttons already posted
in Slack carry (compact JSON, one-letter keys) still reads."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.ids import ActionId
from bot.slack.payloads import (
    AnswerPayload,
    DecisionRef,
    FeedbackPayload,
    InvalidPayload,
    MorePayload,
    encode,
    parse,
)


def _body(value: str, selected: bool = False) -> dict[str, Any]:
    action = {"selected_option": {"value": value}} if selected else {"value": value}
    return {"actions": [action]}


def test_a_button_posted_by_the_previous_release_still_parses() -> None:
    old = '{"s":"abc","q":"services","v":true,"n":3}'
    assert parse(_body(old), AnswerPayload) == AnswerPayload(
        session="abc", question="services", value=True, version=3
    )
    assert parse(_body('{"entry":"MESH-P003","part":2}'), MorePayload).part == 2
    assert parse(_body('{"e":"MESH-P003","h":false,"q":"why"}'), FeedbackPayload).helpful is False


def test_encoding_keeps_the_short_keys_and_leaves_out_what_is_unset() -> None:
    assert encode(DecisionRef(session="abc")) == '{"s":"abc"}'
    payload = AnswerPayload(session="abc", question="languages", value=["go"], version=1)
    assert parse(_body(encode(payload), selected=True), AnswerPayload) == payload


@pytest.mark.parametrize(
    "value",
    ['{"q":"services"}', "not json", '{"s":"abc","q":"services","n":"two"}', "x" * 2001],
)
def test_a_value_that_is_not_the_promised_payload_is_refused(value: str) -> None:
    with pytest.raises(InvalidPayload):
        parse(_body(value), AnswerPayload)


def test_an_action_without_a_value_is_refused() -> None:
    with pytest.raises(InvalidPayload):
        parse({"actions": []}, DecisionRef)


def test_suffixed_action_ids_match_their_kind_only() -> None:
    assert ActionId.ANSWER.pattern().match(ActionId.ANSWER.at("yes"))
    assert ActionId.ANSWER.pattern().match("answer")
    assert not ActionId.ANSWER.pattern().match(ActionId.ANSWER_MANY)


def test_every_mesh_subcommand_the_parser_knows_has_a_handler() -> None:
    from slack_bolt.async_app import AsyncApp

    from bot.slack.listeners import command
    from bot.slack.listeners._base import Deferred
    from bot.slack.transport import Transport
    from bot.slack.work import Background

    app = AsyncApp(token="xoxb-test", signing_secret="x")
    later = Deferred(Transport(app.client), Background())

    async def nothing(*args: object) -> None:
        return None

    mesh = command.register(app, Transport(app.client), later)
    with pytest.raises(ValueError, match="cost"):
        mesh.route({"ask": nothing})
