"""The built-in knowledge is complete: every runbook actionable, every table sourced and dated."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from knowledge.base import load
from knowledge.schema import Comparison, Pitfall

KB = load()
PITFALLS: list[Pitfall] = sorted(KB.pitfalls(), key=lambda p: p.code)
COMPARISONS: dict[str, Comparison] = {c.id: c for c in KB.comparisons()}


def test_all_five_pitfalls_of_the_article_are_present() -> None:
    assert [p.code for p in PITFALLS] == [f"MESH-P00{n}" for n in range(1, 6)]


@pytest.mark.parametrize("pitfall", PITFALLS, ids=lambda p: p.code)
def test_every_pitfall_has_steps_config_detection_verification_and_a_source(
    pitfall: Pitfall,
) -> None:
    assert len(pitfall.fix) >= 2, "a fix is a sequence of steps"
    assert pitfall.config and pitfall.detection and pitfall.verification
    assert pitfall.signals, "the exact strings responders type"
    assert set(pitfall.sources) & set(KB.sources)


@pytest.mark.parametrize(
    ("code", "snippet"),
    [(p.code, s) for p in PITFALLS for s in p.config if s.language == "yaml"],
    ids=lambda v: v if isinstance(v, str) else v.title,
)
def test_every_yaml_config_snippet_parses(code: str, snippet: Any) -> None:
    documents = [d for d in yaml.safe_load_all(snippet.content) if d is not None]
    assert documents, f"{code}: {snippet.title} is empty"


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        ("cmp.istio-vs-linkerd", 8),
        ("cmp.without-mesh", 6),
        ("cmp.proxy-memory", 4),
        ("cmp.eight-service-team", 4),
    ],
)
def test_comparison_tables_have_every_row_of_the_article(table: str, rows: int) -> None:
    assert len(COMPARISONS[table].rows) >= rows


@pytest.mark.parametrize("comparison", COMPARISONS.values(), ids=lambda c: c.id)
def test_every_comparison_cell_is_sourced_and_every_table_dated(comparison: Comparison) -> None:
    assert comparison.as_of
    for row in comparison.rows:
        for cell in row.cells.values():
            assert cell.source in KB.sources


def test_every_data_plane_has_a_profile_with_the_article_figure_first() -> None:
    profiles = {p.id: p for p in KB.profiles()}
    assert {"istio-sidecar", "linkerd", "istio-ambient", "cilium", "none"} <= set(profiles)
    sidecar = profiles["istio-sidecar"]
    assert sidecar.memory_mb_per_proxy[0].source == "article"
    assert sidecar.memory_mb_per_proxy[0].value == 60
    assert sidecar.vcpu_per_1k_rps[0].value == pytest.approx(0.20)


def test_corrections_cite_the_article_and_a_primary_source() -> None:
    corrections = list(KB.corrections())
    assert len(corrections) >= 4
    for correction in corrections:
        assert "article" in correction.sources
        assert len(set(correction.sources) - {"article"}) >= 1, correction.id


def test_answers_about_ambient_carry_the_ga_correction(library: Any) -> None:
    answer = library.searcher.search("istio vs linkerd comparison table")
    table = next(hit for hit in answer.results if hit.id == "cmp.istio-vs-linkerd")
    assert "Correction" in table.answer
    assert "1.24" in table.answer
