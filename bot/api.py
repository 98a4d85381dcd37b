"""The HTTP API: the contract integrations call, documented at ``/openapi.json``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

from knowledge.errors import InvalidQuestion
from knowledge.library import Library
from knowledge.search import MAX_QUESTION_CHARS


class SourceOut(BaseModel):
    title: str
    url: str | None


class ResultOut(BaseModel):
    id: str
    kind: str
    title: str
    answer: str = Field(description="Markdown.")
    score: float = Field(description="Confidence from 0 to 1.")
    sources: list[SourceOut]


class SuggestionOut(BaseModel):
    id: str
    kind: str
    title: str


class AskIn(BaseModel):
    question: str = Field(
        max_length=MAX_QUESTION_CHARS, examples=["pods crashloop after injection"]
    )
    limit: int = Field(5, ge=1, le=20)


class AskOut(BaseModel):
    question: str
    answered: bool = Field(description="False when no result is confident; see suggestions.")
    results: list[ResultOut]
    suggestions: list[SuggestionOut] = Field(description="Closest topics when not answered.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


def _library(request: Request) -> Library:
    library: Library = request.app.state.library
    return library


LibraryDep = Annotated[Library, Depends(_library)]


def create_app(library: Library) -> FastAPI:
    app = FastAPI(
        title="meshbot",
        version="1",
        summary="Do you actually need a service mesh? And how to fix the one you run.",
    )
    app.state.library = library

    @app.get("/healthz", tags=["operations"])
    def healthz() -> Health:
        return Health()

    @app.post("/v1/ask", tags=["knowledge"])
    def ask(body: AskIn, library: LibraryDep) -> AskOut:
        try:
            answer = library.searcher.search(body.question, limit=body.limit)
        except InvalidQuestion as error:
            raise HTTPException(status_code=422, detail=str(error)) from error
        return AskOut.model_validate(asdict(answer))

    return app
