"""Work done after Slack has been acknowledged: bounded, tracked, and finished at shutdown.

Slack wants an answer within 3 seconds, so every listener acknowledges at once and does its
work afterwards. That work runs here rather than as untracked tasks, for three reasons:

- a burst cannot starve the acknowledgements: at most ``concurrency`` jobs run at once, the
  rest wait their turn, and past ``backlog`` waiting jobs a new one is refused (the person is
  told to retry) instead of piling up memory;
- on SIGTERM nothing acknowledged is dropped: ``drain`` waits for the jobs in hand, and those
  still unfinished when the grace period ends are cancelled and their people told;
- a failing job is logged and reported like any listener error;
- acknowledgements go first: no job starts, and no running job resumes after an ``await``,
  while a request from Slack is being acknowledged (``acknowledging``). Jobs share the event
  loop with the acknowledgements, and each step of a job (its search, building a message,
  encoding a Web API call) is CPU work that runs without yielding. An acknowledgement passes
  through some twenty ``await``s of the HTTP stack and bolt's dispatch, and at each one it
  waited for a step of every running job: gating only the start of jobs left the jobs already
  running (up to ``concurrency`` of them) interleaved with a burst that arrived a moment later,
  and that burst's last acknowledgements waited hundreds of milliseconds. Under a flood that
  never lets up, jobs wait and the backlog refuses new ones (the person is told): the work
  degrades, the acknowledgements do not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("meshbot.slack")

#: How long shutdown waits for acknowledged work. With the 5 s preStop pause and uvicorn's
#: 15 s for open requests, it ends inside Kubernetes' default 30 s grace period.
DRAIN_SECONDS = 8.0

#: Called with a job's failure (None when it was abandoned at shutdown), to tell its person.
Report = Callable[[BaseException | None], Awaitable[None]]


class Busy(Exception):
    """Too much work is waiting, or the service is shutting down."""


class Background:
    def __init__(self, concurrency: int = 16, backlog: int = 256) -> None:
        self.backlog = backlog
        self._slots = asyncio.Semaphore(concurrency)
        self._jobs: dict[asyncio.Task[None], Report] = {}
        self._closing = False
        self._acknowledging = 0
        self._no_acknowledgements = asyncio.Event()
        self._no_acknowledgements.set()

    @property
    def pending(self) -> int:
        return len(self._jobs)

    @contextmanager
    def acknowledging(self) -> Iterator[None]:
        """Around the handling of one request from Slack: jobs wait until none is in hand."""
        self._acknowledging += 1
        self._no_acknowledgements.clear()
        try:
            yield
        finally:
            self._acknowledging -= 1
            if not self._acknowledging:
                self._no_acknowledgements.set()

    def submit(self, job: Coroutine[Any, Any, None], report: Report) -> None:
        """Run ``job`` when a slot frees up; raises Busy (and closes the job) when full."""
        if self._closing or len(self._jobs) >= self.backlog:
            job.close()
            raise Busy("shutting down" if self._closing else "too much work waiting")
        task = asyncio.get_running_loop().create_task(self._run(job, report))
        self._jobs[task] = report
        task.add_done_callback(self._jobs.pop)

    async def _run(self, job: Coroutine[Any, Any, None], report: Report) -> None:
        try:
            async with self._slots:
                await self._no_acknowledgements.wait()
                await _Yielding(job, self._no_acknowledgements)
        except asyncio.CancelledError:
            job.close()  # cancelled while waiting for a slot: the job never started
            raise
        except Exception as error:
            log.error("slack work failed", exc_info=error)
            await _quietly(report(error))

    async def settled(self) -> None:
        """Return once no job is in hand, counting jobs submitted while waiting: the point at
        which everything Slack asked for has been answered. Tests wait on it instead of
        sleeping and hoping a late duplicate would have shown up by then."""
        while self._jobs:
            await asyncio.wait(list(self._jobs))

    async def drain(self, timeout: float) -> int:
        """Refuse new work, wait up to ``timeout`` seconds for the jobs in hand, then cancel
        the rest and tell their people. Returns how many were abandoned."""
        self._closing = True
        if not self._jobs:
            return 0
        _, unfinished = await asyncio.wait(list(self._jobs), timeout=timeout)
        reports = [self._jobs[task] for task in unfinished if task in self._jobs]
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        for report in reports:
            await _quietly(report(None))
        if unfinished:
            log.warning("slack work abandoned at shutdown", extra={"jobs": len(unfinished)})
        return len(unfinished)


class _Yielding:
    """Awaits ``job``, resuming it after each of its ``await``s only once ``clear`` is set: the
    job's steps wait while acknowledgements are in hand, whatever the job awaits. (A task runs
    its coroutine by sending it the result of whatever it last awaited; this stands between
    the two, and waits on ``clear`` before passing the result, or the exception, on.)"""

    def __init__(self, job: Coroutine[Any, Any, None], clear: asyncio.Event) -> None:
        self._job = job
        self._clear = clear

    def __await__(self) -> Generator[Any, Any, None]:
        steps = self._job.__await__()
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                awaited = steps.send(value) if error is None else steps.throw(error)
            except StopIteration:
                return
            value, error = None, None
            try:
                value = yield awaited
                if not self._clear.is_set():
                    yield from self._clear.wait().__await__()
            except BaseException as raised:  # cancellation included: the job sees it
                error = raised


async def _quietly(telling: Awaitable[None]) -> None:
    """Telling a person about a failure must not fail in turn (Slack may be the failure)."""
    try:
        await asyncio.wait_for(telling, timeout=5)
    except Exception:
        log.warning("could not tell the person about the failure")
