"""Medians and spreads over repeated runs, because this machine is shared and noisy."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    median: float
    low: float
    high: float
    unit: str
    baseline: str | None = None
    ratio: float | None = None


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - started) / 1e6


def over_runs(name: str, unit: str, runs: Sequence[float]) -> Figure:
    return Figure(name, statistics.median(runs), min(runs), max(runs), unit)


def with_baseline(figure: Figure, baseline: Figure) -> Figure:
    ratio = figure.median / baseline.median if baseline.median else None
    return Figure(
        figure.name, figure.median, figure.low, figure.high, figure.unit, baseline.name, ratio
    )
