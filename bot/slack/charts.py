"""Slack's data visualization block, as a bar chart: slack_sdk has no model for it yet, so this
is one, refusing at build time what Slack would refuse at post time.

Limits relied on (the block was added to Block Kit on 2026-06-16; read 2026-12-02 at
https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block):
- ``title`` required, at most 50 characters; at most two such blocks in one message;
- a bar chart has 1 to 6 series, each named (at most 20 characters, names unique) with 1 to 20
  data points, one per category of ``axis_config`` and labelled as it is;
- ``axis_config.categories`` labels at most 20 characters; ``x_label``/``y_label`` at most 50;
- every value a number (JSON has no NaN or infinity, so a value must be finite).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

TYPE = "data_visualization"
MAX_TITLE = 50
MAX_PER_MESSAGE = 2
MAX_SERIES = 6
MAX_POINTS = 20
MAX_LABEL = 20  # a category, a data point's label and a series' name
MAX_AXIS_LABEL = 50


class InvalidChart(ValueError):
    """A chart Slack would refuse."""


class BarChartBlock(Block):
    """A titled bar chart: one bar group per category, one bar per series in each."""

    type = TYPE

    @property
    def attributes(self) -> set[str]:  # type: ignore[override]
        return super().attributes.union({"title", "chart"})

    def __init__(
        self,
        *,
        title: str,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float]]],
        x_label: str | None = None,
        y_label: str | None = None,
        block_id: str | None = None,
    ) -> None:
        super().__init__(type=self.type, block_id=block_id)
        _check(title, categories, series, x_label, y_label)
        self.title = title
        axis: dict[str, Any] = {"categories": list(categories)}
        axis |= {k: v for k, v in (("x_label", x_label), ("y_label", y_label)) if v}
        self.chart = {
            "type": "bar",
            "series": [
                {
                    "name": name,
                    "data": [
                        {"label": label, "value": value}
                        for label, value in zip(categories, values, strict=True)
                    ],
                }
                for name, values in series
            ],
            "axis_config": axis,
        }


def _check(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    x_label: str | None,
    y_label: str | None,
) -> None:
    if not title or len(title) > MAX_TITLE:
        raise InvalidChart(f"a title of {len(title)} characters; Slack takes 1 to {MAX_TITLE}")
    if not 1 <= len(categories) <= MAX_POINTS or len(set(categories)) != len(categories):
        raise InvalidChart(f"{len(categories)} categories; Slack takes 1 to {MAX_POINTS}, unique")
    if not 1 <= len(series) <= MAX_SERIES or len({n for n, _ in series}) != len(series):
        raise InvalidChart(f"{len(series)} series; Slack takes 1 to {MAX_SERIES}, named uniquely")
    labels = [*categories, *(name for name, _ in series)]
    if any(not label or len(label) > MAX_LABEL for label in labels):
        raise InvalidChart(f"a category or series name over {MAX_LABEL} characters, or empty")
    if any(len(label or "") > MAX_AXIS_LABEL for label in (x_label, y_label)):
        raise InvalidChart(f"an axis label over {MAX_AXIS_LABEL} characters")
    for name, values in series:
        if len(values) != len(categories):
            raise InvalidChart(f"series {name!r} has {len(values)} points for {len(categories)}")
        if not all(math.isfinite(v) for v in values):
            raise InvalidChart(f"series {name!r} has a value that is not a finite number")
