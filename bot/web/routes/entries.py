"""Questions, runbooks, comparison tables, facts and sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from bot.services.answering import search
from bot.web.caching import Conditional
from bot.web.deps import AnswersDep, LibraryDep, ServicesDep
from bot.web.models import AskIn, AskOut, CitedSource, ComparisonOut, Items, PitfallOut
from bot.web.problems import ProblemError
from knowledge import MAX_QUESTION_CHARS, MAX_RESULTS, Library, Miss, gaps, parse_since

router = APIRouter(prefix="/v1", tags=["knowledge"])
Out = TypeVar("Out", PitfallOut, ComparisonOut)
QueryParam = Annotated[
    str | None, Query(max_length=MAX_QUESTION_CHARS, description="Search text (optional).")
]


def entry_out(library: Library, entry_id: str, kind: str, out: type[Out]) -> Out:
    """An entry as stored, with its sources spelled out and any corrections attached."""
    located = library.kb.get(entry_id)
    if located is None or located.kind != kind:
        raise ProblemError(f"{kind}-not-found", f"no {kind} {entry_id!r}")
    return out.model_validate(
        {
            **located.model.model_dump(),
            "sources": [_source(library, s) for s in located.model.sources],
            "corrections": library.kb.corrections_for(entry_id),
        }
    )


def _source(library: Library, source_id: str) -> CitedSource:
    source = library.kb.sources[source_id]
    return CitedSource(
        id=source_id,
        title=source.title,
        publisher=source.publisher,
        url=str(source.url) if source.url else None,
        date=source.date,
    )


def listing(
    library: Library,
    kind: str,
    models: Sequence[BaseModel],
    q: str | None,
    fields: tuple[str, ...],
) -> Items:
    """All ``models`` (the entries of ``kind``), or with ``q`` the confident matches, best first;
    ``fields[0]`` is the entries' key (``code`` or ``id``)."""
    if q is None or not q.strip():
        return Items(items=[{f: getattr(m, f) for f in fields} for m in models])
    by_id = {str(getattr(m, fields[0])): m for m in models}
    answer = library.searcher.search(q, limit=MAX_RESULTS, kinds=frozenset({kind}))
    items = [
        {**{f: getattr(by_id[hit.id], f) for f in fields}, "score": hit.score}
        for hit in answer.results
    ]
    return Items(query=answer.question, items=items)


@router.post("/ask", operation_id="ask", summary="Answer a question", response_model=AskOut)
async def ask(body: AskIn, services: ServicesDep, answers: AnswersDep) -> Response:
    """Answer a question from the knowledge base, or say it does not know. The first result
    comes in full, the others in brief (``full: true`` for all); see bot/web/answers.py."""
    answer = search(services.library.searcher, services.metrics, body.question, body.limit)
    services.misses.keep(answer)
    return Response(answers.encode(answer, body.full), media_type="application/json")


@router.get("/gaps", operation_id="knowledgeGaps", summary="Unanswered questions, grouped")
async def knowledge_gaps(
    library: LibraryDep,
    services: ServicesDep,
    since: Annotated[
        str, Query(pattern=r"^\d{1,4}[dhwDHW]$", description="How far back: 30d, 2w or 12h.")
    ] = "30d",
) -> list[dict[str, Any]]:
    """Unanswered questions and 👎 answers grouped by the closest entry, with what would have
    caught each group (the weekly routine of a knowledge owner; no user ids)."""
    window = parse_since(since)  # the pattern above admits only what this reads
    await services.misses.drain()  # this process's latest misses are written first

    def grouped() -> list[dict[str, Any]]:
        rows = services.feedback.misses_since(dt.datetime.now(dt.UTC) - window)
        found = gaps([Miss(*row) for row in rows], library.searcher)
        return [dataclasses.asdict(gap) for gap in found]

    return await run_in_threadpool(grouped)


@router.get(
    "/pitfalls",
    operation_id="listPitfalls",
    summary="List or search runbooks",
    dependencies=[Conditional],
)
async def pitfalls(library: LibraryDep, q: QueryParam = None) -> Items:
    """Every runbook, or with ``q`` a symptom search (``upstream request timeout``)."""
    fields = ("code", "title", "severity", "summary")
    return listing(library, "pitfall", library.kb.pitfalls(), q, fields)


@router.get(
    "/pitfalls/{code}",
    operation_id="getPitfall",
    summary="Get one runbook",
    dependencies=[Conditional],
)
async def pitfall(code: str, library: LibraryDep) -> PitfallOut:
    """The whole runbook: symptoms, cause, fix, config, detection, verification, sources."""
    return entry_out(library, code.upper(), "pitfall", PitfallOut)


@router.get(
    "/comparisons",
    operation_id="listComparisons",
    summary="List comparison tables",
    dependencies=[Conditional],
)
async def comparisons(library: LibraryDep) -> Items:
    return listing(library, "comparison", library.kb.comparisons(), None, ("id", "title", "as_of"))


@router.get(
    "/comparisons/{comparison_id}",
    operation_id="getComparison",
    summary="Get one comparison table",
    dependencies=[Conditional],
)
async def comparison(comparison_id: str, library: LibraryDep) -> ComparisonOut:
    """Columns, rows, each cell with its source, and the table's ``as_of`` date."""
    return entry_out(library, comparison_id, "comparison", ComparisonOut)


@router.get(
    "/facts",
    operation_id="listFacts",
    summary="List or search facts",
    dependencies=[Conditional],
)
async def facts(library: LibraryDep, q: QueryParam = None) -> Items:
    fields = ("id", "title", "claim", "quantity", "sources")
    return listing(library, "fact", library.kb.facts(), q, fields)


@router.get(
    "/sources",
    operation_id="listSources",
    summary="List cited sources",
    dependencies=[Conditional],
)
async def sources(library: LibraryDep) -> list[CitedSource]:
    return [_source(library, source_id) for source_id in sorted(library.kb.sources)]
