"""What every request goes through, as plain ASGI (cheaper than BaseHTTPMiddleware):

- a request id (``X-Request-ID``: the caller's if well-formed, else a new one), echoed back and
  bound to ``bot.logs.request_id`` so every log line written while serving it carries it;
- the ``Host`` header against ``MESHBOT_ALLOWED_HOSTS`` (400 for any other);
- a body limit (413) and a JSON nesting limit (422), checked before any parsing;
- gzip for clients that ask for it (Starlette's ``GZipMiddleware``); the others skip it, as
  its pass-through still parsed every response's headers;
- one structured access-log line and the per-route metrics, whose labels come from closed sets
  (an unknown method or an unmatched path folds into ``other``/``unmatched``), so no caller
  can grow ``/metrics`` by inventing methods.

The log line carries method, route, status, duration and request id: never a header, so
never a token or an API key.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.middleware.gzip import GZipMiddleware

from bot import logs
from bot.metrics import Metrics
from bot.web.problems import problem_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_DEPTH = 32
#: Bodies smaller than this are sent as they are: compressing them saves too little.
GZIP_MIN_BYTES = 1024
#: What a response that could have been compressed says to caches, compressed or not.
_VARY = (b"vary", b"Accept-Encoding")
#: Methods that get a metrics label of their own; any other token is counted as ``other``.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("meshbot.access")
#: A request id made here is this process's random prefix and a counter, 32 hex digits: unique
#: across workers and restarts without a uuid4 (an os.urandom call) per request.
_ID_PREFIX = os.urandom(8).hex()
_ids = itertools.count()


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep, brackets inside strings not
    counted. A body with no more opening brackets than ``limit`` cannot, so that is counted
    first (in C, and most bodies stop there) before walking the bytes in Python."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class RequestMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        max_body_bytes: int,
        allowed_hosts: frozenset[str] = frozenset({"*"}),
    ) -> None:
        self.app = app
        self.compressing = GZipMiddleware(app, minimum_size=GZIP_MIN_BYTES)
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts
        #: (route, method, status) → its metric children: ``.labels()`` looks its arguments
        #: up under a lock on every call. Bounded, as the labels come from closed sets.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram, Counter | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else f"{_ID_PREFIX}{next(_ids):016x}"
        scope.setdefault("state", {})["request_id"] = request_id
        bound = logs.request_id.set(request_id)  # every log line of this request carries it
        try:
            await self._serve(scope, receive, send, headers, request_id)
        finally:
            logs.request_id.reset(bound)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[bytes, bytes],
        request_id: str,
    ) -> None:
        started = time.perf_counter()
        status = [500]
        gzip = b"gzip" in headers.get(b"accept-encoding", b"")
        added = [(b"x-request-id", request_id.encode())] + ([] if gzip else [_VARY])

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", []).extend(added)
            await send(message)

        refusal, body = (
            (_wrong_host(), b"")
            if not self._host_allowed(headers.get(b"host", b""))
            else await self._read_body(headers, receive)
        )
        if refusal is not None:
            await refusal(scope, receive, send_with_id)
        else:
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await (self.compressing if gzip else self.app)(scope, replay, send_with_id)
        self._record(scope, status[0], time.perf_counter() - started, request_id)

    async def _read_body(
        self, headers: dict[bytes, bytes], receive: Receive
    ) -> tuple[ASGIApp | None, bytes]:
        limit = self.max_body_bytes
        too_large = f"the request body is larger than {limit} bytes"
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return problem_response("body-too-large", too_large), b""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return problem_response("body-too-large", too_large), b""
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        json_body = b"json" in headers.get(b"content-type", b"").lower()
        if json_body and nested_deeper_than(body, MAX_JSON_DEPTH):
            detail = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
            return problem_response("too-deeply-nested", detail), b""
        return None, body

    def _host_allowed(self, host: bytes) -> bool:
        """Starlette's TrustedHost rule (exact names, ``*.domain``, or ``*``), answered as a
        problem document like every other refusal."""
        if "*" in self.allowed_hosts:
            return True
        text = host.decode("latin-1").lower()
        name = text[1 : text.find("]")] if text.startswith("[") else text.rsplit(":", 1)[0]
        return name in self.allowed_hosts or any(
            pattern.startswith("*.") and name.endswith(pattern[1:])
            for pattern in self.allowed_hosts
        )

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"] if scope["method"] in METHODS else "other"
        children = self._children.get((template, method, status))
        if children is None:
            children = self._children[(template, method, status)] = (
                self.metrics.requests.labels(template, method, str(status)),
                self.metrics.latency.labels(template, method),
                self.metrics.errors.labels(template, method) if status >= 500 else None,
            )
        requests, latency, errors = children
        requests.inc()
        latency.observe(seconds)
        if errors is not None:
            errors.inc()
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "route": template,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )


def _wrong_host() -> ASGIApp:
    return problem_response("invalid-host", "this Host is not served here")
