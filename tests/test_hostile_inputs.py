"""Inputs an attacker would send: each is refused with a short 4xx problem (or a bounded
answer) before any costly work, and none reaches a 500 or posts to Slack unverified."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.settings import Settings
from bot.slack.commands import FleetError, fleet
from bot.web.middleware import MAX_JSON_DEPTH, nested_deeper_than
from engine.answers import EXCERPT_CHARS, MAX_ANSWER_CHARS, Question, UnreadableAnswer
from engine.questions import QUESTIONS
from engine.rules import version_tuple
from knowledge.library import Library
from tests.support.fake_slack import sign
from tests.support.servers import serve
from tests.support.slack_harness import SECRET, harness

#: An error may name the field and quote an excerpt; it never echoes a long input whole.
SHORT = 600


def _decide(client: TestClient, answers: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/decide", json={"answers": answers})
    return response.status_code, response.json()


def test_sixty_kilobytes_of_digits_as_a_kernel_answer_is_a_short_422(client: TestClient) -> None:
    status, body = _decide(client, {"kernel": "1" * 60_000})
    assert status == 422
    assert body["type"] == "urn:meshbot:problem:unreadable-answer"
    assert len(json.dumps(body)) < SHORT


def test_a_version_with_five_thousand_digits_is_unreadable_not_a_500(client: TestClient) -> None:
    for answer in ("5." + "9" * 5_000, "5." + "9" * 250, "9" * 250 + ".1"):
        status, body = _decide(client, {"kernel": answer})
        assert status == 422, answer[:20]
        assert len(json.dumps(body)) < SHORT


def test_eight_thousand_languages_are_refused_not_stored(client: TestClient) -> None:
    status, body = _decide(client, {"languages": ["go"] * 8_000})
    assert status == 422
    assert "at most" in json.dumps(body)
    started = client.post("/v1/decisions").json()
    answered = client.post(
        f"/v1/decisions/{started['id']}/answers",
        json={"question_id": "languages", "value": ", ".join(["go"] * 8_000)},
    )
    assert answered.status_code == 422
    assert client.get(f"/v1/decisions/{started['id']}").json()["answers"] == {}


def test_a_long_unreadable_answer_is_quoted_back_as_an_excerpt(client: TestClient) -> None:
    reply = "perl " + "x" * (MAX_ANSWER_CHARS - 10)
    status, body = _decide(client, {"languages": reply})
    assert status == 422
    assert "x" * EXCERPT_CHARS not in json.dumps(body)


def test_unknown_answer_keys_are_named_by_an_excerpt(client: TestClient) -> None:
    status, body = _decide(client, {"k" * 5_000: 1})
    assert status == 422
    assert len(json.dumps(body)) < SHORT


def test_invented_http_methods_fold_into_one_metrics_label(client: TestClient) -> None:
    for n in range(50):
        client.request(f"X{n}", "/healthz")
    text = client.get("/metrics").text
    assert 'method="X' not in text
    folded = 'meshbot_http_requests_total{method="other",route="/healthz",status="405"} 50.0'
    assert folded in text


def test_a_json_body_nested_too_deep_is_refused_whatever_the_content_type_case(
    client: TestClient,
) -> None:
    body = "[" * 5_000 + "]" * 5_000
    for content_type in ("application/json", "Application/JSON; charset=UTF-8"):
        response = client.post("/v1/ask", content=body, headers={"content-type": content_type})
        assert response.status_code == 422
        assert response.json()["type"] == "urn:meshbot:problem:too-deeply-nested"


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (b'{"q": "' + b"[{" * 100 + b'"}', False),  # brackets inside a string do not nest
        (b"[" * 32 + b"]" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'[{"a": [], "b": []}, ' * 40 + b"0" + b"]" * 40, True),  # many siblings, deep too
        (b"[" + b"[], " * 100 + b"[]]", False),  # many brackets, two deep
    ],
)
def test_json_nesting_is_measured_as_depth_not_bracket_count(body: bytes, deeper: bool) -> None:
    assert nested_deeper_than(body, MAX_JSON_DEPTH) is deeper


def test_only_the_allowed_hosts_are_served(library: Library, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hosts.sqlite'}",
        api_keys="",
        allowed_hosts="meshbot.example.com, *.internal.example",
    )
    with serve(settings, library) as client:
        for host in ("meshbot.example.com", "api.internal.example", "MESHBOT.example.com:443"):
            assert client.get("/healthz", headers={"host": host}).status_code == 200, host
        refused = client.get("/healthz", headers={"host": "evil.example"})
        assert refused.status_code == 400
        assert refused.json()["type"] == "urn:meshbot:problem:invalid-host"


# -- Slack -----------------------------------------------------------------------------------


def _command_body(text: str = "help") -> str:
    return urlencode(
        {
            "team_id": "T1",
            "channel_id": "C-victim",
            "user_id": "U-victim",
            "command": "/mesh",
            "text": text,
            "trigger_id": "1.2.3",
        }
    )


@pytest.mark.parametrize(
    "headers",
    [
        {b"X-Slack-Request-Timestamp": b"not-a-number", b"X-Slack-Signature": b"v0=00"},
        {b"X-Slack-Request-Timestamp": b"1e9", b"X-Slack-Signature": b"v0=00"},
        {b"X-Slack-Request-Timestamp": "٣٣٣".encode(), b"X-Slack-Signature": b"v0=00"},
        {b"X-Slack-Signature": b"v0=00"},
        {},
    ],
    ids=["words", "exponent", "arabic-digits", "no-timestamp", "no-headers"],
)
def test_an_unverifiable_slack_request_is_a_401_and_calls_no_web_api(
    library: Library, tmp_path: Path, headers: dict[bytes, bytes]
) -> None:
    with harness(library, tmp_path) as h:
        response = h.client.post(
            "/slack/events",
            content=_command_body(),
            headers={b"Content-Type": b"application/x-www-form-urlencoded", **headers},
        )
        assert response.status_code == 401
        h.client.get("/healthz")  # let any stray background work run
        assert h.slack.calls == []


def test_a_signed_body_that_is_not_utf8_is_a_401_not_a_500(
    library: Library, tmp_path: Path
) -> None:
    body = b"payload=\xff\xfe" + _command_body().encode()
    with harness(library, tmp_path) as h:
        response = h.client.post(
            "/slack/events",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)},
        )
        assert response.status_code == 401
        assert h.slack.calls == []


def test_a_sixteen_thousand_character_cost_request_gets_a_short_answer(
    library: Library, tmp_path: Path
) -> None:
    with harness(library, tmp_path) as h:
        assert h.command("cost " + "pods=1 " * 2_300).status_code == 200
        [note] = h.responded()
        assert "characters" in note.params["text"]
        assert len(note.params["text"]) < 300


# -- every parser, on long runs of digits, dots, dashes and spaces ----------------------------

_RUNS = st.lists(
    st.tuples(st.sampled_from("0123456789.,- kx\n"), st.integers(1, 2_000)), max_size=8
).map(lambda parts: "".join(char * count for char, count in parts))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(question=st.sampled_from(QUESTIONS), text=_RUNS)
def test_every_answer_parser_reads_or_refuses_long_runs(question: Question, text: str) -> None:
    try:
        question.parse(text)
    except UnreadableAnswer as refused:
        assert len(str(refused)) < SHORT


@settings(max_examples=150)
@given(text=_RUNS)
def test_the_fleet_parser_reads_or_refuses_long_runs(text: str) -> None:
    try:
        fleet(text)
    except FleetError as refused:
        assert len(str(refused)) < SHORT


@settings(max_examples=150)
@given(text=_RUNS)
def test_version_numbers_are_read_or_refused_never_overflow(text: str) -> None:
    try:
        parts = version_tuple(text)
    except ValueError:
        return
    assert all(part < 10**6 for part in parts)
