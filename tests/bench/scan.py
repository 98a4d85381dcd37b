"""The manifest scanner on a generated corpus of 10,000 resources: resources per second, and
the memory the scan takes (peak traced allocation)."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from knowledge.base import load
from knowledge.scanner.scan import Scanner
from tests.bench.stats import Figure, over_runs

RUNS = 3
RESOURCES = 10_000
CORPUS = Path(__file__).parent.parent / "scan_corpus"


def _corpus() -> str:
    """The clean and violating manifests, namespaced apart and repeated to RESOURCES."""
    base = [(CORPUS / n).read_text() for n in ("clean.yaml", "violations.yaml")]
    per_copy = sum(t.count("\napiVersion:") + t.startswith("apiVersion:") for t in base)
    copies = RESOURCES // per_copy + 1
    parts = [t.replace("namespace: ", f"namespace: c{n}-") for n in range(copies) for t in base]
    return "\n---\n".join(parts)


def run() -> list[Figure]:
    scanner = Scanner(load())
    text = _corpus()
    rates = []
    counted = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        report = scanner.scan([(Path("corpus.yaml"), text)])
        rates.append(report.resources / (time.perf_counter() - started))
        counted = report.resources
    tracemalloc.start()
    scanner.scan([(Path("corpus.yaml"), text)])
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return [
        over_runs(f"scan throughput, {counted:,} resources", "res/s", rates),
        Figure(f"scan peak memory, {counted:,} resources", peak, peak, peak, "MB"),
    ]
