"""The pool that runs Slack work after the acknowledgement: bounded, drained, never silent."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.work import Background, Busy


def test_at_most_concurrency_jobs_run_and_the_rest_wait_their_turn() -> None:
    async def scenario() -> int:
        work = Background(concurrency=2, backlog=10)
        running, most = 0, 0
        release = asyncio.Event()

        async def job() -> None:
            nonlocal running, most
            running += 1
            most = max(most, running)
            await release.wait()
            running -= 1

        async def report(error: BaseException | None) -> None:
            raise AssertionError("no job fails here")

        for _ in range(6):
            work.submit(job(), report)
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        assert await work.drain(timeout=5) == 0
        return most

    assert asyncio.run(scenario()) == 2


def test_a_full_backlog_and_a_closing_pool_refuse_new_work() -> None:
    async def scenario() -> None:
        work = Background(concurrency=1, backlog=2)
        never = asyncio.Event()

        async def job() -> None:
            await never.wait()

        async def report(error: BaseException | None) -> None:
            pass

        work.submit(job(), report)
        work.submit(job(), report)
        with pytest.raises(Busy):
            work.submit(job(), report)
        await work.drain(timeout=0)
        with pytest.raises(Busy):
            work.submit(job(), report)

    asyncio.run(scenario())


def test_work_unfinished_at_shutdown_is_cancelled_and_its_person_told() -> None:
    async def scenario() -> list[BaseException | None]:
        work = Background()
        told: list[BaseException | None] = []
        never = asyncio.Event()

        async def stuck() -> None:
            await never.wait()

        async def report(error: BaseException | None) -> None:
            told.append(error)

        work.submit(stuck(), report)
        await asyncio.sleep(0)
        assert await work.drain(timeout=0) == 1
        assert work.pending == 0
        return told

    assert asyncio.run(scenario()) == [None]


def test_a_failing_job_is_reported_with_its_error() -> None:
    async def scenario() -> list[BaseException | None]:
        work = Background()
        told: list[BaseException | None] = []

        async def broken() -> None:
            raise RuntimeError("boom")

        async def report(error: BaseException | None) -> None:
            told.append(error)

        work.submit(broken(), report)
        await work.drain(timeout=5)
        return told

    [error] = asyncio.run(scenario())
    assert isinstance(error, RuntimeError)


def test_no_job_starts_while_a_request_is_being_acknowledged() -> None:
    async def scenario() -> list[str]:
        work = Background(concurrency=4, backlog=10)
        order: list[str] = []

        async def job() -> None:
            order.append("job")

        async def report(error: BaseException | None) -> None:
            raise AssertionError("no job fails here")

        with work.acknowledging():
            work.submit(job(), report)
            with work.acknowledging():  # a second request overlapping the first
                for _ in range(10):
                    await asyncio.sleep(0)
            order.append("first acknowledged")
            for _ in range(10):
                await asyncio.sleep(0)
            order.append("second acknowledged")
        assert await work.drain(timeout=5) == 0
        return order

    assert asyncio.run(scenario()) == ["first acknowledged", "second acknowledged", "job"]


def test_a_running_job_does_not_resume_while_a_request_is_being_acknowledged() -> None:
    async def scenario() -> list[str]:
        work = Background()
        order: list[str] = []
        step = asyncio.Event()

        async def job() -> None:
            order.append("job started")
            await step.wait()
            order.append("job resumed")

        async def report(error: BaseException | None) -> None:
            raise AssertionError("no job fails here")

        work.submit(job(), report)
        for _ in range(5):
            await asyncio.sleep(0)
        with work.acknowledging():
            step.set()  # what the job awaited is ready: only the acknowledgement holds it
            for _ in range(10):
                await asyncio.sleep(0)
            order.append("acknowledged")
        assert await work.drain(timeout=5) == 0
        return order

    assert asyncio.run(scenario()) == ["job started", "acknowledged", "job resumed"]


def test_a_job_held_behind_an_acknowledgement_is_cancelled_at_shutdown_and_told() -> None:
    async def scenario() -> list[BaseException | None]:
        work = Background()
        told: list[BaseException | None] = []

        async def job() -> None:
            await asyncio.sleep(0)

        async def report(error: BaseException | None) -> None:
            told.append(error)

        work.submit(job(), report)
        await asyncio.sleep(0)
        with work.acknowledging():  # never ends before the drain does
            for _ in range(5):
                await asyncio.sleep(0)
            assert await work.drain(timeout=0) == 1
        return told

    assert asyncio.run(scenario()) == [None]
