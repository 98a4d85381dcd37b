"""Modals: every remaining question of a decision in one form, and the channel to start a
decision in. Each builder returns the view as ``views.open`` takes it, checked against Slack's
limits; each reader turns a ``view_submission`` back into plain values.

Limits relied on (read 2026-12-02 at https://docs.slack.dev/reference/views and the input block
and element pages beside it): a modal holds up to 100 blocks; its title, submit and close texts
24 characters; ``private_metadata`` 3,000; an input's label and hint 2,000; a select's options
100, each option's text 75 and value 150; a radio button group 10 options; a placeholder 150.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.services.answering import UnreadableAnswers, parse_answer
from bot.slack.blocks import MessageTooLarge, context, cut
from bot.slack.ids import ActionId, ViewId
from bot.slack.payloads import FormRef, encode
from engine.answers import MAX_ANSWER_CHARS, Question
from engine.questions import BY_ID

MAX_VIEW_BLOCKS = 100
MAX_LABEL = 2000
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTIONS = 100
MAX_PLACEHOLDER = 150
#: What an answer left empty means, said under each kind of field.
LEFT_EMPTY = {
    "optional": "Leave it empty to skip it.",
    "many": "Leave it empty for none of these.",
    "later": "Leave it empty to be asked in the thread if it comes up.",
}
#: The block of the start form that holds the channel picker.
CHANNEL_BLOCK = "channel"


def decision_form(ref: FormRef, questions: Sequence[Question]) -> dict[str, Any]:
    """The decision's remaining questions (the engine's, in its order), one input each, every
    one optional: an empty field is skipped, means "none of these", or is asked in the
    thread later, as its hint says."""
    blocks: list[Block] = [
        context(
            "Answers are recorded in order, as if given in the thread; a question your answers "
            "make moot is dropped, and one they make relevant is asked in the thread."
        ),
        *(_field(n, q) for n, q in enumerate(questions, 1)),
    ]
    return _modal(ViewId.DECISION_FORM, "Answer the decision", "Record answers", blocks, ref)


def _field(number: int, q: Question) -> InputBlock:
    kind = "optional" if q.optional else "many" if q.type == "many-of" else "later"
    return InputBlock(
        block_id=q.id,
        label=cut(f"{number}. {q.prompt}", MAX_LABEL),
        hint=cut(f"{q.help} {LEFT_EMPTY[kind]}", MAX_LABEL),
        element=_element(q),
        optional=True,
    )


def _element(q: Question) -> InputInteractiveElement:
    choices = [
        Option(text=cut(c.label, MAX_OPTION_TEXT), value=c.value[:MAX_OPTION_VALUE])
        for c in q.choices[:MAX_OPTIONS]
    ]
    placeholder = cut(f"e.g. {q.example}", MAX_PLACEHOLDER)
    if q.type == "integer":
        return NumberInputElement(action_id=ActionId.FIELD, is_decimal_allowed=False)
    if q.type == "yes-no":
        yes_no = [Option(text="Yes", value="yes"), Option(text="No", value="no")]
        return RadioButtonsElement(action_id=ActionId.FIELD, options=yes_no)
    if q.type == "one-of":
        return StaticSelectElement(
            action_id=ActionId.FIELD, placeholder="Pick one", options=choices
        )
    if q.type == "many-of":
        return StaticMultiSelectElement(
            action_id=ActionId.FIELD, placeholder="Pick all that apply", options=choices
        )
    return PlainTextInputElement(
        action_id=ActionId.FIELD, placeholder=placeholder, max_length=MAX_ANSWER_CHARS
    )


#: A field left empty (distinct from an answer of ``None`` or ``[]``).
_EMPTY = object()


@dataclass(frozen=True)
class FormAnswers:
    """A submitted decision form: the replies to record, or what to tell the person."""

    replies: dict[str, object]
    errors: dict[str, str]


def read_decision_form(view: dict[str, Any]) -> FormAnswers:
    """Each field's reply, read by its question's own parser (the one the thread's buttons and
    replies go through), so a bad one is named on its field before anything is recorded. The
    questions are the form's own fields (the view comes back with its blocks), so nothing is
    looked up to read it."""
    questions = [
        BY_ID[block["block_id"]]
        for block in view.get("blocks") or []
        if block.get("type") == "input" and block.get("block_id") in BY_ID
    ]
    values = (view.get("state") or {}).get("values") or {}
    replies: dict[str, object] = {}
    errors: dict[str, str] = {}
    filled = False
    for q in questions:
        reply = _reply(q, (values.get(q.id) or {}).get(ActionId.FIELD) or {})
        if reply is _EMPTY:
            if q.optional or q.type == "many-of":
                replies[q.id] = [] if q.type == "many-of" else None  # none of these; skipped
            continue
        filled = True
        try:
            parse_answer(q.id, reply)
        except UnreadableAnswers as error:
            errors[q.id] = cut(error.problems[0].message, MAX_LABEL)
            continue
        replies[q.id] = reply
    if not filled and questions:
        errors[questions[0].id] = "Answer at least one question, or close the form."
    return FormAnswers(replies, errors)


def _reply(q: Question, state: dict[str, Any]) -> object:
    """What one field holds, as the question's parser reads it; ``_EMPTY`` when nothing."""
    if q.type == "many-of":
        return [o.get("value") for o in state.get("selected_options") or []] or _EMPTY
    if q.type in {"yes-no", "one-of"}:
        chosen = state.get("selected_option") or {}
        return chosen.get("value") or _EMPTY
    text = state.get("value")
    return text if isinstance(text, str) and text.strip() else _EMPTY


def start_form() -> dict[str, Any]:
    """App Home's "Start a decision": the channel (or private channel) to hold its thread."""
    picker = ConversationSelectElement(
        action_id=ActionId.FIELD,
        placeholder="Pick a channel",
        default_to_current_conversation=True,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )
    blocks: list[Block] = [
        InputBlock(
            block_id=CHANNEL_BLOCK,
            label="Where should the team decide?",
            hint="I'll start the thread there. I must be in that channel: /invite @meshbot.",
            element=picker,
        )
    ]
    return _modal(ViewId.START_DECISION, "Start a decision", "Start", blocks, None)


def read_channel(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    chosen = (values.get(CHANNEL_BLOCK) or {}).get(ActionId.FIELD) or {}
    channel = chosen.get("selected_conversation")
    return channel if isinstance(channel, str) and channel else None


def _modal(
    callback: ViewId, title: str, submit: str, blocks: list[Block], ref: FormRef | None
) -> dict[str, Any]:
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise MessageTooLarge(f"{len(blocks)} blocks; a modal takes {MAX_VIEW_BLOCKS}")
    view = View(
        type="modal",
        callback_id=callback,
        title=title,
        submit=submit,
        close="Cancel",
        blocks=blocks,
        private_metadata=encode(ref) if ref is not None else None,
    )
    shown: dict[str, Any] = view.to_dict()  # slack_sdk checks each text and element here
    return shown
