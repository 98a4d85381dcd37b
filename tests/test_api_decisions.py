"""Decision conversations over HTTP, on SQLite and PostgreSQL: they survive restarts, and two
answers racing for the same version cannot both win."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.store import DecisionStore, SessionNotFound, VersionConflict
from knowledge.library import Library
from tests.support.servers import serve

CONVERSATION = [
    ("services", "about 50"),
    ("teams", "8 teams"),
    ("compliance", "yes, PCI-DSS"),
    ("languages", "Go, Java and Python"),
    ("canary_everywhere", "no"),
    ("motivation", "pain we have now"),
    ("deploy_together", "no"),
    ("latency_slo_ms", "none"),
    ("platform_capacity", "not really"),
    ("main_concern", "simplicity"),
    ("istio_features", "none"),
    ("pods", "200"),
    ("rps_per_pod", "about 50"),
    ("call_depth", "skip"),
]


def _answer(
    client: TestClient, decision: str, question: str, value: object, **extra: object
) -> dict:  # type: ignore[type-arg]
    response = client.post(
        f"/v1/decisions/{decision}/answers",
        json={"question_id": question, "value": value, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_conversation_runs_end_to_end_to_a_verdict_and_a_record(store_client: TestClient) -> None:
    started = store_client.post("/v1/decisions", json={"started_by": "alice"})
    assert started.status_code == 201
    body = started.json()
    decision = body["id"]
    for question, value in CONVERSATION:
        assert body["status"] == "question" and body["question"]["id"] == question
        body = _answer(store_client, decision, question, value, answered_by="bob")
    assert body["status"] == "verdict"
    assert (body["verdict"]["verdict"], body["verdict"]["plane"]) == ("mesh", "linkerd")
    assert body["answered_by"]["pods"] == "bob"
    assert store_client.get(f"/v1/decisions/{decision}").json()["version"] == body["version"]
    record = store_client.get(f"/v1/decisions/{decision}/adr")
    assert record.headers["content-type"].startswith("text/markdown")
    assert record.text.startswith("# Adopt a service mesh: Linkerd")


def test_a_restart_in_the_middle_loses_nothing(library: Library, database_url: str) -> None:
    settings = Settings(database_url=database_url, api_keys="")
    with serve(settings, library) as before:
        decision = before.post("/v1/decisions").json()["id"]
        _answer(before, decision, "services", "40")
        _answer(before, decision, "teams", 6)
    with serve(settings, library) as after:
        body = after.get(f"/v1/decisions/{decision}").json()
    assert body["answers"] == {"services": 40, "teams": 6}
    assert body["question"]["id"] == "compliance"


def test_answering_a_version_you_did_not_see_is_a_409(store_client: TestClient) -> None:
    body = store_client.post("/v1/decisions").json()
    _answer(store_client, body["id"], "services", 40, version=body["version"])
    stale = store_client.post(
        f"/v1/decisions/{body['id']}/answers",
        json={"question_id": "services", "value": 12, "version": body["version"]},
    )
    assert stale.status_code == 409
    assert stale.json()["type"] == "urn:meshbot:problem:version-conflict"
    assert store_client.get(f"/v1/decisions/{body['id']}").json()["answers"] == {"services": 40}


def test_two_writers_racing_for_one_version_one_wins(database_url: str) -> None:
    store = DecisionStore(database_url, dt.timedelta(hours=1))
    store.migrate()
    session = store.create(None, "test")

    def write(services: int) -> str:
        try:
            store.save(session, {"services": services}, {"services": str(services)}, False)
        except VersionConflict:
            return "conflict"
        return "won"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(write, range(20, 36)))
    assert outcomes.count("won") == 1
    final = store.get(session.id)
    assert final.version == 2
    assert final.answered_by == {"services": str(final.answers["services"])}
    store.dispose()


def test_changing_an_answer_drops_the_ones_it_made_moot(store_client: TestClient) -> None:
    decision = store_client.post("/v1/decisions").json()["id"]
    for question, value in CONVERSATION[:5]:
        _answer(store_client, decision, question, value)
    body = _answer(store_client, decision, "teams", 1)
    body = _answer(store_client, decision, "services", 9)
    assert body["status"] == "verdict"
    assert body["answers"] == {"services": 9, "teams": 1}


def test_an_unreadable_answer_is_a_422_and_changes_nothing(store_client: TestClient) -> None:
    body = store_client.post("/v1/decisions").json()
    response = store_client.post(
        f"/v1/decisions/{body['id']}/answers", json={"question_id": "services", "value": "lots"}
    )
    assert response.status_code == 422
    assert "For example" in response.json()["detail"]
    assert store_client.get(f"/v1/decisions/{body['id']}").json()["version"] == body["version"]


def test_unknown_decision_is_a_404_and_an_unfinished_record_a_409(client: TestClient) -> None:
    assert client.get("/v1/decisions/nope").status_code == 404
    decision = client.post("/v1/decisions").json()["id"]
    response = client.get(f"/v1/decisions/{decision}/adr")
    assert response.status_code == 409
    assert "services" in response.json()["detail"]


def test_expired_conversations_are_gone(database_url: str) -> None:
    store = DecisionStore(database_url, dt.timedelta(seconds=-1))
    store.migrate()
    session = store.create(None, "test")
    with pytest.raises(SessionNotFound):
        store.get(session.id)
    store.dispose()
