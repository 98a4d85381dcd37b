"""What a button or menu option carries back, as typed models with one parse function (as
Dispatch's ``dispatch_slack/models.py`` does).

The wire format is compact JSON with short keys (a button value holds at most 2,000 characters)
and stays as it was, so buttons posted by an earlier release still work: each field keeps its
key as an alias. ``encode`` writes a payload; ``parse`` reads the one an action carries, and
refuses anything else with ``InvalidPayload`` rather than a ``KeyError`` deep in a listener.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.answers import Value

#: Slack's limit on a button's value; nothing longer is read.
MAX_VALUE_CHARS = 2000


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class Empty(Payload):
    """A button that needs nothing but its action id (App Home's)."""


class DecisionRef(Payload):
    """A decision, and for "Change" the question whose answer to drop."""

    session: str = Field(alias="s", max_length=64)
    question: str | None = Field(None, alias="q", max_length=64)


class AnswerPayload(DecisionRef):
    """One answer to one question, at the version the person saw."""

    question: str = Field(alias="q", max_length=64)
    value: Value = Field(None, alias="v")
    version: int | None = Field(None, alias="n")


class EntryRef(Payload):
    """A knowledge entry to show."""

    entry: str = Field(alias="e", max_length=64)


class MorePayload(Payload):
    """The next part of a long entry (these keys were spelled out from the start)."""

    entry: str = Field(max_length=64)
    part: int = Field(ge=0, le=100)


class FormRef(Payload):
    """A decision form's ``private_metadata``: the decision, the version the form was built
    at, and the thread to update once it is submitted."""

    session: str = Field(alias="s", max_length=64)
    version: int = Field(alias="n", ge=1)
    channel: str = Field(alias="c", max_length=32)
    thread_ts: str = Field(alias="t", max_length=32)


class FeedbackPayload(EntryRef):
    helpful: bool = Field(alias="h")
    question: str = Field("", alias="q", max_length=1000)


P = TypeVar("P", bound=Payload)


class InvalidPayload(ValueError):
    """An action whose value is not the payload its action id promises."""


def encode(payload: Payload) -> str:
    """A payload as a button's value: compact JSON under its short keys, unset fields left out."""
    return payload.model_dump_json(by_alias=True, exclude_none=True)


def parse(body: dict[str, Any], model: type[P]) -> P:
    """The payload of the action in ``body`` (a button's value, or a select's chosen option)."""
    try:
        action = body["actions"][0]
        raw = action["selected_option"]["value"] if "selected_option" in action else action["value"]
    except (KeyError, IndexError, TypeError) as error:
        raise InvalidPayload("the action carries no value") from error
    return read(raw, model)


def read(raw: object, model: type[P]) -> P:
    """A payload from its wire form (a button's value, a view's ``private_metadata``)."""
    if not isinstance(raw, str) or len(raw) > MAX_VALUE_CHARS:
        raise InvalidPayload("the value is not a short string")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise InvalidPayload(f"not a {model.__name__}: {error.error_count()} problem(s)") from error
