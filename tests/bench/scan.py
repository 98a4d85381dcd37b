"""The manifest scanner: resources per second on a generated corpus of 10,000 resources and on
the real corpus (tests/scan_corpus/real: 2,433 resources from eight public repositories, scanned
as tests/test_scan_real.py scans them), the memory the synthetic scan takes, and checkov on the
same real files when a ``checkov`` is found (``CHECKOV=/path/to/checkov``, or on PATH; install it
in a virtualenv of its own, its pins clash with ours).

Wall-clock rates on a shared machine move with the neighbours' load, so the rates are also given
in CPU time (``time.process_time``): the work the scan itself did."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from knowledge.base import load
from knowledge.scanner.scan import Report, Scanner
from tests.bench.stats import Figure, over_runs, with_baseline

RUNS = 5
RESOURCES = 10_000
CORPUS = Path(__file__).parent.parent / "scan_corpus"
REAL = CORPUS / "real"


def _corpus() -> str:
    """The clean and violating manifests, namespaced apart and repeated to RESOURCES."""
    base = [(CORPUS / n).read_text() for n in ("clean.yaml", "violations.yaml")]
    per_copy = sum(t.count("\napiVersion:") + t.startswith("apiVersion:") for t in base)
    copies = RESOURCES // per_copy + 1
    parts = [t.replace("namespace: ", f"namespace: c{n}-") for n in range(copies) for t in base]
    return "\n---\n".join(parts)


def _real() -> list[tuple[list[tuple[Path, str]], dict[str, Any]]]:
    """Per repository: its files, and how tests/scan_corpus/real_expected.yaml scans them."""
    sources = yaml.safe_load((REAL / "SOURCES.yaml").read_text())["repositories"]
    expected = yaml.safe_load((CORPUS / "real_expected.yaml").read_text())["scans"]
    how = {scan["repository"]: scan for scan in expected}
    runs = []
    for source in sources:
        base = REAL / source["repository"].replace("/", "__")
        files = [
            (base / name, (base / name).read_text(encoding="utf-8")) for name in source["files"]
        ]
        runs.append((files, how[source["repository"]]))
    return runs


def _rates(scan: Callable[[], int]) -> tuple[list[float], list[float], int]:
    """Resources per wall-clock second and per CPU second over RUNS runs, and the count."""
    wall, cpu = [], []
    counted = 0
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        counted = scan()
        wall.append(counted / (time.perf_counter() - started))
        cpu.append(counted / (time.process_time() - started_cpu))
    return wall, cpu, counted


def _checkov(files: list[Path], resources: int) -> Figure | None:
    """checkov's Kubernetes framework on the same files, once (it takes tens of seconds)."""
    checkov = os.environ.get("CHECKOV") or shutil.which("checkov")
    if checkov is None:
        return None
    args = [checkov, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json"]
    for path in files:
        args += ["-f", str(path)]
    started = time.perf_counter()
    subprocess.run(args, capture_output=True, check=False, timeout=1800)
    rate = resources / (time.perf_counter() - started)
    return Figure(f"checkov, real corpus, {resources:,} resources", rate, rate, rate, "res/s")


def run() -> list[Figure]:
    scanner = Scanner(load())
    text = _corpus()

    def synthetic() -> int:
        return scanner.scan([(Path("corpus.yaml"), text)]).resources

    wall, cpu, counted = _rates(synthetic)
    real = _real()

    def on_real() -> int:
        reports: list[Report] = [
            scanner.scan(files, scope=how["context"], assumed=how["assume_injected"])
            for files, how in real
        ]
        return sum(r.resources for r in reports)

    real_wall, real_cpu, real_counted = _rates(on_real)
    tracemalloc.start()
    synthetic()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    ours = over_runs(f"scan, real corpus, {real_counted:,} resources", "res/s", real_wall)
    figures = [
        over_runs(f"scan throughput, {counted:,} resources", "res/s", wall),
        over_runs(f"scan throughput (CPU s), {counted:,} res", "res/s", cpu),
        ours,
        over_runs(f"scan, real corpus (CPU s), {real_counted:,} res", "res/s", real_cpu),
        Figure(f"scan peak memory, {counted:,} resources", peak, peak, peak, "MB"),
    ]
    checkov = _checkov([path for files, _ in real for path, _ in files], real_counted)
    if checkov is not None:
        figures.append(with_baseline(ours, checkov))
        figures.append(checkov)
    return figures


if __name__ == "__main__":
    for figure in run():
        ratio = f"  {figure.ratio:.1f}x {figure.baseline}" if figure.ratio is not None else ""
        print(f"{figure.name:44} {figure.median:10.1f} {figure.unit}{ratio}")
