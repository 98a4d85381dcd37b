"""API keys and a per-key rate limit for ``/v1``.

Keys are configured as ``sha256:<hex>`` hashes, so the configuration never holds a usable
key; a presented key is hashed and compared in constant time. The rate limit is per key,
shared by every replica when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hmac
import math
from typing import Protocol

from fastapi import Request

from bot.services.apikeys import PREFIX, hash_key
from bot.web.problems import ProblemError


class Limiter(Protocol):
    async def wait_seconds(self, key: str) -> float: ...


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
                "unauthorized",
                "send an API key as 'Authorization: Bearer <key>'",
                {"WWW-Authenticate": 'Bearer realm="meshbot"'},
            )
        presented = hash_key(key.strip())
        matched = [h for h in self.hashes if hmac.compare_digest(h, presented)]
        if not matched:
            raise ProblemError("unauthorized", "unknown API key", {"WWW-Authenticate": "Bearer"})
        wait = await self.limiter.wait_seconds(matched[0]) if self.limiter else 0
        if wait:
            raise ProblemError(
                "rate-limited",
                f"too many requests for this key; retry in {math.ceil(wait)} s",
                {"Retry-After": str(math.ceil(wait))},
            )
