"""API keys and a per-key rate limit for ``/v1``.

Keys are configured as ``sha256:<hex>`` hashes, so the configuration never holds a usable
key; a presented key is hashed and compared in constant time. The rate limit is per key,
shared by every replica when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from typing import Protocol

from fastapi import Request

from bot.web.problems import ProblemError

PREFIX = "sha256:"


class Limiter(Protocol):
    async def wait_seconds(self, key: str) -> float: ...


def hash_key(key: str) -> str:
    return PREFIX + hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key and the hash to configure for it."""
    key = "mb_" + secrets.token_urlsafe(32)
    return key, hash_key(key)


class ApiKeys:
    def __init__(self, hashes: list[str], limiter: Limiter | None) -> None:
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
                401,
                "unauthorized",
                "send an API key as 'Authorization: Bearer <key>'",
                {"WWW-Authenticate": 'Bearer realm="meshbot"'},
            )
        presented = hash_key(key.strip())
        matched = [h for h in self.hashes if hmac.compare_digest(h, presented)]
        if not matched:
            raise ProblemError(
                401, "unauthorized", "unknown API key", {"WWW-Authenticate": "Bearer"}
            )
        wait = await self.limiter.wait_seconds(matched[0]) if self.limiter else 0
        if wait:
            raise ProblemError(
                429,
                "rate-limited",
                f"too many requests for this key; retry in {math.ceil(wait)} s",
                {"Retry-After": str(math.ceil(wait))},
            )
