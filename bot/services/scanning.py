"""Scanning strangers' manifests inside the service (``POST /v1/scan``, Slack's ``/mesh scan``
and the message shortcut): one helper so every path gets the same bounds.

The scan is CPU work that holds the GIL only in short steps, so it runs in a worker thread and
the event loop keeps serving ``/healthz`` and other requests meanwhile. A thread cannot be killed;
instead the scanner checks its time budget between documents, resources and checks, and raises
``ScanTimeout`` once past it, freeing the thread. ``REQUEST_LIMITS`` bound everything a scan
counts, so no single step between two checks can grow with an alias bomb.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from knowledge import REQUEST_LIMITS, Report, Scanner, ScanTimeout, Versions

#: Scans get threads of their own, so a burst of slow scans queues here instead of occupying the
#: default executor that state-store calls (``asyncio.to_thread``) wait for. Two, because more
#: threads would only take turns holding the GIL.
_SCAN_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="meshbot-scan")


async def scan_off_loop(
    scanner: Scanner,
    documents: list[tuple[Path, str]],
    seconds: float,
    ignore: Sequence[str] = (),
    versions: Versions | None = None,
) -> Report:
    """The report for ``documents``, scanned in a worker thread under ``REQUEST_LIMITS`` and a
    budget of ``seconds`` counted from the request's arrival: time spent waiting behind other
    scans for a thread is spent budget, so a burst of scans cannot queue without bound in
    time; raises ``ScanTimeout`` past it."""
    arrived = time.monotonic()

    def scan() -> Report:
        remaining = seconds - (time.monotonic() - arrived)
        if remaining <= 0:
            raise ScanTimeout(seconds)  # the whole budget went on waiting: nothing was scanned
        try:
            limits = replace(REQUEST_LIMITS, seconds=remaining)
            return scanner.scan(documents, ignore, limits, versions=versions)
        except ScanTimeout as stopped:
            raise ScanTimeout(seconds) from stopped  # say the budget, not what was left of it

    return await asyncio.get_running_loop().run_in_executor(_SCAN_THREADS, scan)
