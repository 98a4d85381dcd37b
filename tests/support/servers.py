"""The service for tests: in process (``serve``, a TestClient), or as real ``meshbot serve``
processes for the bench and the scale-out tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app, open_store
from bot.web.server import LOOP, PROTOCOL, WS
from knowledge import Library

MESHBOT = [sys.executable, "-m", "bot.cli"]
#: The bench's baseline: a bare FastAPI app under the same uvicorn protocol, event loop and
#: (absent) WebSocket support.
BARE = [
    sys.executable,
    "-m",
    "uvicorn",
    "tests.bench.bare:app",
    "--http",
    PROTOCOL,
    "--loop",
    LOOP,
    "--ws",
    WS,
    "--no-access-log",
    "--log-level",
    "warning",
]


def serve(settings: Settings, library: Library) -> TestClient:
    """The whole app in process, on the store ``settings`` name (migrated)."""
    return TestClient(create_app(settings, library, open_store(settings)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def environment(workdir: Path, **extra: str) -> dict[str, str]:
    """A server environment of its own: index and (by default) state store in ``workdir``, and
    one worker process unless ``WEB_CONCURRENCY`` is given."""
    return {
        **os.environ,
        "MESHBOT_INDEX_PATH": str(workdir / "kb.sqlite"),
        "DATABASE_URL": f"sqlite:///{workdir / 'state.sqlite'}",
        "WEB_CONCURRENCY": "1",
        **extra,
    }


def build_index(env: dict[str, str]) -> None:
    subprocess.run([*MESHBOT, "kb", "build"], env=env, check=True, capture_output=True)


def start(
    port: int, env: dict[str, str], command: list[str] | None = None, path: str = "/readyz"
) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``meshbot serve`` (or ``command``, given ``--port``); return it and the
    milliseconds until ``path`` answered 200."""
    started = time.perf_counter()
    server = subprocess.Popen(
        [*(command or [*MESHBOT, "serve"]), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not ready(f"http://127.0.0.1:{port}{path}"):
        if server.poll() is not None or time.perf_counter() - started > 30:
            server.kill()
            raise RuntimeError("meshbot serve did not become ready")
        time.sleep(0.005)
    return server, (time.perf_counter() - started) * 1000


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)
