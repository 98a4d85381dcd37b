"""Slack, against ``meshbot serve`` and the fake Slack Web API: how fast a signed slash command
is acknowledged with 50 arriving at once (Slack gives up after 3 s), and how long from
``/mesh should-we`` until its first question is posted in the thread."""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from tests.bench.stats import Figure, over_runs, percentile, with_baseline
from tests.support.fake_slack import FakeSlack, sign
from tests.support.servers import build_index, environment, free_port, start, stop

RUNS = 3
CONCURRENT = 50
ROUNDS = 4  # batches of 50 per run
SECRET = "bench-secret"


def _command(base: str, text: str) -> float:
    """Send one signed /mesh command; milliseconds until it was acknowledged."""
    body = urlencode(
        {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/mesh", "text": text}
    )
    return _post(base, body)


def _post(base: str, body: str) -> float:
    request = urllib.request.Request(
        f"{base}/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def _healthz(base: str) -> float:
    """The floor under every ack figure: the same client, threads and machine, asking for a
    route with no work at all."""
    started = time.perf_counter()
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def _click(base: str) -> float:
    """Press a feedback button (stored, then a note to the user); ms until acknowledged."""
    action = {"action_id": "feedback:up", "type": "button", "value": '{"e":"MESH-P003","h":true}'}
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "1700000000.000100"},
        "actions": [action],
    }
    return _post(base, urlencode({"payload": json.dumps(payload)}))


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack:
        workdir = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = environment(
            workdir,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_BASE_URL=slack.base_url,
            WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "1"),
        )
        build_index(env)
        server, _ = start(port, env)
        try:
            with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:  # warm up: connections, auth
                list(pool.map(lambda _: _command(base, "help"), range(CONCURRENT)))
            p50s, p99s, floor_p50s, floor_p99s = [], [], [], []
            for _ in range(RUNS):
                samples: list[float] = []
                floor: list[float] = []
                with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
                    for _ in range(ROUNDS):
                        floor += pool.map(lambda _: _healthz(base), range(CONCURRENT))
                        samples += pool.map(
                            lambda _: _command(base, "pitfall crashloop"), range(CONCURRENT)
                        )
                p50s.append(percentile(samples, 50))
                p99s.append(percentile(samples, 99))
                floor_p50s.append(percentile(floor, 50))
                floor_p99s.append(percentile(floor, 99))
            click_p50s, click_p99s = [], []
            for _ in range(RUNS):
                clicks: list[float] = []
                with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
                    for _ in range(ROUNDS):
                        clicks += pool.map(lambda _: _click(base), range(CONCURRENT))
                click_p50s.append(percentile(clicks, 50))
                click_p99s.append(percentile(clicks, 99))
            time.sleep(2)  # let the answers of the last batch drain
            firsts = []
            for _ in range(RUNS * 3):
                slack.reset()
                started = time.perf_counter()
                _command(base, "should-we")
                slack.wait_for("chat.postMessage", 2, timeout=10)
                firsts.append((time.perf_counter() - started) * 1000)
        finally:
            stop(server)
    floor_p99 = over_runs(f"/healthz p99, {CONCURRENT} at once, same client", "ms", floor_p99s)
    return [
        over_runs(f"/healthz p50, {CONCURRENT} at once, same client", "ms", floor_p50s),
        floor_p99,
        over_runs(f"slash command ack p50, {CONCURRENT} at once", "ms", p50s),
        with_baseline(
            over_runs(f"slash command ack p99, {CONCURRENT} at once", "ms", p99s), floor_p99
        ),
        over_runs("/mesh should-we to first thread message", "ms", firsts),
        over_runs(f"button press ack p50, {CONCURRENT} at once", "ms", click_p50s),
        over_runs(f"button press ack p99, {CONCURRENT} at once", "ms", click_p99s),
    ]
