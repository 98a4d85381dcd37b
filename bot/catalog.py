"""Problem types and exit codes, read from ``catalog.yaml``: each defined once, as data.

An integration branches on a problem's ``type`` and a script on the exit status, so both are
contracts; keeping them in one file (as istioctl keeps its analyzer messages) means a new one is
added in one place, with its status or meaning beside it, and the README test sees it.
Looking up a name that is not in the catalogue raises ``KeyError`` at import or in the tests,
never a made-up code in production.
"""

from __future__ import annotations

import signal
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

CATALOG = Path(__file__).with_name("catalog.yaml")
PROBLEM_TYPE_PREFIX = "urn:meshbot:problem:"
SIGNALS = frozenset({signal.SIGINT.value, signal.SIGPIPE.value})


class ProblemType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(pattern=r"^[a-z0-9-]+$")
    status: int = Field(ge=400, le=599)
    title: str = Field(min_length=1)

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE_PREFIX + self.type


class ExitCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    code: int = Field(ge=0, le=255)
    meaning: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _outcome_or_signal(cls, code: int) -> int:
        """0–125 are ours to give; above that only 128 + a signal's number, as a shell
        reports a command the signal ended (126 and 127 mean "cannot run" to a shell)."""
        if code > 125 and code - 128 not in SIGNALS:
            raise ValueError(f"{code} is neither 0–125 nor 128 + SIGINT/SIGPIPE")
        return code


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    problems: list[ProblemType]
    exit_codes: list[ExitCode]


@cache
def catalog() -> Catalog:
    """Read at import (the exit codes below), so with libyaml's loader where PyYAML has it:
    the pure-Python one costs every process about 10 ms of its start on this small file."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return Catalog.model_validate(yaml.load(CATALOG.read_text(encoding="utf-8"), Loader=loader))


def problem(kind: str) -> ProblemType:
    """The catalogued problem type ``kind``; ``KeyError`` if it was never catalogued."""
    return {p.type: p for p in catalog().problems}[kind]


def exit_code(name: str) -> int:
    """The exit status called ``name``; ``KeyError`` if it was never catalogued."""
    return {e.name: e.code for e in catalog().exit_codes}[name]


def exit_codes_help() -> str:
    """The exit statuses as every command's ``--help`` ends."""
    lines = [f"  {e.code}  {e.meaning}" for e in catalog().exit_codes]
    return "exit status:\n" + "\n".join(lines)


OK = exit_code("ok")
INVALID_KB = exit_code("invalid-knowledge")
USAGE = exit_code("usage")
NOT_FOUND = exit_code("not-found")
UNAVAILABLE = exit_code("unavailable")
FINDINGS = exit_code("findings")
STOPPED = exit_code("stopped")
INCOMPLETE = exit_code("incomplete")
INTERRUPTED = exit_code("interrupted")
BROKEN_PIPE = exit_code("broken-pipe")
