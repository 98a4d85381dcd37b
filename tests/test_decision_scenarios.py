"""Realistic organisations get the verdict and plane a careful reader of the article would give.

The scenarios (tests/scenarios.yaml) were written from the article by someone who had not seen
the engine; where the article leaves room, the file says how it was read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.decision import ANTI_PATTERNS, DecisionRules, assess
from knowledge.library import Library

SCENARIOS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "scenarios.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def rules(library: Library) -> DecisionRules:
    return library.rules


def test_there_are_at_least_fifteen_scenarios() -> None:
    assert len(SCENARIOS) >= 15


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s["name"])
def test_scenario_gets_the_articles_verdict(scenario: dict[str, Any], rules: DecisionRules) -> None:
    expect = scenario["expect"]
    verdict = assess(scenario["answers"], rules)
    assert verdict.verdict == expect["verdict"], scenario["why"]
    assert verdict.criteria_count == expect["criteria_met"]
    assert verdict.stopped_at_step == expect["stopped_at_step"]
    names = {ANTI_PATTERNS[name] for name in expect["anti_patterns"]}
    assert set(verdict.anti_patterns) == names
    if expect["verdict"] == "no-mesh":
        assert verdict.plane is None
    else:
        assert verdict.plane in expect["planes"], scenario["why"]
