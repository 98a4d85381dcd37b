"""Every message the bot sends, built with slack_sdk's Block Kit models, and the limits those
models do not check: 50 blocks, 3,000 characters a section, 2,000 a field, ~12,000 in all.
Long answers are split into sections and cut with a "Show more" button, never sent too big.

Limits relied on (read 2026-12-02):
- header text 150 characters: https://docs.slack.dev/reference/block-kit/blocks/header-block
- section text 3,000, fields 10 of 2,000 each; button text 75; context 10 elements:
  https://docs.slack.dev/reference/block-kit/blocks/section-block and the button and context
  block pages beside it (the same figures slack_sdk's models enforce).
- response_url: up to 5 responses within 30 minutes of the interaction, ``response_type``
  ``ephemeral`` (the default) or ``in_channel``, ``replace_original`` to edit the message an
  action came from: https://api.slack.com/interactivity/handling#message_responses
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
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

from bot.slack import charts
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
MAX_HEADER = 150
MAX_FIELDS = 10


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
    shown = sum(data.get("type") == charts.TYPE for data in blocks)
    if shown > charts.MAX_PER_MESSAGE:
        raise MessageTooLarge(f"{shown} charts; Slack takes {charts.MAX_PER_MESSAGE} a message")
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


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary with "…" when too long,
    so a label never ends mid-word ("…when cer")."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if text[limit - 1] != " " and space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:—-") + "…"


def button(
    label: str,
    action_id: str,
    payload: str,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=cut(label, LABEL_CHARS),
        action_id=action_id,
        value=payload,
        style=style,
        confirm=confirm,
    )


def confirm(title: str, text: str, yes: str) -> ConfirmObject:
    """Slack's own "are you sure?" dialog, for a button whose effect cannot be undone."""
    return ConfirmObject(title=title, text=text, confirm=yes, deny="Cancel")


def fields(mrkdwn: Sequence[str]) -> SectionBlock:
    """Up to ten short label/value cells shown two to a row."""
    return SectionBlock(
        fields=[MarkdownTextObject(text=f[:MAX_FIELD]) for f in mrkdwn[:MAX_FIELDS]]
    )


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
    return HeaderBlock(text=PlainTextObject(text=cut(text, MAX_HEADER)))


def divider() -> DividerBlock:
    return DividerBlock()


def actions(*elements: InteractiveElement) -> ActionsBlock:
    return ActionsBlock(elements=list(elements)[:25])


def multi_select(action_id: str, choices: Sequence[tuple[str, str]]) -> StaticMultiSelectElement:
    return StaticMultiSelectElement(
        action_id=action_id,
        placeholder="Pick all that apply",
        options=[Option(text=cut(label, LABEL_CHARS), value=choice) for choice, label in choices],
    )


def single_select(
    action_id: str, placeholder: str, choices: Sequence[tuple[str, str]]
) -> StaticSelectElement:
    return StaticSelectElement(
        action_id=action_id,
        placeholder=placeholder,
        options=[
            Option(text=cut(label, LABEL_CHARS), value=choice) for choice, label in choices[:100]
        ],
    )
