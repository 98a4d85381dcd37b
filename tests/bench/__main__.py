"""``make bench``: every benchmark, one table on stdout, the same figures in bench-results.json."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import engine, http, scan, search, slack


def main() -> int:
    figures, accuracy = search.run()
    figures += engine.run()
    figures += scan.run()
    figures += http.run()
    figures += slack.run()
    print(
        f"meshbot bench — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"medians of {search.RUNS} runs; spread = min..max of the runs\n")
    print(f"{'figure':56} {'median':>10} {'spread':>21} {'ratio':>8}  baseline")
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else ""
        spread = f"{f.low:.3f}..{f.high:.3f}"
        print(f"{f.name:56} {f.median:8.3f} {f.unit:2} {spread:>18} {ratio:>8}  {f.baseline or ''}")
    print()
    for name, value in accuracy.items():
        shown = f"{value:8.3f}" if "confidence" in name else f"{value:8.1%}"
        print(f"{name:52} {shown}")
    out = Path("bench-results.json")
    out.write_text(
        json.dumps({"figures": [asdict(f) for f in figures], "accuracy": accuracy}, indent=2)
    )
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
