"""Unanswered questions are kept off the answer's path: buffered, bounded, written in batches."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.services.misses import MissLog
from bot.store import Database, Feedback, StoreUnavailable
from knowledge import Answer, Library

UNKNOWN = ("how to enable hubble ui", "frobnicate the quux", "gopher recipe for tuesday")
Row = tuple[str, list[str], dt.datetime]


class CountingFeedback(Feedback):
    """The real store, remembering each batch it was asked to write."""

    def __init__(self, database: Database, fail: bool = False) -> None:
        super().__init__(database)
        self.batches: list[list[str]] = []
        self.fail = fail

    def record_misses(self, rows: Sequence[Row]) -> None:
        self.batches.append([question for question, _, _ in rows])
        if self.fail:
            raise StoreUnavailable("the state store is unavailable: test")
        super().record_misses(rows)


@pytest.fixture
def store(tmp_path: Path) -> CountingFeedback:
    database = Database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    database.migrate()
    return CountingFeedback(database)


def _misses(library: Library, questions: Sequence[str]) -> list[Answer]:
    answers = [library.searcher.search(q) for q in questions]
    assert not any(a.answered for a in answers)
    return answers


def _kept(store: Feedback) -> set[str]:
    return {q for q, *_ in store.misses_since(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))}


def test_a_burst_of_misses_is_written_in_one_transaction(
    library: Library, store: CountingFeedback
) -> None:
    async def burst() -> None:
        log = MissLog(store)
        for answer in _misses(library, UNKNOWN):
            log.keep(answer)  # returns before anything is written
        assert store.batches == []
        await log.drain()

    asyncio.run(burst())
    assert store.batches == [list(UNKNOWN)]
    assert _kept(store) == set(UNKNOWN)


def test_answered_questions_are_not_kept(library: Library, store: CountingFeedback) -> None:
    answered = library.searcher.search("pods crashloop after sidecar injection")
    assert answered.answered

    async def ask() -> None:
        log = MissLog(store)
        log.keep(answered)
        await log.drain()

    asyncio.run(ask())
    assert store.batches == []


def test_misses_beyond_the_bound_are_dropped_and_logged(
    library: Library, store: CountingFeedback, caplog: pytest.LogCaptureFixture
) -> None:
    async def burst() -> None:
        log = MissLog(store, limit=2)
        for answer in _misses(library, UNKNOWN):
            log.keep(answer)
        await log.drain()

    asyncio.run(burst())
    assert store.batches == [list(UNKNOWN[:2])]
    assert "1 unanswered questions not recorded: too many waiting" in caplog.text


def test_a_store_outage_costs_the_batch_and_the_log_says_so(
    library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    database.migrate()
    failing = CountingFeedback(database, fail=True)

    async def burst() -> None:
        log = MissLog(failing)
        for answer in _misses(library, UNKNOWN[:1]):
            log.keep(answer)
        await log.drain()  # returns: the failure is logged, not raised

    asyncio.run(burst())
    assert failing.batches == [list(UNKNOWN[:1])]
    assert "1 unanswered questions not recorded: the state store is unavailable" in caplog.text
