"""A fake Slack Web API server, so that no test ever reaches Slack.

A real HTTP server on 127.0.0.1 (a random free port) runs in a background thread; point
slack_sdk's ``WebClient`` / ``AsyncWebClient`` at it with ``base_url=slack.base_url``::

    with FakeSlack() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].params["text"] == "hi"

Every request is recorded in ``attempts``; those answered normally are also in ``calls``.
Faults can be queued per method (``fail_next``, ``delay_next``, ``drop_next``). The file
upload URL handed out by ``files.getUploadURLExternal`` points back at this server, and those
uploads are recorded under the method name ``UPLOAD``.

The Authorization header is recorded (``Call.token``) but never logged or shown in a repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = [
    "BOT_ID",
    "BOT_USER_ID",
    "RESPOND",
    "TEAM_ID",
    "UPLOAD",
    "Call",
    "FakeSlack",
    "fake_slack",
    "sign",
]

TEAM_ID = "T1"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A1"
TEAM_DOMAIN = "meshbot-test"
WORKSPACE_URL = f"https://{TEAM_DOMAIN}.slack.com/"

UPLOAD = "upload"
"""The method name under which uploads to the URL from files.getUploadURLExternal are recorded."""
RESPOND = "response_url"
"""The method name under which posts to a response URL (``{root_url}respond/...``) are recorded."""
#: Methods that need the bot to be a member of the conversation (``not_in``).
_MEMBER_ONLY = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})

# Arguments that slack_sdk JSON-encodes inside a form body (or that callers pass pre-encoded).
_JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "files",
        "metadata",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)
_SECRET_PARAMS = frozenset({"token", "client_secret", "refresh_token"})

Responder = dict[str, Any] | Callable[["Call"], dict[str, Any]]


@dataclass(frozen=True, repr=False)
class Call:
    """One request the fake received.

    ``method`` is the Web API method ("chat.postMessage") or ``UPLOAD``; ``params`` the decoded
    query, form or JSON body (JSON-encoded fields such as ``blocks`` decoded to Python objects);
    ``headers`` the request headers with canonical names ("Content-Type", "Authorization").
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A header's value, looked up case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def token(self) -> str | None:
        """The token the client sent: the Authorization bearer token, else a ``token`` param."""
        auth = self.header("Authorization")
        if auth is not None and auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip()
        token = self.params.get("token")
        return token if isinstance(token, str) else None

    def __repr__(self) -> str:
        headers = {
            k: ("<redacted>" if k.lower() == "authorization" else v)
            for k, v in self.headers.items()
        }
        params = {k: ("<redacted>" if k in _SECRET_PARAMS else v) for k, v in self.params.items()}
        return f"Call(method={self.method!r}, params={params!r}, headers={headers!r})"


@dataclass(frozen=True)
class _Fault:
    kind: Literal["fail", "delay", "drop"]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    seconds: float = 0.0


