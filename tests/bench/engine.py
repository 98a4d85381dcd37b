"""The engine in-process: one estimate, and one full decision walked question by question."""

from __future__ import annotations

import tempfile
from pathlib import Path

from engine.answers import Value
from engine.cost import FleetSpec, estimate
from engine.decision import DecisionRules, Verdict, next_step
from knowledge.library import open_library
from tests.bench.stats import Figure, over_runs, percentile, timed_ms
from tests.test_decision import MESH_TEAM

RUNS = 5
SAMPLES = 2000
#: The mesh team of the decision tests, steered to the longest path (Cilium's kernel checks).
ANSWERS: dict[str, Value] = {
    **MESH_TEAM,
    "main_concern": "sidecar-overhead",
    "kernel": "5.15.0-1051-aws",
    "windows_nodes": False,
    "latency_measured": True,
    "rps_per_pod": 1000,
    "call_depth": 8,
}


def _full_decision(rules: DecisionRules) -> Verdict:
    """What a conversation costs the engine: next_step after every answer, then the verdict."""
    answers: dict[str, Value] = {}
    while not isinstance(step := next_step(answers, rules), Verdict):
        answers[step.id] = ANSWERS[step.id]
    return step


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        rules = open_library(Path(tmp) / "kb.sqlite").rules
    spec = FleetSpec(pods=200, rps_per_pod=1000, hops=8)
    work = {
        "estimate, 5 planes": lambda: estimate(spec, rules.cost),
        f"full decision, {len(ANSWERS)} answers": lambda: _full_decision(rules),
    }
    figures: list[Figure] = []
    for name, call in work.items():
        p50s, p99s = [], []
        for _ in range(RUNS):
            samples = [timed_ms(call) for _ in range(SAMPLES)]
            p50s.append(percentile(samples, 50))
            p99s.append(percentile(samples, 99))
        figures += [over_runs(f"{name} p50", "ms", p50s), over_runs(f"{name} p99", "ms", p99s)]
    return figures
