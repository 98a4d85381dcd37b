"""Questions, runbooks, comparison tables, facts and sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from bot import misses
from bot.web.deps import LibraryDep, MetricsDep, StoreDep
from bot.web.models import AskIn, AskOut, CitedSource, Items
from bot.web.problems import ProblemError
from knowledge.gaps import Miss, gaps, parse_since
from knowledge.library import Library
from knowledge.search import MAX_QUESTION_CHARS

router = APIRouter(prefix="/v1", tags=["knowledge"])
QueryParam = Annotated[
    str | None, Query(max_length=MAX_QUESTION_CHARS, description="Search text (optional).")
]


def _entry(library: Library, entry_id: str, kind: str) -> dict[str, Any]:
    """An entry as stored, with its sources spelled out and any corrections attached."""
    located = library.kb.get(entry_id)
    if located is None or located.kind != kind:
        raise ProblemError(404, f"{kind}-not-found", f"no {kind} {entry_id!r}")
    data: dict[str, Any] = located.model.model_dump(mode="json")
    data["sources"] = [_source(library, s).model_dump(mode="json") for s in located.model.sources]
    data["corrections"] = [c.model_dump(mode="json") for c in library.kb.corrections_for(entry_id)]
    return data


def _source(library: Library, source_id: str) -> CitedSource:
    source = library.kb.sources[source_id]
    return CitedSource(
        id=source_id,
        title=source.title,
        publisher=source.publisher,
        url=str(source.url) if source.url else None,
        date=source.date,
    )


def _listing(library: Library, kind: str, q: str | None, fields: tuple[str, ...]) -> Items:
    """All entries of a kind, or (with ``q``) the confident matches, best first."""
    if q is None or not q.strip():
        models = list(library.kb.of_kind(kind))
        return Items(items=[{f: getattr(m, f) for f in fields} for m in models])
    answer = library.searcher.search(q, limit=20, kinds=frozenset({kind}))
    items = []
    for hit in answer.results:
        model = library.kb.entries[hit.id].model
        items.append({**{f: getattr(model, f) for f in fields}, "score": hit.score})
    return Items(query=answer.question, items=items)


@router.post("/ask")
async def ask(body: AskIn, library: LibraryDep, metrics: MetricsDep, store: StoreDep) -> AskOut:
    """Answer a question from the knowledge base, or say it does not know."""
    answer = library.searcher.search(body.question, limit=body.limit)
    metrics.searches.inc()
    if not answer.answered:
        metrics.unanswered.inc()
        await misses.keep(store, answer)
    return AskOut.model_validate(answer)


@router.get("/gaps")
def knowledge_gaps(
    library: LibraryDep,
    store: StoreDep,
    since: Annotated[
        str, Query(pattern=r"^\d{1,4}[dhwDHW]$", description="How far back: 30d, 2w or 12h.")
    ] = "30d",
) -> list[dict[str, Any]]:
    """Unanswered questions and 👎 answers grouped by the closest entry, with what would have
    caught each group (the weekly routine of a knowledge owner; no user ids)."""
    window = parse_since(since)  # the pattern above admits only what this reads
    rows = store.misses_since(dt.datetime.now(dt.UTC) - window)
    found = gaps([Miss(*row) for row in rows], library.searcher)
    return [dataclasses.asdict(gap) for gap in found]


@router.get("/pitfalls")
async def pitfalls(library: LibraryDep, q: QueryParam = None) -> Items:
    """Every runbook, or with ``q`` a symptom search (``upstream request timeout``)."""
    return _listing(library, "pitfall", q, ("code", "title", "severity", "summary"))


@router.get("/pitfalls/{code}")
async def pitfall(code: str, library: LibraryDep) -> dict[str, Any]:
    """The whole runbook: symptoms, cause, fix, config, detection, verification, sources."""
    return _entry(library, code.upper(), "pitfall")


@router.get("/comparisons")
async def comparisons(library: LibraryDep) -> Items:
    return _listing(library, "comparison", None, ("id", "title", "as_of"))


@router.get("/comparisons/{comparison_id}")
async def comparison(comparison_id: str, library: LibraryDep) -> dict[str, Any]:
    """Columns, rows, each cell with its source, and the table's ``as_of`` date."""
    return _entry(library, comparison_id, "comparison")


@router.get("/facts")
async def facts(library: LibraryDep, q: QueryParam = None) -> Items:
    return _listing(library, "fact", q, ("id", "title", "claim", "quantity", "sources"))


@router.get("/sources")
async def sources(library: LibraryDep) -> list[CitedSource]:
    return [_source(library, source_id) for source_id in sorted(library.kb.sources)]
