"""Every message the bot sends, built with slack_sdk's Block Kit models, and the limits those
models do not check: 50 blocks, 3,000 characters a section, 2,000 a field, ~12,000 in all.
Long answers are split into sections and cut with a "Show more" button, never sent too big.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    TableBlock,
)

from bot.slack.ids import ActionId
from bot.slack.payloads import MorePayload, encode

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_TOTAL = 12000
SECTION_CHUNK = 2900  # a little under the limit, for the code fences a split has to add
ANSWER_BUDGET = 8000  # leaves room for titles, sources and buttons within MAX_TOTAL
CONTEXT_CHUNK = 1900  # a context element holds MAX_FIELD; a little under, like SECTION_CHUNK
LABEL_CHARS = 70  # a button's label (Slack's limit is 75) with room for a trailing ellipsis


class MessageTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class Message:
    """Blocks plus the plain-text fallback notifications and screen readers use."""

    text: str
    blocks: list[Block]

    def payload(self) -> dict[str, Any]:
        """The message as the Web API takes it, checked against Slack's limits."""
        blocks = [block.to_dict() for block in self.blocks]  # slack_sdk validates each here
        check(self.text, blocks)
        return {"text": self.text, "blocks": blocks}


def check(text: str, blocks: list[dict[str, Any]]) -> None:
    """Refuse a message Slack would reject; slack_sdk checks each element, this checks the rest."""
    if not text.strip():
        raise MessageTooLarge("a message needs a plain-text fallback")
    if len(blocks) > MAX_BLOCKS:
        raise MessageTooLarge(f"{len(blocks)} blocks; Slack takes {MAX_BLOCKS}")
    total = 0
    for data in blocks:
        text = data.get("text", {}).get("text", "") if isinstance(data.get("text"), dict) else ""
        if len(text) > MAX_SECTION:
            raise MessageTooLarge(f"a section of {len(text)} characters; Slack takes {MAX_SECTION}")
        for field in data.get("fields", []):
            if len(field.get("text", "")) > MAX_FIELD:
                raise MessageTooLarge(f"a field over {MAX_FIELD} characters")
        total += _text_length(data)
    if total > MAX_TOTAL:
        raise MessageTooLarge(f"{total} characters of text; Slack takes about {MAX_TOTAL}")


def _text_length(data: Any) -> int:
    if isinstance(data, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else _text_length(v)
            for k, v in data.items()
        )
    if isinstance(data, list):
        return sum(_text_length(item) for item in data)
    return 0


def section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn))


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn[:MAX_FIELD])])


def button(label: str, action_id: str, payload: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=label[:75], action_id=action_id, value=payload, style=style)


def chunks(mrkdwn: str, size: int = SECTION_CHUNK) -> list[str]:
    """Split at paragraph breaks, and inside long code blocks at line breaks (closing and
    reopening the fence), so every piece fits one section and renders on its own."""
    pieces: list[str] = []
    current = ""
    for paragraph in mrkdwn.split("\n\n"):
        for part in _fit(paragraph, size):
            if current and len(current) + 2 + len(part) > size:
                pieces.append(current)
                current = part
            else:
                current = f"{current}\n\n{part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _fit(paragraph: str, size: int) -> list[str]:
    if len(paragraph) <= size:
        return [paragraph]
    fenced = paragraph.startswith("```")
    body = paragraph.strip("`").strip("\n") if fenced else paragraph
    parts: list[str] = []
    current = ""
    limit = size - 8 if fenced else size
    for line in body.split("\n"):
        while len(line) > limit:
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current)
    return [f"```\n{part}\n```" if fenced else part for part in parts]


def long_text(mrkdwn: str, more: str | None, budget: int = ANSWER_BUDGET) -> list[Block]:
    """Sections for a long text; past ``budget`` the rest is offered behind a button."""
    blocks: list[Block] = []
    used = 0
    pieces = chunks(mrkdwn)
    for index, piece in enumerate(pieces):
        if used + len(piece) > budget and blocks:
            if more is not None:
                blocks.append(
                    ActionsBlock(
                        elements=[
                            button(
                                "Show more",
                                ActionId.MORE,
                                encode(MorePayload(entry=more, part=index)),
                            )
                        ]
                    )
                )
            else:
                blocks.append(context("_(cut short: too long for one Slack message)_"))
            break
        blocks.append(section(piece))
        used += len(piece)
    return blocks


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> TableBlock:
    def cell(text: str) -> dict[str, str]:
        return {"type": "raw_text", "text": text[:MAX_FIELD] or "—"}

    return TableBlock(
        rows=[[cell(h) for h in header], *([cell(c) for c in row] for row in rows[:99])],
        column_settings=[{"is_wrapped": True} for _ in header],
    )


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=text[:150]))


def divider() -> DividerBlock:
    return DividerBlock()


def actions(*elements: InteractiveElement) -> ActionsBlock:
    return ActionsBlock(elements=list(elements)[:25])


def multi_select(action_id: str, choices: Sequence[tuple[str, str]]) -> StaticMultiSelectElement:
    return StaticMultiSelectElement(
        action_id=action_id,
        placeholder="Pick all that apply",
        options=[Option(text=label[:75], value=choice) for choice, label in choices],
    )


def single_select(
    action_id: str, placeholder: str, choices: Sequence[tuple[str, str]]
) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=action_id,
        placeholder=placeholder,
        options=[Option(text=label[:75], value=choice) for choice, label in choices[:100]],
    )
