"""Machine-readable bounds from the article (``services < 15``) and how to test a value
against them. Versions compare part by part, so a kernel of 5.15.0-1051-aws passes ``>= 5.10``."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Op = Literal["<", "<=", ">", ">=", "=="]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
#: Bounded parts, starting at a digit run's first digit: linear in the text, and never a number
#: too long for ``int()``.
_VERSION = re.compile(r"(?<![\d.])\d{1,6}(?:\.\d{1,6}){0,5}")


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading dotted number of a version string: ``5.15.0-1051-aws`` → ``(5, 15, 0)``."""
    found = _VERSION.search(text)
    if found is None:
        raise ValueError(f"no version number in {text!r}; expected something like 5.10")
    return tuple(int(part) for part in found.group().split("."))


class Limit(BaseModel):
    """One bound on one measure; a rule is the conjunction of its limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    op: Op
    value: float | str
    unit: str = Field(min_length=1)

    @model_validator(mode="after")
    def _versions_are_strings(self) -> Self:
        if self.unit == "version" and not isinstance(self.value, str):
            raise ValueError("a version must be quoted, or 5.10 reads as 5.1")
        return self

    def holds(self, given: float | str) -> bool:
        """Whether ``given`` satisfies this bound; raises ValueError when it cannot be compared."""
        compare = _OPS[self.op]
        if self.unit == "version":
            return compare(version_tuple(str(given)), version_tuple(str(self.value)))
        return compare(float(given), float(self.value))

    def __str__(self) -> str:
        return f"{self.measure} {self.op} {self.value} {self.unit}"
