"""Slack, against ``meshbot serve`` and the fake Slack Web API: how fast a signed slash command
is acknowledged with 50 arriving at once (Slack gives up after 3 s), and how long from
``/mesh should-we`` until its first question is posted in the thread.

The 50 come from one asyncio client over connections opened beforehand, each request written
whole at once, in a process of its own: a client of 50 threads on urllib (used before) spent
more on its own Python, and on connecting, than the server spent acknowledging, and in this
process it waited for the GIL while the fake Slack's threads answered the bot's posts. Its own
floor, the same burst of ``GET /healthz``, is measured beside the acknowledgements in every
round. Rounds follow one another without waiting for the answers, so a burst arrives while the
previous burst's work is running: the case the work pool's priority to acknowledgements is for
(bot/slack/work.py)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from bot.slack.ids import ActionId
from bot.slack.payloads import FeedbackPayload, encode
from tests.bench.stats import Figure, over_runs, percentile, with_baseline
from tests.support.fake_slack import FakeSlack, sign
from tests.support.servers import build_index, environment, free_port, start, stop

RUNS = 3
CONCURRENT = 50
ROUNDS = 4  # batches of 50 per run
SECRET = "bench-secret"


def _command(text: str) -> bytes:
    """A signed /mesh command, as a form body."""
    return urlencode(
        {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/mesh", "text": text}
    ).encode()


def _click() -> bytes:
    """A 👍 on Slack's feedback buttons under an answer (the vote stored, then a note to the
    user), as a form body."""
    vote = encode(FeedbackPayload(entry="MESH-P003", helpful=True, question="503 after mtls"))
    action = {"action_id": ActionId.FEEDBACK, "type": "feedback_buttons", "value": vote}
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "1700000000.000100"},
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def _signed(port: int, body: bytes) -> bytes:
    """The whole HTTP request Slack would send for ``body``, signed now."""
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(body)),
        **sign(body, SECRET),
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST /slack/events HTTP/1.1\r\n{head}\r\n".encode() + body


def _healthz(port: int) -> bytes:
    """The floor under every acknowledgement: a route with no work, from the same client."""
    return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> float:
    """Write one request; milliseconds until its whole 200 response has been read."""
    started = time.perf_counter()
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return (time.perf_counter() - started) * 1000


async def _burst(port: int, requests: list[bytes]) -> list[float]:
    """All ``requests`` at once, each on a connection of its own opened beforehand."""
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in requests]
    try:
        return list(
            await asyncio.gather(
                *(_exchange(r, w, raw) for (r, w), raw in zip(connections, requests, strict=True))
            )
        )
    finally:
        for _, writer in connections:
            writer.close()


def _acknowledgements(port: int, body: bytes) -> tuple[list[float], list[float]]:
    """``_rounds``, run in the client's own process."""
    return asyncio.run(_rounds(port, body))


async def _rounds(port: int, body: bytes) -> tuple[list[float], list[float]]:
    """ROUNDS bursts of CONCURRENT signed ``body``s, each after a burst of /healthz (the
    floor); returns (acknowledgement times, floor times)."""
    acks: list[float] = []
    floor: list[float] = []
    for _ in range(ROUNDS):
        floor += await _burst(port, [_healthz(port)] * CONCURRENT)
        acks += await _burst(port, [_signed(port, body) for _ in range(CONCURRENT)])
    return acks, floor


def run() -> list[Figure]:
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no fake Slack threads
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlack() as slack,
        ProcessPoolExecutor(1, mp_context=spawn) as client,
    ):
        workdir = Path(tmp)
        port = free_port()
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
            asyncio.run(_burst(port, [_signed(port, _command("help"))] * CONCURRENT))  # warm up
            p50s, p99s, floor_p50s, floor_p99s = [], [], [], []
            for _ in range(RUNS):
                samples, floor = client.submit(
                    _acknowledgements, port, _command("pitfall crashloop")
                ).result()
                p50s.append(percentile(samples, 50))
                p99s.append(percentile(samples, 99))
                floor_p50s.append(percentile(floor, 50))
                floor_p99s.append(percentile(floor, 99))
            click_p50s, click_p99s = [], []
            for _ in range(RUNS):
                clicks, _ = client.submit(_acknowledgements, port, _click()).result()
                click_p50s.append(percentile(clicks, 50))
                click_p99s.append(percentile(clicks, 99))
            time.sleep(2)  # let the answers of the last batch drain
            firsts = []
            for _ in range(RUNS * 3):
                slack.reset()
                started = time.perf_counter()
                asyncio.run(_burst(port, [_signed(port, _command("should-we"))]))
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
