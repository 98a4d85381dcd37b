"""Errors as RFC 9457 problem details (``application/problem+json``), for every route.

An integration branches on ``type`` (stable), shows ``title``/``detail`` to people, and for
validation failures reads ``errors``: each with the path of the offending field.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import catalog
from bot.services.answering import UnreadableAnswers
from bot.store import SessionNotFound, StoreUnavailable, VersionConflict
from engine.answers import UnreadableAnswer
from knowledge import InvalidQuestion

MEDIA_TYPE = "application/problem+json"
#: Seconds a client should wait before retrying a 503 (the store or readiness).
RETRY_AFTER_S = 5
log = logging.getLogger("meshbot.web")


class FieldError(BaseModel):
    path: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raise anywhere in a route to answer with a problem document; ``kind`` names an entry of
    ``bot/catalog.yaml``, which gives its status and title."""

    def __init__(
        self,
        kind: str,
        detail: str,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail
        self.headers, self.errors = headers or {}, errors


def problem_response(
    kind: str,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status: int | None = None,
) -> JSONResponse:
    """The problem document for catalogued ``kind``; ``status`` only overrides the catalogue
    for ``http-error``, which stands for any status Starlette raises that has no type of its
    own."""
    entry = catalog.problem(kind)
    status = status or entry.status
    body = Problem(type=entry.uri, title=entry.title, status=status, detail=detail, errors=errors)
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=MEDIA_TYPE,
    )


#: What every route may answer besides its success, for the OpenAPI document.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "content": {MEDIA_TYPE: {}},
        "description": HTTPStatus(status).phrase,
    }
    for status in (401, 404, 409, 413, 422, 429, 503)
}


def _path(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


def install(app: FastAPI) -> None:
    """Map every error the app can meet to a problem document; none escapes as a bare 500."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> JSONResponse:
        return problem_response(error.kind, error.detail, error.headers, error.errors)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [FieldError(path=_path(e["loc"]), message=e["msg"]) for e in error.errors()]
        detail = "; ".join(f"{e.path}: {e.message}" for e in errors[:3])
        return problem_response("validation", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug = HTTPStatus(error.status_code).phrase.lower().replace(" ", "-")
        known = {p.type: p.status for p in catalog.catalog().problems}
        kind = slug if known.get(slug) == error.status_code else "http-error"
        headers = dict(error.headers) if error.headers else None
        return problem_response(kind, str(error.detail), headers, status=error.status_code)

    @app.exception_handler(InvalidQuestion)
    async def _question(request: Request, error: InvalidQuestion) -> JSONResponse:
        return problem_response("invalid-question", str(error))

    @app.exception_handler(UnreadableAnswer)
    async def _answer(request: Request, error: UnreadableAnswer) -> JSONResponse:
        return problem_response("unreadable-answer", str(error))

    @app.exception_handler(UnreadableAnswers)
    async def _answers(request: Request, error: UnreadableAnswers) -> JSONResponse:
        errors = [
            FieldError(path=f"answers.{p.question_id}", message=p.message) for p in error.problems
        ]
        detail = "; ".join(f"{e.path}: {e.message}" for e in errors[:3])
        return problem_response("unreadable-answer", detail, errors=errors)

    @app.exception_handler(SessionNotFound)
    async def _missing(request: Request, error: SessionNotFound) -> JSONResponse:
        return problem_response("decision-not-found", str(error))

    @app.exception_handler(VersionConflict)
    async def _conflict(request: Request, error: VersionConflict) -> JSONResponse:
        return problem_response("version-conflict", str(error))

    @app.exception_handler(StoreUnavailable)
    async def _store(request: Request, error: StoreUnavailable) -> JSONResponse:
        log.error("state store unavailable", extra={"error": str(error)})
        detail = "the state store is unavailable; your earlier answers are safe, retry shortly"
        return problem_response("store-unavailable", detail, {"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", extra={"path": request.url.path})
        return problem_response("internal", "an unexpected error; it has been logged")
