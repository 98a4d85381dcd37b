"""The coded messages a program reads (problem types, exit codes, severities) are defined once
and each is documented in the README, in the style of datasette's docs tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import catalog
from knowledge.schema import SEVERITIES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", catalog.catalog().problems, ids=lambda p: p.type)
def test_every_problem_type_is_in_the_readme_with_its_status(entry: catalog.ProblemType) -> None:
    assert f"| `{entry.type}` | {entry.status} |" in README


@pytest.mark.parametrize("entry", catalog.catalog().exit_codes, ids=lambda e: e.name)
def test_every_exit_code_is_in_the_readme(entry: catalog.ExitCode) -> None:
    assert f"| `{entry.code}` | `{entry.name}` |" in README


def test_every_severity_is_in_the_readme_in_order() -> None:
    listed = re.search(r"Severities, least to most severe: (.+?) \(", README)
    assert listed is not None
    assert re.findall(r"`(\w+)`", listed.group(1)) == list(SEVERITIES)


def test_problem_types_and_exit_codes_are_unique() -> None:
    types = [p.type for p in catalog.catalog().problems]
    codes = [e.code for e in catalog.catalog().exit_codes]
    assert len(types) == len(set(types))
    assert len(codes) == len(set(codes))


def test_an_uncatalogued_problem_type_cannot_be_answered() -> None:
    with pytest.raises(KeyError):
        catalog.problem("made-up")


def test_every_problem_type_the_code_raises_is_catalogued() -> None:
    """Each literal kind passed to ProblemError/problem_response in bot/ names a catalogue entry."""
    known = {p.type for p in catalog.catalog().problems}
    raised: set[str] = set()
    for path in (Path(__file__).parent.parent / "bot").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        raised |= set(re.findall(r'(?:ProblemError|problem_response)\(\s*"([a-z0-9-]+)"', text))
    assert raised, "the pattern found no raise sites"
    assert raised <= known
