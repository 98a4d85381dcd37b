"""Block Kit's documented limits, checked on what the bot actually sent (messages and modals).

Written from the reference pages, not from the bot's own constants, so a wrong constant in
``bot/slack`` cannot hide here (docs.slack.dev/reference/block-kit, read 2026-12-02; the data
visualization block from its page added 2026-06-16).
"""

from __future__ import annotations

import math
from typing import Any

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
HEADER_CHARS, SECTION_CHARS, FIELDS, FIELD_CHARS, BUTTON_CHARS, CONTEXT_ELEMENTS = (
    150,
    3000,
    10,
    2000,
    75,
    10,
)
#: data_visualization: title, charts per message, series, points, labels, axis labels.
CHART_TITLE, CHARTS, CHART_SERIES, CHART_POINTS, CHART_LABEL, CHART_AXIS = 50, 2, 6, 20, 20, 50
#: context_actions: elements; feedback_buttons: button text, accessibility label, value.
CONTEXT_ACTIONS, FEEDBACK_TEXT, FEEDBACK_VALUE = 5, 75, 2000
#: modal: title/submit/close, private_metadata; input: label, hint; select: options, option
#: text, option value, placeholder; radio buttons: options.
VIEW_TEXT, METADATA, INPUT_LABEL, HINT = 24, 3000, 2000, 2000
OPTIONS, OPTION_TEXT, OPTION_VALUE, PLACEHOLDER, RADIO_OPTIONS = 100, 75, 150, 150, 10


def assert_within_block_kit(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS) -> None:
    assert len(blocks) <= limit, len(blocks)
    assert sum(b["type"] == "data_visualization" for b in blocks) <= CHARTS
    for block in blocks:
        text = block.get("text", {})
        if block["type"] == "header":
            assert len(text["text"]) <= HEADER_CHARS
        if block["type"] == "section":
            assert len(text.get("text", "")) <= SECTION_CHARS
            assert len(block.get("fields", [])) <= FIELDS
            assert all(len(f["text"]) <= FIELD_CHARS for f in block.get("fields", []))
        if block["type"] == "context":
            assert len(block["elements"]) <= CONTEXT_ELEMENTS
        if block["type"] == "context_actions":
            assert 1 <= len(block["elements"]) <= CONTEXT_ACTIONS
        if block["type"] == "data_visualization":
            assert_chart_within_limits(block)
        if block["type"] == "input":
            assert len(block["label"]["text"]) <= INPUT_LABEL
            assert len(block.get("hint", {}).get("text", "")) <= HINT
        elements = [
            *block.get("elements", []),
            *([block["accessory"]] if "accessory" in block else []),
            *([block["element"]] if "element" in block else []),
        ]
        for element in elements:
            _assert_element(element)


def _assert_element(element: dict[str, Any]) -> None:
    if element.get("type") == "button":
        assert len(element["text"]["text"]) <= BUTTON_CHARS
    if element.get("type") == "feedback_buttons":
        for key in ("positive_button", "negative_button"):
            button = element[key]
            assert button["text"]["type"] == "plain_text"
            assert len(button["text"]["text"]) <= FEEDBACK_TEXT
            assert len(button.get("accessibility_label", "")) <= FEEDBACK_TEXT
            assert len(button["value"]) <= FEEDBACK_VALUE
    options = element.get("options", [])
    assert len(options) <= (RADIO_OPTIONS if element.get("type") == "radio_buttons" else OPTIONS)
    for option in options:
        assert len(option["text"]["text"]) <= OPTION_TEXT
        assert len(option["value"]) <= OPTION_VALUE
    assert len(element.get("placeholder", {}).get("text", "")) <= PLACEHOLDER


def assert_chart_within_limits(block: dict[str, Any]) -> None:
    """A data visualization block as its reference page allows (a bar chart here)."""
    assert 1 <= len(block["title"]) <= CHART_TITLE, block["title"]
    chart = block["chart"]
    assert chart["type"] == "bar"
    categories = chart["axis_config"]["categories"]
    assert 1 <= len(categories) <= CHART_POINTS and len(set(categories)) == len(categories)
    assert all(1 <= len(c) <= CHART_LABEL for c in categories)
    for key in ("x_label", "y_label"):
        assert len(chart["axis_config"].get(key, "")) <= CHART_AXIS
    series = chart["series"]
    assert 1 <= len(series) <= CHART_SERIES
    assert len({s["name"] for s in series}) == len(series)
    for one in series:
        assert 1 <= len(one["name"]) <= CHART_LABEL
        assert [point["label"] for point in one["data"]] == categories
        for point in one["data"]:
            value = point["value"]
            assert isinstance(value, int | float) and not isinstance(value, bool)
            assert math.isfinite(value)


def assert_view_within_block_kit(view: dict[str, Any]) -> None:
    """A modal as Slack takes it: its texts, metadata and up to 100 blocks."""
    assert view["type"] == "modal"
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= VIEW_TEXT, view[key]
    assert len(view.get("private_metadata", "")) <= METADATA
    assert_within_block_kit(view["blocks"], VIEW_BLOCKS)
