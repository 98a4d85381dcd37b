"""API keys and a per-key rate limit for ``/v1``.

Keys are configured as ``sha256:<hex>`` hashes, so the configuration never holds a usable
key; a presented key is hashed and compared in constant time. The rate limit is per key,
shared by every replica when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hmac
import math
from typing import Annotated, Protocol

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.services.apikeys import PREFIX, hash_key
from bot.web.problems import ProblemError

#: Declares the bearer scheme in the OpenAPI document (the Authorize button, and generated
#: clients that know to send the key). ``auto_error=False``: a missing key is our own
#: problem+json 401, not FastAPI's bare 403.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="An API key from `meshbot apikey new`, sent as `Authorization: Bearer <key>`.",
)


class Limiter(Protocol):
    async def wait_seconds(self, key: str) -> float: ...


class ApiKeys:
    def __init__(self, hashes: list[str], limiter: Limiter | None) -> None:
        self.hashes = [h for h in hashes if h.startswith(PREFIX)]
        self.limiter = limiter

    @property
    def enabled(self) -> bool:
        return bool(self.hashes)

    async def __call__(
        self, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
    ) -> None:
        """FastAPI dependency: refuse missing or wrong keys, and keys over their rate."""
        await self.check(credentials.credentials if credentials else None)

    async def check(self, key: str | None) -> None:
        """Refuse a missing or unknown key, or one over its rate (the web pages call this
        with the key from their cookie)."""
        if not self.enabled:
            return
        if not key:
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
