"""API keys and a per-key rate limit for ``/v1``.

Keys are configured as ``sha256:<hex>`` hashes, so the configuration never holds a usable
key; a presented key is hashed and compared in constant time. The rate limit is a token
bucket per key, per process: with several replicas each enforces it on its own share.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from dataclasses import dataclass

from fastapi import Request

from bot.web.problems import ProblemError

PREFIX = "sha256:"


def hash_key(key: str) -> str:
    return PREFIX + hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key and the hash to configure for it."""
    key = "mb_" + secrets.token_urlsafe(32)
    return key, hash_key(key)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.capacity, now))
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


class ApiKeys:
    def __init__(self, hashes: list[str], limiter: RateLimiter) -> None:
        self.hashes = [h for h in hashes if h.startswith(PREFIX)]
        self.limiter = limiter

    @property
    def enabled(self) -> bool:
        return bool(self.hashes)

    async def __call__(self, request: Request) -> None:
        """FastAPI dependency: refuse missing or wrong keys, and keys over their rate."""
        if not self.enabled:
            return
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise ProblemError(
                "unauthorized",
                "send an API key as 'Authorization: Bearer <key>'",
                {"WWW-Authenticate": 'Bearer realm="meshbot"'},
            )
        presented = hash_key(key.strip())
        matched = [h for h in self.hashes if hmac.compare_digest(h, presented)]
        if not matched:
            raise ProblemError("unauthorized", "unknown API key", {"WWW-Authenticate": "Bearer"})
        wait = self.limiter.wait_seconds(matched[0])
        if wait:
            raise ProblemError(
                "rate-limited",
                f"too many requests for this key; retry in {math.ceil(wait)} s",
                {"Retry-After": str(math.ceil(wait))},
            )
