"""The HTTP contract integrations rely on: /healthz and /v1/ask."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.api import create_app
from knowledge.library import Library
from tests.evaluation import load_cases, score


@pytest.fixture
def client(library: Library) -> TestClient:
    return TestClient(create_app(library))


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ask_answers_a_symptom_with_the_runbook(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "upstream request timeout on exports"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True
    top = body["results"][0]
    assert top["id"] == "MESH-P004"
    assert top["kind"] == "pitfall"
    assert 0 < top["score"] <= 1
    assert top["sources"] and {"title", "url"} <= set(top["sources"][0])


def test_ask_respects_the_limit(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "istio memory", "limit": 1}).json()
    assert len(body["results"]) == 1


def test_ask_off_topic_is_not_answered_and_suggests_topics(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "what is the capital of france"}).json()
    assert body["answered"] is False
    assert body["results"] == []
    assert body["suggestions"]


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "x" * 10_000},
        {},
        {"question": 42},
        {"question": "a", "limit": 0},
    ],
)
def test_ask_bad_input_is_a_422_with_a_reason(client: TestClient, payload: object) -> None:
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_ask_fts_syntax_is_not_a_server_error(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": 'NEAR( "istio OR *'})
    assert response.status_code == 200


def test_openapi_documents_the_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/healthz", "/v1/ask"} <= set(spec["paths"])
    assert "AskOut" in spec["components"]["schemas"]


def test_ask_over_http_meets_the_accuracy_target_on_the_evaluation_set(
    client: TestClient,
) -> None:
    def ranked(question: str) -> list[str]:
        body = client.post("/v1/ask", json={"question": question, "limit": 3}).json()
        return [result["id"] for result in body["results"]]

    result = score(load_cases(), ranked)
    assert result.top1 >= 0.90, result.misses
    assert result.declined == 1.0
