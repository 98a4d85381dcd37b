"""Blocks as the text a Slack client shows, roughly: what the README's examples are made of, so
they are rendered from the messages the bot really sends and cannot go stale.

mrkdwn markers are dropped (``*bold*``, ``_italic_``, code fences), links show their label,
``<@U…>`` a name, ``<!date^…|fallback>`` a note that the reader sees their own time; buttons show
as ``[label]``, feedback buttons as ``[👍] [👎]``, a chart as its title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
USER = re.compile(r"<@([A-Z0-9]+)>")
CHANNEL = re.compile(r"<#([A-Z0-9]+)>")
DATE = re.compile(r"<!date\^[^|>]+\|[^>]+>")
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
CODE = re.compile(r"`([^`\n]+)`")


def as_text(blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> str:
    lines: list[str] = []
    for block in blocks:
        lines += _block(block, names or {})
    return "\n".join(line.rstrip() for line in lines)


def _block(block: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    kind = block["type"]
    if kind in {"header", "section"} and "text" in block:
        shown = [_plain(block["text"]["text"], names)]
        if "accessory" in block:
            shown[-1] += "  " + _element(block["accessory"])
        return shown
    if kind == "section":
        cells = [_plain(f["text"], names).replace("\n", ": ", 1) for f in block["fields"]]
        return ["        ".join(cells)]
    if kind in {"actions", "context_actions"}:
        return ["  ".join(_element(e) for e in block["elements"])]
    if kind == "context":
        return [" ".join(_plain(e.get("text", ""), names) for e in block["elements"])]
    if kind == "data_visualization":
        return [f"(bar chart: {block['title']})"]
    if kind == "table":
        return [" | ".join(cell["text"] for cell in row) for row in block["rows"]]
    return ["---"] if kind == "divider" else []


def _element(element: dict[str, Any]) -> str:
    if element["type"] == "feedback_buttons":
        return f"[{element['positive_button']['text']['text']}]  " + (
            f"[{element['negative_button']['text']['text']}]"
        )
    if "text" in element:
        return f"[{element['text']['text']}]"
    return f"[{element.get('placeholder', {}).get('text', element['type'])} ▾]"


def _plain(mrkdwn: str, names: Mapping[str, str]) -> str:
    text = mrkdwn.replace("```\n", "  ").replace("\n```", "").replace("```", "")
    text = LINK.sub(r"\2", text)
    text = USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = CHANNEL.sub(r"#\1", text)
    text = DATE.sub("[the date, in each reader's time zone]", text)
    text = BOLD.sub(r"\1", text)
    text = ITALIC.sub(r"\1", text)
    text = CODE.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
