"""An example for every schema in the OpenAPI document, computed rather than written.

Each example is a real answer of this service: the estimate the engine gives for the article's
200-pod fleet, the verdict for a sample set of answers, runbook MESH-P002 as ``/v1`` returns
it, a search, a problem document. Walking those objects collects one instance of every model
nested inside them, so each component schema (``Range``, ``FigureUsed``, ``Snippet``, …) gets
an example that is consistent with its parents and can never drift from the code: it is
recomputed whenever the document is built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from bot.services.answering import parse_answers, search
from bot.web.answers import AnswerEncoder
from bot.web.models import (
    AnswerIn,
    AskIn,
    AskOut,
    ComparisonOut,
    DecideIn,
    DecideOut,
    DecisionOut,
    Health,
    PitfallOut,
    QuestionOut,
    Ready,
    StartIn,
)
from bot.web.problems import FieldError, Problem
from bot.web.routes.entries import entry_out, listing
from engine.cost import FleetSpec, estimate
from engine.decision import Verdict, next_step
from engine.questions import QUESTIONS
from knowledge import Library

#: Answers that reach a verdict (the decision test's Linkerd case), as a person types them.
SAMPLE_ANSWERS = {
    "services": "about 50",
    "teams": 8,
    "compliance": "yes, PCI-DSS",
    "languages": "Go, Java and Python",
    "canary_everywhere": "no",
    "motivation": "pain we have now",
    "deploy_together": "no",
    "latency_slo_ms": "none",
    "platform_capacity": "not really",
    "main_concern": "simplicity",
    "istio_features": "none",
    "pods": 200,
    "rps_per_pod": 50,
    "call_depth": 4,
}


def _seeds(library: Library) -> list[BaseModel]:
    rules = library.rules
    fleet = FleetSpec(pods=200, rps_per_pod=1000, hops=8)
    answers = parse_answers(SAMPLE_ANSWERS)
    encoder = AnswerEncoder(library)  # the answer as /v1/ask sends it: the others in brief
    verdict = next_step(answers, rules)
    assert isinstance(verdict, Verdict)  # the sample answers every question
    stamp = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
    decided = DecideOut.of(verdict)
    problem = Problem(
        type="urn:meshbot:problem:validation",
        title="The request does not match the API's schema",
        status=422,
        detail="body.pods: Input should be greater than or equal to 1",
        errors=[FieldError(path="body.pods", message="Input should be greater than or equal to 1")],
    )
    return [
        estimate(fleet, rules.cost),
        verdict,
        decided,
        DecideOut.of(QUESTIONS[0]),
        DecideIn(answers={"services": "about 40", "teams": 6}),
        DecisionOut(
            **decided.model_dump(),
            id="5f0c2d9e8b7a4c1d9e3f2a1b0c9d8e7f",
            version=len(answers) + 1,
            answers=answers,
            answered_by=dict.fromkeys(answers, "ada"),
            created_at=stamp,
            updated_at=stamp + dt.timedelta(minutes=12),
            expires_at=stamp + dt.timedelta(days=7),
        ),
        StartIn(started_by="ada"),
        AnswerIn(question_id="services", value="about 40", answered_by="ada", version=1),
        AskIn(question="pods crashloop after injection"),
        *(
            AskOut.model_validate_json(encoder.encode(search(library.searcher, None, question)))
            for question in ("pods crashloop after injection", "mesh sourdough")
        ),
        QuestionOut.of(next(q for q in QUESTIONS if q.choices)),
        entry_out(library, "MESH-P002", "pitfall", PitfallOut),
        entry_out(library, "cmp.istio-vs-linkerd", "comparison", ComparisonOut),
        listing(library, "pitfall", library.kb.pitfalls(), None, ("code", "title", "severity")),
        Health(),
        Ready(knowledge_entries=len(library.kb.entries)),
        problem,
        *(fact.quantity for fact in library.kb.facts() if fact.quantity is not None),
    ]


def _collect(value: object, found: dict[str, Any]) -> None:
    """The first instance of each model class met, dumped as JSON, keyed by class name."""
    if isinstance(value, BaseModel):
        found.setdefault(type(value).__name__, value.model_dump(mode="json"))
        for name in type(value).model_fields:
            _collect(getattr(value, name), found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)


def examples(library: Library) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for seed in _seeds(library):
        _collect(seed, found)
    return found


def add_examples(document: dict[str, Any], library: Library) -> dict[str, Any]:
    """Give each component schema without an example the one computed for its model."""
    computed = examples(library)
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        model = name.removesuffix("-Input").removesuffix("-Output")
        if "example" not in schema and "examples" not in schema and model in computed:
            schema["examples"] = [computed[model]]
    return document
