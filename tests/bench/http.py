"""The HTTP API under a real load generator (wrk) over loopback, against ``meshbot serve``.

Every figure is a ratio to a baseline measured in the same run, so the noise of a shared
machine hits both alike: a bare FastAPI app's ``/healthz`` (tests/bench/bare.py, served by the
same uvicorn protocol and event loop) beside meshbot's ``/healthz``, ``/v1/ask``,
``/v1/estimate``, ``/v1/decide`` and ``/v1/scan``, at 1, 8 and 32 connections, with p50 and p99
from wrk's latency distribution, with 1 and with 2 worker processes. Each run starts both
servers afresh for each worker count, so the two counts alternate rather than one getting the
quieter minutes. Also: process start to ``/readyz`` 200, and resident memory (all of the
server's processes) at idle and after the load.

Every server starts as a deployed one does (``_prepare``): meshbot's modules already compiled
to bytecode, the index built and the state store migrated before any web process starts.
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
from tests.support.servers import BARE as BARE_APP
from tests.support.servers import MESHBOT, build_index, environment, free_port, start, stop

ROOT = Path(__file__).resolve().parents[2]
RUNS = 3
SECONDS = 4
SOAK_SECONDS = int(os.environ.get("MESHBOT_BENCH_SOAK_SECONDS", "300"))
CONCURRENCY = (1, 8, 32)
WORKERS = (1, 2)
BARE = "bare FastAPI /healthz"
#: A small Deployment the scanner reads in full (one resource, several rules apply).
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations: {sidecar.istio.io/inject: "true"}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1.4.2
          ports: [{containerPort: 8080}]
"""
#: Route → (method, content type, bodies). /v1/ask cycles through the evaluation questions at
#: random, so every request searches a different question, as users send them.
ROUTES: dict[str, tuple[str, str, list[str]]] = {
    "/healthz": ("GET", "application/json", []),
    "/v1/ask": (
        "POST",
        "application/json",
        [json.dumps({"question": case.question}) for case in load_cases()],
    ),
    "/v1/estimate": (
        "POST",
        "application/json",
        [json.dumps({"pods": 200, "rps_per_pod": 1000, "hops": 8})],
    ),
    "/v1/decide": (
        "POST",
        "application/json",
        [json.dumps({"answers": {"services": "about 40", "teams": 6, "compliance": "yes"}})],
    ),
    "/v1/scan": ("POST", "application/yaml", [MANIFEST]),
}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
Result = tuple[float, float, float, int]  # requests/s, p50 ms, p99 ms, non-2xx responses


def _rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the workers), in MB."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(c) for c in (task / "children").read_text().split()]
    total = 0
    for each in pids:
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{each}/status").read_text())
        total += int(found.group(1)) if found else 0
    return total / 1024


def _script(directory: Path, route: str, method: str, content_type: str, bodies: list[str]) -> Path:
    """A wrk script sending one of ``bodies`` at random with each request."""
    script = directory / f"{route.strip('/').replace('/', '_')}.lua"
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Content-Type"] = "{content_type}"']
    if bodies:
        quoted = ",\n".join(json.dumps(body) for body in bodies)
        lines += [
            f"local bodies = {{\n{quoted}\n}}",
            "request = function()",
            "  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])",
            "end",
        ]
    script.write_text("\n".join(lines) + "\n")
    return script


def _wrk(url: str, script: Path, connections: int) -> Result:
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


def _prepare(env: dict[str, str]) -> None:
    """What a deployment has done before its web processes start. ``pip install`` (and so the
    container) compiles the package to bytecode; an editable checkout under
    ``PYTHONDONTWRITEBYTECODE`` would instead compile meshbot's sources at every start (about
    200 ms here), which no deployment pays. The Procfile's release phase builds the index and
    migrates the state store; a process that migrates at start also keeps Alembic loaded."""
    packages = [str(ROOT / name) for name in ("bot", "engine", "knowledge")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)
    build_index(env)
    subprocess.run([*MESHBOT, "db", "migrate"], env=env, check=True, capture_output=True)


