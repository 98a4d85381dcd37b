"""Keeping unanswered questions for ``meshbot kb gaps``, from the HTTP API and from Slack."""

from __future__ import annotations

import asyncio
import logging

from bot.store import DecisionStore, StoreError
from knowledge.search import Answer

log = logging.getLogger("meshbot.misses")


async def keep(store: DecisionStore, answer: Answer) -> None:
    """Record an unanswered question with its closest entries, off the event loop. A store
    outage costs the record, never the answer."""
    if answer.answered:
        return
    try:
        closest = [s.id for s in answer.suggestions]
        await asyncio.to_thread(store.record_miss, answer.question, closest)
    except StoreError as error:
        log.warning("unanswered question not recorded: %s", error)
