"""Unanswered questions kept for ``meshbot kb gaps``, written in batches off the answer's path.

Writing each miss before answering made the answer wait for a transaction (a delete of expired
rows, an insert and a commit: on SQLite more than the search itself), and under a burst the
commits queued one behind another in the thread pool: that was most of ``/v1/ask``'s p99. Here
a miss is put in a bounded buffer and the answer goes out at once; one writer at a time takes
everything buffered and writes it in one transaction in a worker thread, so a burst of misses
costs one commit per batch instead of one per question. When misses are rare each is written
as soon as the event loop is free, as before.

Bounded: at most ``MAX_PENDING`` misses wait; more are dropped and counted in the log (a miss
is a hint for the knowledge owner, never worth unbounded memory). A store outage costs the
batch, never an answer. ``drain`` waits until what is buffered is written: ``/v1/gaps`` reads
the misses its own process kept, and shutdown loses none.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from bot.store import Feedback, StoreError
from knowledge import Answer

#: Misses that may wait for the writer; a burst beyond this (the store down or very slow) is
#: dropped rather than held.
MAX_PENDING = 1000

log = logging.getLogger("meshbot.answering")


class MissLog:
    def __init__(self, store: Feedback, limit: int = MAX_PENDING) -> None:
        self._store = store
        self._limit = limit
        self._pending: list[tuple[str, list[str], dt.datetime]] = []
        self._dropped = 0
        self._writer: asyncio.Task[None] | None = None

    def keep(self, answer: Answer) -> None:
        """Buffer ``answer`` if the search could not answer it, and make sure a writer runs;
        returns at once (call it on the event loop)."""
        if answer.answered:
            return
        if len(self._pending) >= self._limit:
            self._dropped += 1
            return
        closest = [s.id for s in answer.suggestions]
        self._pending.append((answer.question, closest, dt.datetime.now(dt.UTC)))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def drain(self) -> None:
        """Return once every miss buffered so far is written (or its write has failed)."""
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            if self._dropped:
                log.warning("%d unanswered questions not recorded: too many waiting", self._dropped)
                self._dropped = 0
            try:
                await asyncio.to_thread(self._store.record_misses, batch)
            except StoreError as error:
                log.warning("%d unanswered questions not recorded: %s", len(batch), error)
