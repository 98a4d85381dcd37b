"""The HTTP API under a real load generator (wrk) over loopback, against ``meshbot serve``.

Each route is measured at 1, 8 and 32 connections and given as a ratio to ``/healthz`` at the
same concurrency in the same run, so the noise of a shared machine hits both alike. Also:
process start to ``/readyz`` 200, and resident memory at idle and after the load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.stats import Figure, over_runs
from tests.support.evaluation import load_cases
from tests.support.servers import build_index, environment, free_port, start, stop

RUNS = 3
SECONDS = 4
SOAK_SECONDS = int(os.environ.get("MESHBOT_BENCH_SOAK_SECONDS", "300"))
CONCURRENCY = (1, 8, 32)
#: Route → (method, bodies). /v1/ask cycles through the evaluation questions at random, so
#: the load is the mix users send, not one question over and over.
ROUTES: dict[str, tuple[str, list[dict[str, object]]]] = {
    "/healthz": ("GET", []),
    "/v1/ask": ("POST", [{"question": case.question} for case in load_cases()]),
    "/v1/estimate": ("POST", [{"pods": 200, "rps_per_pod": 1000, "hops": 8}]),
    "/v1/decide": (
        "POST",
        [{"answers": {"services": "about 40", "teams": 6, "compliance": "yes"}}],
    ),
}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else float("nan")


def _script(directory: Path, route: str, method: str, bodies: list[dict[str, object]]) -> Path:
    """A wrk script sending one of ``bodies`` at random with each request."""
    script = directory / f"{route.strip('/').replace('/', '_')}.lua"
    lines = [f'wrk.method = "{method}"', 'wrk.headers["Content-Type"] = "application/json"']
    if bodies:
        quoted = ",\n".join(json.dumps(json.dumps(body)) for body in bodies)
        lines += [
            f"local bodies = {{\n{quoted}\n}}",
            "request = function()",
            "  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])",
            "end",
        ]
    script.write_text("\n".join(lines) + "\n")
    return script


def _wrk(url: str, script: Path, connections: int) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx responses)."""
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50, p99 = (
        float(m.group(1)) * _UNITS[m.group(2)]
        for m in (re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)\b", output) for pct in (50, 99))
        if m is not None
    )
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def run() -> list[Figure]:
    if shutil.which("wrk") is None:
        print("HTTP bench skipped: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = environment(workdir)
        build_index(env)
        startups = []
        for _ in range(RUNS - 1):
            server, ms = start(port, env)
            startups.append(ms)
            stop(server)
        server, ms = start(port, env)
        startups.append(ms)
        try:
            idle = _rss_mb(server.pid)
            figures = [
                over_runs("process start to /readyz 200", "ms", startups),
                Figure("resident memory, idle", idle, idle, idle, "MB"),
                *_load(base, workdir),
            ]
            loaded = _rss_mb(server.pid)
            figures.append(Figure("resident memory, after the load", loaded, loaded, loaded, "MB"))
            figures += _soak(base, workdir, server.pid)
        finally:
            stop(server)
    return figures


def _soak(base: str, workdir: Path, pid: int) -> list[Figure]:
    """Questions at 8 connections for SOAK_SECONDS, sampling resident memory: it must stay
    flat once warm (growth from the first minute to the end under 5%)."""
    script = _script(workdir, "/v1/ask", "POST", ROUTES["/v1/ask"][1])
    load = subprocess.Popen(
        ["wrk", "-t2", "-c8", f"-d{SOAK_SECONDS}s", "-s", str(script), f"{base}/v1/ask"],
        stdout=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    while load.poll() is None:
        samples.append((time.monotonic() - started, _rss_mb(pid)))
        time.sleep(min(15, SOAK_SECONDS / 10))
    output = load.communicate()[0]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    warm = next((rss for at, rss in samples if at >= SOAK_SECONDS / 5), samples[0][1])
    end = samples[-1][1]
    growth = (end - warm) / warm * 100
    name = f"soak {SOAK_SECONDS} s at 8 connections"
    return [
        Figure(f"{name}: resident memory warm → end", end, warm, max(r for _, r in samples), "MB"),
        Figure(f"{name}: memory growth after warm-up", growth, growth, growth, "%"),
        Figure(f"{name}: /v1/ask req/s", float(rps.group(1)) if rps else 0.0, 0, 0, "req/s"),
    ]


def _load(base: str, workdir: Path) -> list[Figure]:
    results: dict[tuple[str, int], list[tuple[float, float, float, int]]] = {}
    for _ in range(RUNS):
        for connections in CONCURRENCY:
            for route, (method, bodies) in ROUTES.items():
                script = _script(workdir, route, method, bodies)
                results.setdefault((route, connections), []).append(
                    _wrk(f"{base}{route}", script, connections)
                )
    figures: list[Figure] = []
    for connections in CONCURRENCY:
        health = statistics.median(r[0] for r in results[("/healthz", connections)])
        for route in ROUTES:
            runs = results[(route, connections)]
            rps = over_runs(
                f"{route} req/s, {connections} connections", "req/s", [r[0] for r in runs]
            )
            ratio = rps.median / health if route != "/healthz" else None
            baseline = "/healthz req/s" if ratio is not None else None
            figures.append(
                Figure(rps.name, rps.median, rps.low, rps.high, rps.unit, baseline, ratio)
            )
            figures.append(
                over_runs(f"{route} p50, {connections} connections", "ms", [r[1] for r in runs])
            )
            figures.append(
                over_runs(f"{route} p99, {connections} connections", "ms", [r[2] for r in runs])
            )
            failed = sum(r[3] for r in runs)
            if failed:
                figures.append(
                    Figure(f"{route} non-2xx, {connections} connections", failed, 0, 0, "responses")
                )
    return figures
