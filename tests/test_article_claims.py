"""Nothing of the article is missing: each claim on the checklist has an entry that states it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.base import load

CHECKLIST: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "article_claims.yaml").read_text(encoding="utf-8")
)
KB = load()


def test_checklist_covers_at_least_eighty_claims() -> None:
    assert len(CHECKLIST) >= 80


@pytest.mark.parametrize("item", CHECKLIST, ids=lambda item: item["claim"][:60])
def test_claim_has_an_entry_stating_it(item: dict[str, Any]) -> None:
    located = KB.get(item["entry"])
    assert located is not None, f"no entry {item['entry']!r} for: {item['claim']}"
    text = yaml.safe_dump(
        located.model.model_dump(mode="json"), allow_unicode=True, width=1_000_000
    ).lower()
    missing = [needle for needle in item["contains"] if str(needle).lower() not in text]
    assert not missing, f"{item['entry']} does not state {missing} ({item['claim']})"
