"""The shape of every knowledge file, one pydantic model per kind.

Models are strict (unknown keys are errors) because a misspelt key in a runbook is a silently
missing fix. Cross-references between entries (sources, related ids) are checked by the loader,
which sees all files at once; the models check only what one entry can know about itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from engine.cost import PlaneId
from engine.quantities import Figure, Quantity
from engine.rules import Limit
from engine.versions import AppliesTo, Product, version_key

#: A scan finding's severity, least severe first: the one place the order is written, so
#: ``--fail-on``, ``Report.worst`` and every renderer sort the same way.
Severity = Literal["note", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

Slug = Field(pattern=r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
NonEmpty = Field(min_length=1)


class Entry(BaseModel):
    """What every searchable entry has: a stable id, a title, its sources, the day someone last
    checked it against them, and (where its truth depends on a release) the releases it holds for.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = NonEmpty
    keywords: list[str] = []
    sources: list[str] = Field(min_length=1)
    reviewed: dt.date = Field(description="Last checked against its sources (kb stale reads it).")
    applies_to: list[AppliesTo] = Field(
        [], description="Releases the entry holds for; required when it is version-dependent."
    )


class Source(BaseModel):
    """A document that a figure or claim comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Slug
    title: str = NonEmpty
    publisher: str = NonEmpty
    url: HttpUrl | None = None
    date: dt.date
    note: str | None = None


class Snippet(BaseModel):
    """Config or commands to apply, as a runbook would give them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = NonEmpty
    language: Literal["yaml", "shell", "promql", "json"]
    content: str = NonEmpty


class Affected(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mesh: str = NonEmpty
    versions: str = NonEmpty


class Pitfall(Entry):
    """A production failure pattern and its runbook."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]*-P\d{3}$")
    severity: Literal["critical", "high", "medium", "low"]
    summary: str = NonEmpty
    symptoms: list[str] = Field(min_length=1)
    signals: list[str] = Field(
        min_length=1,
        description="Exact strings an on-call engineer sees: pod states, errors, metric names.",
    )
    affects: list[Affected] = Field(min_length=1)
    cause: str = NonEmpty
    fix: list[str] = Field(min_length=1, description="Ordered steps.")
    config: list[Snippet] = Field(min_length=1)
    detection: list[str] = Field(min_length=1)
    verification: list[str] = Field(min_length=1)
    related: list[str] = []
    planes: list[PlaneId] = Field([], description="Data planes this pitfall can hit.")
    prepare: str | None = Field(None, description="One line: what to do before adopting.")


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Slug
    label: str = NonEmpty
    aliases: list[str] = []


class Cell(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = NonEmpty
    source: str = NonEmpty
    quantity: Quantity | None = None


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = NonEmpty
    cells: dict[str, Cell]


class Comparison(Entry):
    """A table: rows of a labelled dimension, one sourced cell per column."""

    id: str = Slug
    summary: str = NonEmpty
    as_of: dt.date
    row_header: str = NonEmpty
    columns: list[Column] = Field(min_length=2)
    rows: list[Row] = Field(min_length=1)
    notes: list[str] = []

    @model_validator(mode="after")
    def _every_row_fills_every_column(self) -> Self:
        expected = {column.id for column in self.columns}
        for row in self.rows:
            if set(row.cells) != expected:
                missing = sorted(expected - set(row.cells))
                extra = sorted(set(row.cells) - expected)
                raise ValueError(
                    f"row {row.label!r}: cells must match the columns "
                    f"(missing {missing}, unknown {extra})"
                )
        return self


class Criterion(Entry):
    """One of the conditions that, in enough number, justify a mesh."""

    id: str = Slug
    summary: str = NonEmpty
    detail: str = NonEmpty


class AntiPattern(Entry):
    """A situation in which a mesh is not justified, and what to do instead."""

    id: str = Slug
    summary: str = NonEmpty
    detail: str = NonEmpty
    instead: str = NonEmpty


class Threshold(Entry):
    """A rule of the article with the numbers in it."""

    id: str = Slug
    summary: str = NonEmpty
    limits: list[Limit] = []
    version: str | None = None
    released: dt.date | None = None


class DecisionStep(Entry):
    """One step of the article's decision sequence."""

    id: str = Slug
    number: int = Field(ge=1)
    question: str = NonEmpty
    guidance: str = NonEmpty
    stop_when: str | None = None
    thresholds: list[str] = []


class Fact(Entry):
    """Any other claim of the article (or of a primary source), with its figure if it has one."""

    id: str = Slug
    topic: str = NonEmpty
    claim: str = NonEmpty
    quantity: Quantity | None = None


class Correction(Entry):
    """Where a primary source contradicts the article: both claims, and the one to act on."""

    id: str = Slug
    article_claim: str = NonEmpty
    correction: str = NonEmpty
    corrects: list[str] = Field(min_length=1, description="Ids of entries this correction amends.")


class Term(BaseModel):
    """A canonical term and the ways people type it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = NonEmpty
    synonyms: list[str] = Field(min_length=1)


class Price(Entry):
    """A public list price the cost estimate converts resources into money with."""

    id: str = Slug
    resource: Literal["vcpu", "memory-gb"]
    usd_per_month: Figure
    summary: str = NonEmpty


class ScanRule(Entry):
    """A check the manifest scanner runs, tied to the runbook that fixes what it finds."""

    id: str = Field(pattern=r"^[A-Z]+-[A-Z]\d{3}-R\d{2}$")
    pitfall: str | None = Field(None, description="The pitfall whose runbook fixes it.")
    severity: Severity
    summary: str = NonEmpty
    message: str = Field(min_length=1, description="Template: {kind} {namespace} {name} {detail}.")
    kinds: list[str] = Field(min_length=1)
    remediation: str = NonEmpty
    doc: HttpUrl


class Release(BaseModel):
    """One minor release of a product: when it shipped and when its support ends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=r"^\d{1,4}(\.\d{1,4}){1,2}$")
    released: dt.date
    end_of_life: dt.date | None = Field(
        None, description="Last day of upstream support; unset while supported or not announced."
    )
    supported: bool = Field(description="Whether upstream still supports it as of `reviewed`.")
    note: str | None = None

    def eol_on(self, day: dt.date) -> bool:
        """End of life on ``day``: past its announced end date, or (with none announced)
        already unsupported when the list was reviewed."""
        if self.end_of_life is not None:
            return self.end_of_life < day
        return not self.supported


class ProductReleases(BaseModel):
    """The releases of one product that knowledge entries may name in ``applies_to``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Product
    name: str = NonEmpty
    release_every_days: int = Field(
        ge=1,
        le=3650,
        description="How often a new release is expected; kb stale allows this much on top of "
        "--max-age before it calls the list out of date.",
    )
    reviewed: dt.date
    sources: list[str] = Field(min_length=1)
    releases: list[Release] = Field(min_length=1)
    notes: list[str] = []
    end_of_life_caveat: str | None = Field(
        None,
        description="What the upstream end-of-life dates leave out, said with every end-of-life "
        "note (a distribution's kernel is fixed by its vendor long after kernel.org stops).",
    )

    @property
    def newest(self) -> Release:
        return max(self.releases, key=lambda r: r.released)

    def find(self, version: str) -> Release | None:
        key = version_key(version)[:2]
        return next((r for r in self.releases if version_key(r.version)[:2] == key), None)
