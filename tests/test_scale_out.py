"""Two `meshbot serve` processes sharing the machine's PostgreSQL, as two replicas behind a
Service: a conversation alternating between them completes, losing one loses nothing, and a
Slack event retried to the other replica is answered once."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.fake_slack import TEAM_ID, FakeSlack, sign
from tests.support.servers import build_index, environment, free_port, start, stop
from tests.support.slack_harness import echo_ts

pytestmark = pytest.mark.slow  # real server processes or broad fuzzing: -m 'not slow' skips

SECRET = "scale-out-secret"


def _call(base: str, method: str, path: str, body: object = None, **headers: str) -> Any:
    data = (
        body
        if isinstance(body, bytes)
        else (json.dumps(body).encode() if body is not None else None)
    )
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text.startswith(("{", "[")) else text


@pytest.fixture
def replicas(tmp_path: Path, database_url: str) -> Iterator[tuple[list[str], list[Any], FakeSlack]]:
    with FakeSlack() as slack:
        slack.set_response("chat.postMessage", echo_ts(slack))
        env = environment(
            tmp_path,
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-scale",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_BASE_URL=slack.base_url,
        )
        build_index(env)
        servers, bases = [], []
        for _ in range(2):
            port = free_port()
            servers.append(start(port, env)[0])
            bases.append(f"http://127.0.0.1:{port}")
        try:
            yield bases, servers, slack
        finally:
            for server in servers:
                if server.poll() is None:
                    stop(server)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_decision_alternating_between_replicas_survives_losing_one(
    replicas: tuple[list[str], list[Any], FakeSlack],
) -> None:
    (a, b), servers, _ = replicas
    decision = _call(a, "POST", "/v1/decisions", {"started_by": "test"})["id"]
    answers = [
        ("services", "about 50"),
        ("teams", 8),
        ("compliance", "yes"),
        ("languages", "Go, Java, Python"),
    ]
    for n, (question, value) in enumerate(answers):
        replica = (a, b)[n % 2]
        _call(
            replica,
            "POST",
            f"/v1/decisions/{decision}/answers",
            {"question_id": question, "value": value},
        )
    stop(servers[0])  # replica A goes away mid-conversation
    state = _call(b, "GET", f"/v1/decisions/{decision}")
    assert state["answers"] == {
        "services": 50,
        "teams": 8,
        "compliance": True,
        "languages": ["go", "java", "python"],
    }
    for question, value in [
        ("canary_everywhere", "no"),
        ("motivation", "pain now"),
        ("deploy_together", "no"),
        ("latency_slo_ms", "none"),
        ("platform_capacity", "no"),
        ("main_concern", "simplicity"),
        ("istio_features", "none"),
        ("pods", "skip"),
    ]:
        state = _call(
            b,
            "POST",
            f"/v1/decisions/{decision}/answers",
            {"question_id": question, "value": value},
        )
    assert state["status"] == "verdict"
    assert state["verdict"]["plane"] == "linkerd"


def _settle(*bases: str) -> None:
    """Wait until no replica has Slack work in hand (``meshbot_slack_work_pending`` is 0); the
    jobs were submitted before each event's acknowledgement returned."""
    for base in bases:
        while True:
            with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
                text = response.read().decode()
            if "\nmeshbot_slack_work_pending 0.0\n" in text:
                break
            time.sleep(0.05)  # polling interval only; pytest-timeout bounds the wait


def _signed(base: str, body: str, content_type: str) -> None:
    headers = {"Content-Type": content_type, **sign(body, SECRET)}
    _call(base, "POST", "/slack/events", body.encode(), **headers)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_slack_across_replicas_answers_once_and_continues_the_thread(
    replicas: tuple[list[str], list[Any], FakeSlack],
) -> None:
    (a, b), _, slack = replicas
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "event_id": "EvRetried",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": "D1",
                "channel_type": "im",
                "user": "U1",
                "text": "certificate expired everywhere",
                "ts": "1700000009.000100",
            },
        }
    )
    _signed(a, event, "application/json")
    _signed(b, event, "application/json")  # Slack's retry lands on the other replica
    slack.wait_for("chat.postMessage")
    _settle(a, b)  # both replicas done: a duplicate would have been posted by now
    assert len(slack.calls_to("chat.postMessage")) == 1

    command = urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": "C1",
            "user_id": "U1",
            "command": "/mesh",
            "text": "should-we",
        }
    )
    _signed(a, command, "application/x-www-form-urlencoded")
    root = slack.wait_for("chat.postMessage", 3)[1]
    for n, text in enumerate(["9 services", "one team"]):
        reply = {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": "U2",
            "text": text,
            "ts": f"1700000010.00{n}",
            "thread_ts": root.params["_ts"],
        }
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM_ID,
                "event_id": f"EvReply{n}",
                "event": reply,
            }
        )
        _signed((b, a)[n % 2], body, "application/json")
        slack.wait_for("chat.postMessage", 4 + n)
    verdict = slack.calls_to("chat.postMessage")[-1]
    assert verdict.params["text"] == "Not yet: here is what to do instead"


def _workers(supervisor: int) -> list[int]:
    """The supervisor's children that run a worker (``multiprocessing``'s ``spawn_main``): a
    child still between fork and exec, or gone, does not count."""
    children = [
        int(pid)
        for task in Path(f"/proc/{supervisor}/task").iterdir()
        for pid in (task / "children").read_text().split()
    ]
    found = []
    for pid in children:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except FileNotFoundError:
            continue
    return found


def test_web_concurrency_workers_serve_from_one_index_that_none_of_them_writes(
    tmp_path: Path,
) -> None:
    """WEB_CONCURRENCY=2 gives two worker processes under one supervisor; the index is made
    current before they start, so starting them leaves the file as it was."""
    env = environment(tmp_path, WEB_CONCURRENCY="2")
    index = Path(env["MESHBOT_INDEX_PATH"])
    assert not index.exists()
    port = free_port()
    server, _ = start(port, env)
    try:
        built = index.stat()
        # Ready means one worker answers; on a loaded machine the other may not have been
        # scheduled yet. Wait for it (the deadline only guards against a hang).
        deadline = time.monotonic() + 60
        while len(workers := _workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2
        for _ in range(20):  # requests land on either worker; all of them answer
            assert _call(f"http://127.0.0.1:{port}", "POST", "/v1/ask", {"question": "mtls"})
        after = index.stat()
        assert (after.st_ino, after.st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    finally:
        stop(server)
