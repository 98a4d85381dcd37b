"""`/mesh cost` draws monthly cost and memory per data plane with Slack's data visualization
block, from the engine's figures (the table's, as the table rounds them), within the block's
documented limits; the table and a plain-text fallback stay for clients without charts."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bot.services.estimating import cost
from bot.slack.charts import BarChartBlock, InvalidChart
from bot.slack.commands import fleet
from knowledge.library import Library
from tests.support.block_kit import assert_within_block_kit
from tests.support.slack_harness import Harness


def _charts(blocks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """title → series name → category → value."""
    return {
        b["title"]: {
            s["name"]: {p["label"]: p["value"] for p in s["data"]} for s in b["chart"]["series"]
        }
        for b in blocks
        if b["type"] == "data_visualization"
    }


@pytest.mark.parametrize("text", ["pods=200 hops=8", "pods=5000 hops=20 l7=30", "pods=1"])
def test_mesh_cost_charts_the_engines_figures_within_the_blocks_limits(
    bot: Harness, library: Library, text: str
) -> None:
    bot.command(f"cost {text}")
    [answer] = bot.responded()
    blocks = answer.params["blocks"]
    assert_within_block_kit(blocks)
    drawn = _charts(blocks)
    assert set(drawn) == {"Monthly cost per data plane (USD)", "Memory per data plane (MB)"}
    engine = cost(fleet(text), library.rules.cost)
    table = next(b for b in blocks if b["type"] == "table")
    cells = {row[0]["text"]: [c["text"] for c in row] for row in table["rows"][1:]}
    for plane in engine.planes:
        usd = drawn["Monthly cost per data plane (USD)"]["USD/month"]
        memory = drawn["Memory per data plane (MB)"]
        label = next((c for c in usd if plane.name.startswith(c.rstrip("…"))), None)
        if plane.monthly_usd is None:
            assert label is None  # not drawn as zero
        else:
            assert label is not None and math.isclose(usd[label], plane.monthly_usd, abs_tol=0.5)
            assert f"{usd[label]:,.0f}" == cells[plane.name][4]  # what the table shows
        if plane.memory_mb is not None and plane.reserved_memory_mb is not None:
            shown = next(c for c in memory["MB used"] if plane.name.startswith(c.rstrip("…")))
            assert math.isclose(memory["MB used"][shown], plane.memory_mb, abs_tol=0.5)
            assert math.isclose(memory["MB reserved"][shown], plane.reserved_memory_mb, abs_tol=0.5)
            assert cells[plane.name][2] == (
                f"{memory['MB used'][shown]:,.0f} / {memory['MB reserved'][shown]:,.0f}"
            )


def test_the_plain_text_fallback_carries_the_figures_and_the_table_stays(bot: Harness) -> None:
    bot.command("cost pods=200 hops=8")
    [answer] = bot.responded()
    fallback = answer.params["text"]
    assert "Istio (sidecar mode) 1,269 USD/month, 12,000 MB" in fallback
    assert "Linkerd" in fallback and "n/a" in fallback  # a plane without a figure says so
    assert '"type": "table"' in json.dumps(answer.params["blocks"])


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "x" * 51}, "title"),
        ({"categories": ["a" * 21]}, "over 20"),
        ({"series": [("used", [math.nan])]}, "finite"),
        ({"series": [("used", [1.0, 2.0])]}, "points"),
        ({"series": [(f"s{n}", [1.0]) for n in range(7)]}, "series"),
        ({"categories": [f"c{n}" for n in range(21)]}, "categories"),
    ],
)
def test_a_chart_slack_would_refuse_is_refused_when_built(
    change: dict[str, Any], problem: str
) -> None:
    given: dict[str, Any] = {"title": "Memory", "categories": ["Linkerd"]}
    given["series"] = [("used", [1.0] * len(change.get("categories", ["Linkerd"])))]
    with pytest.raises(InvalidChart, match=problem):
        BarChartBlock(**(given | change))
