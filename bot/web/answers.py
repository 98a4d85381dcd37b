"""``/v1/ask`` answers as JSON bytes, each entry serialised once per process.

An answer is mostly entries, and the entries never change while the process runs: the same
runbook's Markdown and sources were validated and encoded again for every question that found
it, which cost more than the search. Here each entry's JSON is encoded the first time it is
answered and kept (one per entry, so the cache is bounded by the knowledge base, and nothing
about the *question* is cached: every request still searches). A request only encodes its own
question, score and flags, and joins the pieces.

The default answer is lean: the first result in full (answer and sources), the others as id,
kind, title, summary and score, which is what a client shows as "other matches". ``full``
asks for every result in full. ``bot.web.models.AskOut`` describes both shapes, and
tests/test_api_knowledge.py reads the bytes back through it.
"""

from __future__ import annotations

from typing import Any

import orjson

from knowledge import Answer, Hit, Library


def summary_of(model: Any) -> str:
    """An entry's own one-line summary; the kinds without one say it in another field."""
    for name in ("summary", "claim", "correction", "question"):
        text = getattr(model, name, None)
        if isinstance(text, str):
            return text
    return str(model.title)


class AnswerEncoder:
    def __init__(self, library: Library) -> None:
        self._library = library
        #: entry id → (brief fields, full fields), each a JSON object's inside without braces.
        self._fragments: dict[str, tuple[bytes, bytes]] = {}

    def encode(self, answer: Answer, full: bool = False) -> bytes:
        results = b",".join(
            self._result(hit, full or n == 0) for n, hit in enumerate(answer.results)
        )
        head = orjson.dumps(
            {
                "question": answer.question,
                "answered": answer.answered,
                "summary": answer.summary,
                "confident": answer.confident,
                "ambiguous": answer.ambiguous,
                "suggestions": [
                    {"id": s.id, "kind": s.kind, "title": s.title} for s in answer.suggestions
                ],
            }
        )
        return head[:-1] + b',"results":[' + results + b"]}"

    def _result(self, hit: Hit, full: bool) -> bytes:
        fragments = self._fragments.get(hit.id)
        if fragments is None:
            fragments = self._fragments[hit.id] = self._encode_entry(hit)
        return b'{"score":' + orjson.dumps(hit.score) + b"," + fragments[1 if full else 0] + b"}"

    def _encode_entry(self, hit: Hit) -> tuple[bytes, bytes]:
        located = self._library.kb.get(hit.id)
        brief = {
            "id": hit.id,
            "kind": hit.kind,
            "title": hit.title,
            "summary": summary_of(located.model) if located is not None else hit.title,
        }
        whole = {
            **brief,
            "answer": hit.answer,
            "sources": [{"title": s.get("title"), "url": s.get("url")} for s in hit.sources],
        }
        return orjson.dumps(brief)[1:-1], orjson.dumps(whole)[1:-1]
