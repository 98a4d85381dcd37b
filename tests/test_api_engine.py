"""The engine over HTTP: /v1/estimate, /v1/questions and the stateless /v1/decide."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_estimate_reproduces_the_article(client: TestClient) -> None:
    body = client.post(
        "/v1/estimate", json={"pods": 200, "rps_per_pod": 1000, "hops": 8, "basis": "article"}
    ).json()
    planes = {p["plane"]: p for p in body["planes"]}
    assert set(planes) == {"istio-sidecar", "linkerd", "istio-ambient", "cilium", "none"}
    sidecar = planes["istio-sidecar"]
    assert (sidecar["memory_mb"], sidecar["cpu_vcpu"]) == (12000, 40)
    assert sidecar["latency_ms_per_request"] == {"low": 16, "high": 40}
    assert planes["linkerd"]["memory_mb"] == 3000
    for field in (
        "proxies",
        "monthly_usd",
        "latency_ms_per_hop",
        "fits_slo",
        "assumptions",
        "sources",
    ):
        assert field in sidecar
    assert body["inputs"]["pods"] == 200 and body["control_plane"]


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"pods": 0}, "body.pods"),
        ({"pods": 10, "planes": ["consul"]}, "body.planes.0"),
        ({"pods": "many"}, "body.pods"),
        ({}, "body.pods"),
    ],
)
def test_estimate_bad_input_is_a_problem_with_the_field_path(
    client: TestClient, payload: object, path: str
) -> None:
    response = client.post("/v1/estimate", json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert path in [error["path"] for error in response.json()["errors"]]


def test_questions_list_every_answer_key(client: TestClient) -> None:
    questions = client.get("/v1/questions").json()
    assert questions[0]["id"] == "services"
    assert {"id", "step", "prompt", "help", "type", "choices", "example", "optional"} <= set(
        questions[0]
    )


def test_decide_asks_the_next_question(client: TestClient) -> None:
    body = client.post("/v1/decide", json={"answers": {"services": "about 40"}}).json()
    assert body["status"] == "question"
    assert body["question"]["id"] == "teams"


def test_decide_gives_the_verdict_with_its_reasons(client: TestClient) -> None:
    body = client.post("/v1/decide", json={"answers": {"services": 8, "teams": "one"}}).json()
    assert body["status"] == "verdict"
    verdict = body["verdict"]
    assert (verdict["verdict"], verdict["stopped_at_step"], verdict["plane"]) == (
        "no-mesh",
        1,
        None,
    )
    for field in (
        "alternatives",
        "criteria_met",
        "criteria_count",
        "anti_patterns",
        "reasons",
        "pitfalls",
        "first_steps",
        "estimate",
    ):
        assert field in verdict


def test_decide_reports_every_unreadable_answer(client: TestClient) -> None:
    response = client.post(
        "/v1/decide", json={"answers": {"services": "lots", "colour": "blue", "teams": 3}}
    )
    assert response.status_code == 422
    errors = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert "I need a number" in errors["answers.services"]
    assert errors["answers.colour"] == "unknown question id"
