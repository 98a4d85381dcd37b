"""The 2026-12 expert review stays fixed: each of its rows has an entry that states the fix,
no longer states what the review found wrong, and cites the primary source (knowledge_audit.yaml).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.base import load
from tests import test_cost

AUDIT: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "knowledge_audit.yaml").read_text(encoding="utf-8")
)
KB = load()
#: Rows the review did not find correct (9 wrong, 7 stale, 10 unsupported).
NOT_CORRECT = {4, 9, 11, 15, 16, 23, 25, 28, 30, 32, 33, 35, 36, 38, 39, 42, 43, 44, 45, 47}
NOT_CORRECT |= {51, 53, 54, 55, 57, 60}


def _lines(value: Any, key: str = "") -> list[str]:
    """Every scalar in an entry as 'key: value' (or the bare value in lists), unescaped."""
    if isinstance(value, dict):
        return [line for k, v in value.items() for line in _lines(v, k)]
    if isinstance(value, list):
        return [line for v in value for line in _lines(v)]
    return [f"{key}: {value}" if key else str(value)]


def _text(entry_id: str) -> str:
    located = KB.get(entry_id)
    assert located is not None, f"no entry {entry_id!r}"
    return "\n".join(_lines(located.model.model_dump(mode="json"))).lower()


def test_every_row_the_review_did_not_find_correct_is_on_the_checklist() -> None:
    assert len(NOT_CORRECT) == 9 + 7 + 10
    assert {item["row"] for item in AUDIT} >= NOT_CORRECT


@pytest.mark.parametrize("item", AUDIT, ids=lambda item: f"row {item['row']} {item['entry']}")
def test_the_reviews_finding_stays_fixed_in_its_entry(item: dict[str, Any]) -> None:
    text = _text(item["entry"])
    missing = [n for n in item.get("contains", []) if str(n).lower() not in text]
    assert not missing, f"row {item['row']}: {item['entry']} no longer states {missing}"
    back = [n for n in item.get("absent", []) if str(n).lower() in text]
    assert not back, f"row {item['row']}: {item['entry']} states {back} again"
    cited = set(KB.entries[item["entry"]].model.sources)
    uncited = [s for s in item.get("cites", []) if s not in cited]
    assert not uncited, f"row {item['row']}: {item['entry']} does not cite {uncited}"


@pytest.mark.parametrize(
    "item", [i for i in AUDIT if "proved_by" in i], ids=lambda item: f"row {item['row']}"
)
def test_behaviour_rows_name_a_cost_test_that_exists(item: dict[str, Any]) -> None:
    test = getattr(test_cost, item["proved_by"], None)
    assert test is not None and inspect.isfunction(test), item["proved_by"]


def test_every_source_the_checklist_names_exists_with_a_date() -> None:
    named = {s for item in AUDIT for s in item.get("cites", [])}
    assert named <= set(KB.sources)
    assert all(KB.sources[s].date for s in named)
