"""Typed numbers, so that no figure travels without its unit or its source."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Quantity(BaseModel):
    """A single value or a low–high range, always with a unit.

    Ranges are first-class because the article gives most of its figures as ranges
    ("2–5 ms per hop", "10–20 MB"), and collapsing them early would invent precision.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = Field(min_length=1)
    approx: bool = False

    @model_validator(mode="after")
    def _value_or_range(self) -> Self:
        has_range = self.low is not None or self.high is not None
        if self.value is None and not has_range:
            raise ValueError("give either value or low and high")
        if has_range and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is greater than high ({self.high:g})")
        return self

    @property
    def midpoint(self) -> float:
        """The value, or the middle of the range (the article's own habit: 10–20 MB → 15 MB)."""
        if self.value is not None:
            return self.value
        assert self.low is not None and self.high is not None
        return (self.low + self.high) / 2

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high); a single value is its own range."""
        if self.low is not None and self.high is not None:
            return self.low, self.high
        assert self.value is not None
        return self.value, self.value

    def __str__(self) -> str:
        prefix = "~" if self.approx else ""
        if self.low is not None and self.high is not None:
            number = f"{self.low:g}–{self.high:g}"
        else:
            number = f"{self.value:g}"
        return f"{prefix}{number} {self.unit}"


class Figure(Quantity):
    """A quantity with the source that states it.

    ``estimate`` marks a figure the cited source does not state outright but that we derived
    from it; such figures are shown as estimates wherever they are used.
    """

    source: str = Field(min_length=1)
    estimate: bool = False
    note: str | None = None
