"""Operating the service: readiness, metrics, keys, limits, problem documents and logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.services.apikeys import hash_key, new_key
from bot.settings import Settings
from knowledge.library import Library
from tests.support.servers import serve


def test_healthz_and_readyz_are_ok_on_a_working_store(store_client: TestClient) -> None:
    assert store_client.get("/healthz").json() == {"status": "ok"}
    ready = store_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["knowledge_entries"] > 100


def test_readyz_is_503_naming_the_store_but_no_path_when_it_cannot_be_reached(
    library: Library, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = Settings(database_url=f"sqlite:///{blocker}/state.sqlite", api_keys="")
    with serve(settings, library) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        detail = response.json()["detail"]
        assert detail.startswith("state-store:")
        assert str(tmp_path) not in response.text and "sqlite" not in response.text.lower()
        start = client.post("/v1/decisions")
        assert start.status_code == 503
        assert start.json()["type"] == "urn:meshbot:problem:store-unavailable"


def test_metrics_show_golden_signals_and_meshbots_own_counters(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": "pods crashloop after injection"})
    client.post("/v1/ask", json={"question": "best sourdough recipe"})
    client.post("/v1/decisions")
    text = client.get("/metrics").text
    assert 'meshbot_http_requests_total{method="POST",route="/v1/ask",status="200"} 2.0' in text
    assert (
        'meshbot_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/v1/ask"}'
        in text
    )
    assert "meshbot_searches_unanswered_total 1.0" in text
    assert "meshbot_decisions_started_total 1.0" in text
    assert 'meshbot_knowledge_entries{kind="pitfall"} 5.0' in text


@pytest.fixture
def keyed(library: Library, tmp_path: Path) -> tuple[TestClient, str]:
    key, hashed = new_key()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'keyed.sqlite'}",
        api_keys=hashed,
        rate_limit_per_minute=3,
    )
    return serve(settings, library), key


def test_api_keys_are_required_when_configured(keyed: tuple[TestClient, str]) -> None:
    client, key = keyed
    missing = client.get("/v1/sources")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.get("/v1/sources", headers={"Authorization": "Bearer mb_wrong"})
    assert wrong.status_code == 401
    assert client.get("/v1/sources", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert client.get("/healthz").status_code == 200  # operations stay open


def test_each_key_is_rate_limited_with_retry_after(keyed: tuple[TestClient, str]) -> None:
    client, key = keyed
    headers = {"Authorization": f"Bearer {key}"}
    statuses = [client.get("/v1/questions", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/v1/questions", headers=headers)
    assert int(limited.headers["retry-after"]) >= 1


def test_a_configured_key_is_a_hash_not_the_key() -> None:
    key, hashed = new_key()
    assert hashed == hash_key(key) and key not in hashed
    assert hashed.startswith("sha256:")


def test_an_oversized_body_is_a_413_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/ask",
        content=b'{"question": "' + b"a" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_deeply_nested_json_is_refused_before_parsing(client: TestClient) -> None:
    body = b'{"answers": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post("/v1/decide", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize(
    "body", [b"\xff\xfe\xfa not utf-8", b'{"question": "\xc3\x28"}', b"{", b"null", b"[]"]
)
def test_malformed_bodies_are_client_errors_not_500s(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


def test_request_ids_are_echoed_and_invented_when_unsafe(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "evil\r\nSet-Cookie: x"})
    assert unsafe.headers["x-request-id"] != "evil\r\nSet-Cookie: x"
    assert len(unsafe.headers["x-request-id"]) == 32


def test_access_logs_carry_the_request_and_never_the_key(
    keyed: tuple[TestClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, key = keyed
    with caplog.at_level(logging.INFO, logger="meshbot"):
        client.get("/v1/sources", headers={"Authorization": f"Bearer {key}", "X-Request-ID": "r-1"})
    records = [r for r in caplog.records if r.name == "meshbot.access"]
    assert records and records[-1].__dict__["request_id"] == "r-1"
    assert records[-1].__dict__["route"] == "/v1/sources"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert key not in logged


def test_readyz_is_503_when_the_store_answers_reads_but_refuses_writes(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite"
    writable = Settings(database_url=f"sqlite:///{path}", api_keys="")
    with serve(writable, library) as client:
        assert client.get("/readyz").status_code == 200
    read_only = Settings(database_url=f"sqlite:///file:{path}?mode=ro&uri=true", api_keys="")
    with serve(read_only, library) as client:
        assert client.get(f"/v1/decisions/{'0' * 32}").status_code == 404  # reads still work
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["detail"].startswith("state-store:")


def test_readyz_recovers_by_itself_when_the_store_comes_back(
    library: Library, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-yet"
    blocker.write_text("")  # the store's directory cannot be created while this file is here
    settings = Settings(database_url=f"sqlite:///{blocker}/state.sqlite", api_keys="")
    with serve(settings, library) as client:
        assert client.get("/readyz").status_code == 503
        blocker.unlink()
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/decisions").status_code == 201
