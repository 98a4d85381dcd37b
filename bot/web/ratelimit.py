"""The per-key rate limit for ``/v1``, loaded only when API keys are configured (an open API
has no key to count by, and the library costs start-up time)."""

from __future__ import annotations

import logging
import time

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

log = logging.getLogger("meshbot.web")


class RateLimiter:
    """A moving one-minute window per key, from the ``limits`` library. With ``REDIS_URL`` the
    counts live in Redis, so every replica enforces one shared limit; without it they live in
    this process. Keys are stored as their hash, never as the key."""

    def __init__(self, per_minute: int, redis_url: str | None = None) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        uri = f"async+{redis_url}" if redis_url else "async+memory://"
        options = {"wrap_exceptions": True} if redis_url else {}
        self.window = MovingWindowRateLimiter(storage_from_string(uri, **options))

    async def wait_seconds(self, key: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds until it may. A
        shared store that cannot be reached lets requests through (logged): the limit guards
        capacity, and an outage of Redis must not become an outage of the API."""
        try:
            if await self.window.hit(self.item, "meshbot", key):
                return 0.0
            stats = await self.window.get_window_stats(self.item, "meshbot", key)
        except StorageError as error:
            log.warning(
                "rate-limit store unavailable; request allowed", extra={"error": str(error)}
            )
            return 0.0
        return max(1.0, stats.reset_time - time.time())
