"""From the knowledge base's Markdown to Slack's mrkdwn, and user text made harmless.

Slack reads ``<...>`` as links, mentions and ``<!channel>`` broadcasts, so every ``&``, ``<``
and ``>`` that is not ours is escaped: text a user typed is echoed, never obeyed.
"""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
_FENCE = re.compile(r"^```[a-z]*$", re.MULTILINE)


def escape(text: str) -> str:
    """Neutralise mentions, broadcasts and links in text from a user or a source."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def from_markdown(markdown: str) -> str:
    """Convert the subset of Markdown the knowledge base writes (bold, links, headings,
    fences, tables) to mrkdwn; everything else is escaped and passed through."""
    out: list[str] = []
    for block in _split_fences(markdown):
        if block.lstrip().startswith("```"):
            body = block.split("\n", 1)[1] if "\n" in block else ""
            out.append("```\n" + escape(body.rstrip("`").rstrip()) + "\n```")
        elif _is_table(block):
            out.append("```\n" + escape(_plain_table(block)) + "\n```")
        else:
            text = escape(block)
            text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
            text = _BOLD.sub(r"*\1*", text)
            text = _HEADING.sub(r"*\1*", text)
            text = re.sub(r"^&gt; ", "> ", text, flags=re.MULTILINE)
            out.append(text)
    return "\n\n".join(out)


def _split_fences(markdown: str) -> list[str]:
    """Paragraphs and fenced code as separate pieces, so code is never reformatted."""
    pieces: list[str] = []
    position = 0
    fences = list(_FENCE.finditer(markdown))
    for opening, closing in zip(fences[::2], fences[1::2], strict=False):
        pieces += _paragraphs(markdown[position : opening.start()])
        pieces.append(markdown[opening.start() : closing.end()])
        position = closing.end()
    pieces += _paragraphs(markdown[position:])
    return pieces


def _paragraphs(text: str) -> list[str]:
    return [part.strip("\n") for part in re.split(r"\n\s*\n", text) if part.strip()]


def _is_table(block: str) -> bool:
    lines = [line for line in block.strip().splitlines() if line.strip()]
    return len(lines) >= 2 and all(line.lstrip().startswith("|") for line in lines)


def _plain_table(block: str) -> str:
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in block.strip().splitlines()
        if line.strip() and not set(line.strip()) <= set("|-: ")
    ]
    return "\n".join(" | ".join(row) for row in rows)