def sign(body: str | bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends to sign a request: HMAC-SHA256 over ``v0:{timestamp}:{body}``."""
    ts = int(time.time()) if timestamp is None else timestamp
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(ts).encode("ascii") + b":" + raw
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


class FakeSlack:
    """A fake Slack Web API on a background thread; started on construction, stopped by close().

    Use it as a context manager (``with FakeSlack() as slack:``) or through the ``fake_slack``
    fixture below. With ``require_token`` (the default) a request without a token is answered
    ``{"ok": false, "error": "not_authed"}`` as Slack does, and is not counted in ``calls``.
    """

    def __init__(self, *, require_token: bool = True) -> None:
        self.require_token = require_token
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._calls: list[Call] = []
        self._attempts: list[Call] = []
        self._outcomes: list[str] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._responders: dict[str, Responder] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._outside: set[str] = set()
        self._ts_counter = itertools.count(100, 100)
        self._id_counter = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        host, port = self._server.server_address[:2]
        self._root = f"http://{host!s}:{port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-slack-{port}",
            daemon=True,
        )
        self._thread.start()

    # ---- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: ends delays, closes open connections and joins the server thread."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ---- addresses -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The Web API base URL for slack_sdk clients, e.g. "http://127.0.0.1:PORT/api/"."""
        return self._root + "api/"

    @property
    def root_url(self) -> str:
        return self._root

    # ---- what was received -----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """The requests answered normally, oldest first (a copy)."""
        with self._lock:
            return list(self._calls)

    @property
    def attempts(self) -> list[Call]:
        """Every request received, including failed, dropped and unauthenticated ones."""
        with self._lock:
            return list(self._attempts)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def attempts_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._attempts if c.method == method]

    def describe(self) -> str:
        """Every request received with its outcome, e.g. "chat.postMessage (429)"; no secrets."""
        with self._lock:
            seen = [
                f"{c.method} ({o})" for c, o in zip(self._attempts, self._outcomes, strict=True)
            ]
        return ", ".join(seen) if seen else "nothing"

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls to ``method`` were answered; return all calls to it.

        Blocks the calling thread: from a coroutine sharing a loop with the code under test,
        use ``wait_for_async`` instead.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_message(method, count, timeout, len(found)))
            time.sleep(0.01)

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """``wait_for`` that yields to the event loop while it polls."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_message(method, count, timeout, len(found)))
            await asyncio.sleep(0.01)

    def _timeout_message(self, method: str, count: int, timeout: float, got: int) -> str:
        return (
            f"expected {count} call(s) to {method} within {timeout}s, got {got}; "
            f"requests seen: {self.describe()}"
        )

    def reset(self) -> None:
        """Forget recorded requests, pending faults and custom responses (ids keep increasing)."""
        with self._lock:
            self._calls.clear()
            self._attempts.clear()
            self._outcomes.clear()
            self._faults.clear()
            self._responders.clear()

    # ---- shaping answers -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with ``status`` (then normally again).

        The default body is Slack's: ``ratelimited`` for 429, ``internal_error`` otherwise; a 429
        without headers gets ``Retry-After: 1``. ``status=200`` with a body such as
        ``{"ok": False, "error": "channel_not_found"}`` fakes an API error.
        """
        fault_headers = dict(headers or {})
        if status == 429 and not any(k.lower() == "retry-after" for k in fault_headers):
            fault_headers["Retry-After"] = "1"
        fault = _Fault("fail", status=status, headers=fault_headers, body=body)
        self._queue(method, [fault] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next answer(s) to ``method`` for ``seconds``; others are served meanwhile."""
        self._queue(method, [_Fault("delay", seconds=seconds)] * times)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Read the next request(s) to ``method`` then close the connection without answering."""
        self._queue(method, [_Fault("drop")] * times)

    def not_in(self, channel: str) -> None:
        """Act as if the bot had not joined ``channel``: posting there answers
        ``not_in_channel``, as Slack does; response URLs still work."""
        with self._lock:
            self._outside.add(channel)

    def set_response(self, method: str, response: Responder) -> None:
        """Answer ``method`` with this body (or ``response(call)``) instead of the default."""
        with self._lock:
            self._responders[method] = response

    def _queue(self, method: str, faults: list[_Fault]) -> None:
        with self._lock:
            self._faults.setdefault(method, []).extend(faults)

    # ---- used by the request handler -------------------------------------------------------

    def _receive(self, call: Call) -> tuple[_Fault | None, bool]:
        """Record an attempt; return its queued fault and whether it lacks a required token."""
        # Uploads and response URLs carry their secret in the URL, as with Slack, not a token.
        unauthenticated = (
            self.require_token and call.method not in {UPLOAD, RESPOND} and not call.token
        )
        with self._lock:
            queue = self._faults.get(call.method)
            fault = queue.pop(0) if queue else None
            if fault is not None and fault.kind == "fail":
                outcome = str(fault.status)
            elif fault is not None and fault.kind == "drop":
                outcome = "dropped"
            elif unauthenticated:
                outcome = "not_authed"
            else:
                outcome = "ok" if fault is None else f"ok after {fault.seconds}s"
            self._attempts.append(call)
            self._outcomes.append(outcome)
        return fault, unauthenticated

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _answer(self, call: Call) -> dict[str, Any]:
        """Record ``call`` as answered and build its JSON body."""
        with self._lock:
            if call.method in _MEMBER_ONLY and call.params.get("channel") in self._outside:
                return {"ok": False, "error": "not_in_channel"}
            responder = self._responders.get(call.method)
        body = (
            self._default_response(call)
            if responder is None
            else (responder(call) if callable(responder) else dict(responder))
        )
        with self._lock:
            self._calls.append(call)
        return body

    def _answer_upload(self, call: Call) -> None:
        with self._lock:
            self._uploads.setdefault(call.params["file_id"], {})["size"] = call.params["size"]
            self._calls.append(call)

    def _next_ts(self) -> str:
        with self._lock:
            n = next(self._ts_counter)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            n = next(self._id_counter)
        return f"{prefix}{n:09d}"

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _default_response(self, call: Call) -> dict[str, Any]:
        p = call.params
        method = call.method
        channel = str(p.get("channel") or p.get("channel_id") or "C1")
        if method == "auth.test":
            return {
                "ok": True,
                "url": WORKSPACE_URL,
                "team": "Meshbot Test",
                "user": "meshbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "bot_user_id": BOT_USER_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            return {"ok": True, "channel": channel, "ts": ts, "message": self._message(p, ts)}
        if method == "chat.update":
            ts = str(p.get("ts") or self._next_ts())
            message = self._message(p, ts) | {"edited": {"user": BOT_USER_ID, "ts": ts}}
            return {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "text": p.get("text", ""),
                "message": message,
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.delete":
            return {"ok": True, "channel": channel, "ts": str(p.get("ts", ""))}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", ""))
            link = f"{WORKSPACE_URL}archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method in {"views.publish", "views.open", "views.update", "views.push"}:
            return {"ok": True, "view": self._view(p)}
        if method == "conversations.info":
            return {"ok": True, "channel": _channel(channel)}
        if method in {"conversations.history", "conversations.replies"}:
            return {"ok": True, "messages": [], "has_more": False}
        if method == "users.info":
            return {"ok": True, "user": _user(str(p.get("user") or "U1"))}
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            with self._lock:
                self._uploads[file_id] = {"name": p.get("filename"), "length": p.get("length")}
            return {"ok": True, "upload_url": f"{self._root}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [self._file(f) for f in p.get("files") or []]}
        return {"ok": True}

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        given = params.get("view")
        view: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
        view_id = str(params.get("view_id") or self._next_id("V"))
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"1700000000.{view_id}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        } | {k: v for k, v in view.items() if k in {"title", "submit", "close"}}

    def _file(self, item: Any) -> dict[str, Any]:
        file_id = str(item.get("id")) if isinstance(item, dict) else str(item)
        with self._lock:
            known = dict(self._uploads.get(file_id, {}))
        name = known.get("name") or "file"
        title = item.get("title") if isinstance(item, dict) else None
        return {
            "id": file_id,
            "name": name,
            "title": title or name,
            "size": known.get("size", known.get("length")),
            "user": BOT_USER_ID,
            "permalink": f"{WORKSPACE_URL}files/{BOT_USER_ID}/{file_id}/{name}",
        }


def _channel(channel_id: str) -> dict[str, Any]:
    is_im = channel_id.startswith("D")
    info: dict[str, Any] = {
        "id": channel_id,
        "created": 1_700_000_000,
        "is_channel": channel_id.startswith("C"),
        "is_group": False,
        "is_im": is_im,
        "is_mpim": False,
        "is_private": channel_id.startswith("G") or is_im,
        "is_archived": False,
        "is_general": False,
        "is_member": True,
        "context_team_id": TEAM_ID,
    }
    if is_im:
        info["user"] = "U1"
    else:
        info |= {"name": f"channel-{channel_id.lower()}", "topic": {"value": ""}}
    return info


def _user(user_id: str) -> dict[str, Any]:
    is_bot = user_id == BOT_USER_ID
    name = "meshbot" if is_bot else f"user-{user_id.lower()}"
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name.title(),
        "deleted": False,
        "is_bot": is_bot,
        "is_admin": False,
        "tz": "UTC",
        "tz_offset": 0,
        "profile": {"display_name": name, "real_name": name.title(), "team": TEAM_ID},
    }


def _canonical(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _form(text: str) -> dict[str, Any]:
    parsed = parse_qs(text, keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def _decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params = _form(query)
    media = content_type.split(";", 1)[0].strip().lower()
    if body and media == "application/json":
        loaded = json.loads(body)
        if isinstance(loaded, dict):
            params.update(loaded)
    elif body and media in {"", "application/x-www-form-urlencoded"}:
        params.update(_form(body.decode("utf-8")))
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value.lstrip()[:1] in {"[", "{"}:
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: socketserver listens with a backlog of 5: a burst of connections from the bot's pool
    #: overflowed it, and each dropped SYN cost the bot a 1 s (then 3 s) retransmission, which
    #: the bench then measured as the bot's own time.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeSlack,
    ) -> None:
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._open_lock:
            if add:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSlack/1.0"
    timeout = 30

    @property
    def fake(self) -> FakeSlack:
        return cast(_Server, self.server).fake

    def setup(self) -> None:
        super().setup()
        cast(_Server, self.server).track(self.connection, add=True)

    def finish(self) -> None:
        cast(_Server, self.server).track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the server logs nothing, so no header or token ever reaches a log."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = _canonical(name)
            headers[key] = f"{headers[key]}, {value}" if key in headers else value

        if url.path.startswith("/upload/"):
            file_id = url.path[len("/upload/") :]
            params: dict[str, Any] = {"file_id": file_id, "size": len(body), "content": body}
            self._serve(Call(UPLOAD, params, headers), upload=True)
        elif url.path.startswith("/respond"):
            params = _decode_params(headers.get("Content-Type", ""), body, url.query)
            self._serve(Call(RESPOND, params, headers), upload=False)
        elif url.path.startswith("/api/") and len(url.path) > len("/api/"):
            method = url.path[len("/api/") :]
            try:
                params = _decode_params(headers.get("Content-Type", ""), body, url.query)
            except (ValueError, UnicodeDecodeError):
                call = Call(method, {}, headers)
                self.fake._receive(call)
                self._send_json(200, {"ok": False, "error": "invalid_arguments"})
                return
            self._serve(Call(method, params, headers), upload=False)
        else:
            self._send_json(404, {"ok": False, "error": "unknown_path"})

    def _serve(self, call: Call, *, upload: bool) -> None:
        fake = self.fake
        fault, unauthenticated = fake._receive(call)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.kind == "fail":
            error = "ratelimited" if fault.status == 429 else "internal_error"
            failure = fault.body if fault.body is not None else {"ok": False, "error": error}
            self._send_json(fault.status, failure, fault.headers)
            return
        if fault is not None and fault.kind == "delay":
            fake._sleep(fault.seconds)
        if unauthenticated:
            self._send_json(200, {"ok": False, "error": "not_authed"})
            return
        if upload:
            fake._answer_upload(call)
            self._send(200, f"OK - {call.params['size']}".encode(), "text/plain; charset=utf-8")
            return
        self._send_json(200, fake._answer(call))

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode("utf-8")
        self._send(status, data, "application/json; charset=utf-8", headers)

    def _send(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client went away (timed out) meanwhile


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running FakeSlack, closed after the test.

    Register it in a conftest:
    ``from tests.support.fake_slack import fake_slack  # noqa: F401``.
    """
    with FakeSlack() as slack:
        yield slack