def run() -> list[Figure]:
    if shutil.which("wrk") is None:
        print("HTTP bench skipped: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        _prepare(environment(workdir))
        results: dict[tuple[int, str, int], list[Result]] = {}
        startups: dict[int, list[float]] = {w: [] for w in WORKERS}
        memory: dict[tuple[int, str], list[float]] = {}
        for _ in range(RUNS):
            for workers in WORKERS:
                env = environment(workdir, WEB_CONCURRENCY=str(workers))
                bare_port, port = free_port(), free_port()
                bare, _ = start(bare_port, env, [*BARE_APP, "--workers", str(workers)], "/healthz")
                server, ms = start(port, env)
                startups[workers].append(ms)
                try:
                    memory.setdefault((workers, "idle"), []).append(_rss_mb(server.pid))
                    _load(workdir, workers, f"http://127.0.0.1:{bare_port}", BARE, results)
                    _load(workdir, workers, f"http://127.0.0.1:{port}", None, results)
                    memory.setdefault((workers, "after the load"), []).append(_rss_mb(server.pid))
                finally:
                    stop(server)
                    stop(bare)
        figures = [
            over_runs(f"process start to /readyz 200, {w} worker(s)", "ms", startups[w])
            for w in WORKERS
        ]
        figures += [
            over_runs(f"resident memory {when}, {w} worker(s), all processes", "MB", samples)
            for (w, when), samples in memory.items()
        ]
        figures += _figures(results)
        env = environment(workdir, WEB_CONCURRENCY="1")
        port = free_port()
        server, _ = start(port, env)
        try:
            figures += _soak(f"http://127.0.0.1:{port}", workdir, server.pid)
        finally:
            stop(server)
    return figures


def _load(
    workdir: Path,
    workers: int,
    base: str,
    only: str | None,
    results: dict[tuple[int, str, int], list[Result]],
) -> None:
    """Every route (or only the bare /healthz, named ``only``) at every concurrency, once."""
    routes = {only: ROUTES["/healthz"]} if only else ROUTES
    for connections in CONCURRENCY:
        for name, (method, content_type, bodies) in routes.items():
            path = "/healthz" if only else name
            script = _script(workdir, path, method, content_type, bodies)
            result = _wrk(f"{base}{path}", script, connections)
            results.setdefault((workers, name, connections), []).append(result)


def _figures(results: dict[tuple[int, str, int], list[Result]]) -> list[Figure]:
    """Medians over the runs; throughput as a ratio to meshbot's /healthz (and /healthz to the
    bare app's), p99 as a ratio to the bare app's p99 at the same concurrency and workers."""
    figures: list[Figure] = []
    for workers in WORKERS:
        for connections in CONCURRENCY:
            measured = {name: results[(workers, name, connections)] for name in (BARE, *ROUTES)}
            bare_rps = statistics.median(r[0] for r in measured[BARE])
            bare_p99 = statistics.median(r[2] for r in measured[BARE])
            health_rps = statistics.median(r[0] for r in measured["/healthz"])
            for name in (BARE, *ROUTES):
                where = f"{connections} conn, {workers} worker(s)"
                base_rps, base_name = (
                    (bare_rps, BARE) if name == "/healthz" else (health_rps, "meshbot /healthz")
                )
                rps = over_runs(f"{name} req/s, {where}", "req/s", [r[0] for r in measured[name]])
                if name != BARE:
                    rps = Figure(
                        rps.name,
                        rps.median,
                        rps.low,
                        rps.high,
                        rps.unit,
                        base_name,
                        rps.median / base_rps,
                    )
                p99 = over_runs(f"{name} p99, {where}", "ms", [r[2] for r in measured[name]])
                if name != BARE:
                    p99 = Figure(
                        p99.name,
                        p99.median,
                        p99.low,
                        p99.high,
                        p99.unit,
                        f"{BARE} p99",
                        p99.median / bare_p99,
                    )
                figures += [
                    rps,
                    over_runs(f"{name} p50, {where}", "ms", [r[1] for r in measured[name]]),
                    p99,
                ]
                failed = sum(r[3] for r in measured[name])
                if failed:
                    figures.append(Figure(f"{name} non-2xx, {where}", failed, 0, 0, "responses"))
    return figures


def _soak(base: str, workdir: Path, pid: int) -> list[Figure]:
    """Questions at 8 connections for SOAK_SECONDS, sampling resident memory: it must stay
    flat once warm (growth from the first minute to the end under 5%)."""
    script = _script(workdir, "/v1/ask", *ROUTES["/v1/ask"])
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
