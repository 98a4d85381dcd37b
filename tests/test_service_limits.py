"""A real ``meshbot serve`` under hostile load and at shutdown: slow clients are cut off,
SIGTERM finishes acknowledged Slack work, one rate limit holds across replicas, and
``/healthz`` keeps answering while it is attacked."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.services.apikeys import new_key
from tests.support.fake_slack import TEAM_ID, FakeSlack, sign
from tests.support.hostile import aliased_findings, billion_laughs, nested_lists
from tests.support.servers import build_index, environment, free_port, start, stop
from tests.support.slack_harness import echo_ts

pytestmark = pytest.mark.slow  # real server processes or broad fuzzing: -m 'not slow' skips

SECRET = "limits-secret"
#: A hang guard, not a performance figure: each wait fails only when something never happens.
PATIENCE = 30.0
POD_MEMORY_LIMIT = 256 * 1024 * 1024


def _status(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    env = environment(tmp_path, MESHBOT_READ_TIMEOUT_SECONDS="0.5")
    build_index(env)
    port = free_port()
    process, _ = start(port, env)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


def test_a_client_sending_its_request_slowly_is_disconnected(server: tuple[str, int]) -> None:
    base, _ = server
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert slow.recv(1024) == b""  # closed by the server, not answered
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as silent:
        assert silent.recv(1024) == b""  # connected and said nothing
    assert _status(f"{base}/healthz") == 200


def test_healthz_answers_while_hostile_requests_run_and_memory_stays_bounded(
    server: tuple[str, int],
) -> None:
    base, pid = server
    port = int(base.rsplit(":", 1)[1])
    json_body = {"Content-Type": "application/json"}
    yaml_body = {"Content-Type": "text/plain"}  # what any web page may POST cross-origin
    attacks = [
        ("/v1/decide", json.dumps({"answers": {"kernel": "1" * 60_000}}), json_body),
        ("/v1/decide", json.dumps({"answers": {"kernel": "5." + "9" * 5_000}}), json_body),
        ("/v1/decide", json.dumps({"answers": {"languages": ["go"] * 8_000}}), json_body),
        ("/v1/ask", json.dumps({"question": "9" * 60_000}), json_body),
        ("/v1/scan", billion_laughs(), yaml_body),
        ("/v1/scan", nested_lists(), yaml_body),
        ("/v1/scan", aliased_findings(), yaml_body),
    ]
    statuses: list[int] = []

    def attack() -> None:
        for _ in range(3):
            for path, body, headers in attacks:
                statuses.append(_status(f"{base}{path}", body.encode(), headers))

    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    for sock in slow:
        sock.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    threads = [threading.Thread(target=attack) for _ in range(4)]
    for thread in threads:
        thread.start()
    health = []
    while any(thread.is_alive() for thread in threads):
        health.append(_status(f"{base}/healthz"))
    for thread in threads:
        thread.join(PATIENCE)
    for sock in slow:
        sock.close()
    assert set(health) <= {200} and health
    assert len(statuses) == 84 and all(400 <= s < 500 for s in statuses), sorted(set(statuses))
    assert _peak_rss(pid) < POD_MEMORY_LIMIT


def test_sigterm_during_a_decision_loses_nothing_acknowledged(tmp_path: Path) -> None:
    with FakeSlack() as slack:
        slack.set_response("chat.postMessage", echo_ts(slack))
        env = environment(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-limits",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_BASE_URL=slack.base_url,
        )
        build_index(env)
        port = free_port()
        process, _ = start(port, env)
        slack.delay_next("chat.postMessage", 1.0, times=2)  # the work is in flight at SIGTERM
        body = urlencode(
            {
                "team_id": TEAM_ID,
                "channel_id": "C1",
                "user_id": "U1",
                "command": "/mesh",
                "text": "should-we",
                "trigger_id": "1.2.3",
            }
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)}
        acknowledged = _status(f"http://127.0.0.1:{port}/slack/events", body.encode(), headers)
        assert acknowledged == 200
        process.send_signal(signal.SIGTERM)
        # uvicorn re-raises SIGTERM once it has shut down, as the platform expects
        assert process.wait(timeout=PATIENCE) in (0, -signal.SIGTERM)
        root, question = slack.wait_for("chat.postMessage", 2)
        assert question.params["thread_ts"] == root.params["_ts"]
        with sqlite3.connect(tmp_path / "state.sqlite") as db:
            [(stored,)] = db.execute("SELECT count(*) FROM decision_sessions").fetchall()
        assert stored == 1


def _redis_or_skip() -> str:
    url = os.environ.get("MESHBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as error:
        reason = f"Redis is not reachable at {url}: {error}"
        if os.environ.get("MESHBOT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (MESHBOT_REQUIRE_SERVICES=1 requires it)")
        pytest.skip(f"{reason}; set MESHBOT_TEST_REDIS_URL to run this test")
    return url


def test_two_replicas_share_one_rate_limit_through_redis(tmp_path: Path) -> None:
    redis_url = _redis_or_skip()
    key, hashed = new_key()
    env = environment(
        tmp_path, MESHBOT_API_KEYS=hashed, MESHBOT_RATE_LIMIT_PER_MINUTE="4", REDIS_URL=redis_url
    )
    build_index(env)
    ports = [free_port(), free_port()]
    servers = [start(port, env)[0] for port in ports]
    try:
        auth = {"Authorization": f"Bearer {key}"}
        statuses = [
            _status(f"http://127.0.0.1:{ports[n % 2]}/v1/questions", None, auth) for n in range(6)
        ]
    finally:
        for process in servers:
            stop(process)
    assert statuses == [200, 200, 200, 200, 429, 429]
