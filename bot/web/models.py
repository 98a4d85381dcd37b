"""Request and response bodies of the HTTP contract that are not the engine's own models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.answers import AnswerType, Question, Value
from engine.decision import Verdict
from knowledge import MAX_QUESTION_CHARS, MAX_RESULTS, Comparison, Correction, Pitfall


class SourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    title: str
    url: str | None


class ResultOut(BaseModel):
    """A result: every one names its entry and summary; the first (or, with ``full``, every
    one) also carries the whole answer and its sources."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str
    summary: str = Field(description="The entry's one-line summary.")
    score: float = Field(description="Confidence from 0 to 1.")
    answer: str | None = Field(
        None, description="Markdown. On the first result, or on every one with full."
    )
    sources: list[SourceOut] | None = Field(
        None, description="On the first result, or on every one with full."
    )


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        max_length=MAX_QUESTION_CHARS,
        pattern=r"\S",
        description="Anything but blank.",
        examples=["pods crashloop after injection"],
    )
    limit: int = Field(5, ge=1, le=MAX_RESULTS)
    full: bool = Field(
        False, description="Every result with its answer and sources, not only the first."
    )


class AskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    question: str
    answered: bool = Field(description="False when no result is confident; see suggestions.")
    summary: str = Field(
        description="One to three sentences that answer first: a runbook's mitigation to apply "
        "now, a computed figure with its basis, the runbooks a generic error could mean, or "
        "'I don't know' with the closest topics and the product's documentation search."
    )
    confident: bool = Field(
        description="True when the first result reaches the calibrated confidence threshold "
        "(answers that confident were right at least 98% of the time on the calibration set); "
        "otherwise the summary starts with 'Probably'."
    )
    ambiguous: bool = Field(
        description="True when the results list every runbook a generic error could mean: "
        "none of them is a confident answer on its own."
    )
    results: list[ResultOut]
    suggestions: list[SuggestionOut] = Field(description="Closest topics when not answered.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    knowledge_entries: int


class CitedSource(BaseModel):
    id: str
    title: str
    publisher: str
    url: str | None
    date: dt.date


class PitfallOut(Pitfall):
    """A runbook as the API returns it: each source spelled out, corrections attached."""

    sources: list[CitedSource]  # type: ignore[assignment]  # ids in the file, cited here
    corrections: list[Correction]


class ComparisonOut(Comparison):
    """A comparison table as the API returns it: each source spelled out, corrections attached."""

    sources: list[CitedSource]  # type: ignore[assignment]  # ids in the file, cited here
    corrections: list[Correction]


class Items(BaseModel):
    """A list of entries; with ``q``, ordered by relevance and carrying each one's score."""

    query: str | None = None
    items: list[dict[str, Any]]


class ChoiceOut(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    id: str
    step: int
    prompt: str
    help: str
    type: AnswerType
    choices: list[ChoiceOut]
    example: str
    optional: bool

    @classmethod
    def of(cls, question: Question) -> QuestionOut:
        return cls(
            id=question.id,
            step=question.step,
            prompt=question.prompt,
            help=question.help,
            type=question.type,
            choices=[ChoiceOut(value=c.value, label=c.label) for c in question.choices],
            example=question.example,
            optional=question.optional,
        )


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        default_factory=dict,
        max_length=64,
        description='Question id → answer, typed (40, true, ["go"]) or as free text.',
        examples=[{"services": "about 40", "teams": 6}],
    )


class DecideOut(BaseModel):
    status: Literal["question", "verdict"]
    question: QuestionOut | None = None
    verdict: Verdict | None = None

    @classmethod
    def of(cls, step: Question | Verdict) -> DecideOut:
        if isinstance(step, Verdict):
            return cls(status="verdict", verdict=step)
        return cls(status="question", question=QuestionOut.of(step))


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_by: str = Field("api", max_length=255)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(max_length=64)
    value: Any = Field(description="Typed or free text, read by the question's parser.")
    answered_by: str = Field("api", max_length=255)
    version: int | None = Field(
        None, description="The version you last saw; a different current version is a 409."
    )


class DecisionOut(DecideOut):
    id: str
    version: int
    answers: dict[str, Value]
    answered_by: dict[str, str]
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
