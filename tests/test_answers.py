"""Free-text answers are read as people type them; unreadable ones say what would work."""

from __future__ import annotations

import pytest

from engine.answers import UnreadableAnswer, Value
from engine.questions import BY_ID


@pytest.mark.parametrize(
    ("question", "reply", "value"),
    [
        ("services", "about 40", 40),
        ("services", "40 services", 40),
        ("services", "~40", 40),
        ("services", "1,200", 1200),
        ("services", "1.5k", 1500),
        ("services", "twelve", 12),
        ("services", "a dozen or so", 12),
        ("teams", "just one team", 1),
        ("compliance", "yep", True),
        ("compliance", "Yes, PCI-DSS", True),
        ("compliance", "nope", False),
        ("compliance", "not really", False),
        ("languages", "Go, Java and Python", ["go", "java", "python"]),
        ("languages", "golang + typescript", ["go", "node"]),
        ("languages", "C# and F#", ["dotnet"]),
        ("languages", "Java, Haskell", ["haskell", "java"]),
        ("kernel", "5.15.0-1051-aws", "5.15.0-1051-aws"),
        ("kernel", "uname says 4.19.0-26-amd64", "4.19.0-26-amd64"),
        ("motivation", "we want to be ready", "be-ready"),
        ("motivation", "the pain we have now", "pain-now"),
        ("main_concern", "low overhead", "sidecar-overhead"),
        (
            "istio_features",
            "jwt and external authz",
            ["external-authorization", "jwt-request-authentication"],
        ),
        ("istio_features", "none", []),
        ("latency_slo_ms", "none", None),
        ("latency_slo_ms", "250ms", 250),
        ("pods", "skip", None),
    ],
)
def test_free_text_is_read_as_meant(question: str, reply: str, value: Value) -> None:
    assert BY_ID[question].parse(reply) == value


@pytest.mark.parametrize(
    ("question", "value", "parsed"),
    [
        ("services", 40, 40),
        ("compliance", True, True),
        ("languages", ["Go", "Rust"], ["go", "rust"]),
    ],
)
def test_typed_values_from_json_are_accepted(question: str, value: object, parsed: Value) -> None:
    assert BY_ID[question].parse(value) == parsed


@pytest.mark.parametrize(
    ("question", "reply", "says"),
    [
        ("services", "lots", "I need a number"),
        ("services", "idk", "I need a number"),
        ("services", "15-20", "one number"),
        ("services", "-5", "negative"),
        ("services", "2.5", "whole number"),
        ("services", "", "empty"),
        ("compliance", "idk", "yes or no"),
        ("compliance", "yes and no", "yes or no"),
        ("kernel", "latest", "kernel version"),
        ("kernel", "1999.1", "does not look like"),
        ("motivation", "because", "pick one of"),
        ("languages", "Go, %%%", "I don't know"),
        ("services", True, "whole number"),
        ("compliance", 3, "yes or no"),
    ],
)
def test_unreadable_answers_say_what_is_accepted_with_an_example(
    question: str, reply: object, says: str
) -> None:
    with pytest.raises(UnreadableAnswer) as refused:
        BY_ID[question].parse(reply)
    message = str(refused.value)
    assert says.lower() in message.lower()
    assert "For example:" in message
