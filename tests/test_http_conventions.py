"""HTTP conventions: the OpenAPI document describes auth and operations, knowledge routes are
compressed and revalidated cheaply, /metrics has the process series, and logs are joinable."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot import logs
from bot.services.apikeys import new_key
from bot.settings import Settings
from knowledge.library import Library
from tests.support.servers import serve

KNOWLEDGE_ROUTES = [
    "/v1/pitfalls",
    "/v1/pitfalls/MESH-P002",
    "/v1/comparisons",
    "/v1/comparisons/cmp.istio-vs-linkerd",
    "/v1/facts",
    "/v1/sources",
    "/v1/questions",
]


def _operations(client: TestClient) -> list[dict[str, Any]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [op for item in paths.values() for op in item.values()]


def test_the_openapi_document_declares_the_bearer_scheme_on_v1_routes_when_keys_are_on(
    library: Library, tmp_path: Path
) -> None:
    _, hashed = new_key()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.sqlite'}", api_keys=hashed)
    with serve(settings, library) as client:
        document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for op in item.values():
            secured = {"apiKey": []} in op.get("security", [])
            assert secured == path.startswith("/v1"), path


def test_an_open_service_declares_no_security_it_does_not_enforce(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "securitySchemes" not in document.get("components", {})


def test_every_operation_has_an_explicit_id_a_summary_and_a_described_tag(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    described = {t["name"] for t in document["tags"] if t.get("description")}
    ids = [op["operationId"] for op in _operations(client)]
    assert len(ids) == len(set(ids))
    for op in _operations(client):
        # FastAPI's generated ids look like post_estimate_v1_estimate_post
        assert not re.search(r"_(get|post)$", op["operationId"]), op["operationId"]
        assert op["summary"] and op["summary"] != op["operationId"]
        assert set(op["tags"]) <= described


def test_a_missing_key_is_still_a_problem_json_401_with_the_bearer_scheme(
    library: Library, tmp_path: Path
) -> None:
    _, hashed = new_key()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.sqlite'}", api_keys=hashed)
    with serve(settings, library) as client:
        for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
            answer = client.get("/v1/facts", headers=headers)
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["www-authenticate"].startswith("Bearer")


def test_knowledge_routes_are_gzip_compressed_when_asked(client: TestClient) -> None:
    plain = client.get("/v1/facts", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/facts", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.json() == plain.json()  # httpx decoded it: the same entity
    for answer in (plain, zipped):  # a cache keeps the two apart
        assert answer.headers["vary"] == "Accept-Encoding"


def test_small_answers_are_not_compressed(client: TestClient) -> None:
    answer = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in answer.headers


@pytest.mark.parametrize("path", KNOWLEDGE_ROUTES)
def test_a_repeat_with_the_etag_gets_a_304_without_a_body(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get(path, headers={"If-None-Match": f'"other", {etag.removeprefix("W/")}'})
    assert listed.status_code == 304  # weak comparison, any tag of a list


def test_a_stale_etag_gets_the_full_answer(client: TestClient) -> None:
    answer = client.get("/v1/facts", headers={"If-None-Match": 'W/"not-current"'})
    assert answer.status_code == 200 and answer.json()["items"]


def test_the_etag_changes_when_the_knowledge_does(
    client: TestClient, library: Library, org_dir: Any, tmp_path: Path
) -> None:
    from knowledge.library import open_library

    ours = org_dir(
        "facts.yaml",
        "- id: fact.ours\n  title: Our fact\n  topic: ours\n"
        "  claim: We run two clusters.\n  sources: [article]\n  reviewed: 2026-12-01\n",
    )
    other = open_library(tmp_path / "other.sqlite", [ours])
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'o.sqlite'}", api_keys="")
    with serve(settings, other) as changed:
        assert changed.get("/v1/facts").headers["etag"] != client.get("/v1/facts").headers["etag"]


def test_a_304_is_not_given_to_a_caller_without_a_key(library: Library, tmp_path: Path) -> None:
    key, hashed = new_key()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.sqlite'}", api_keys=hashed)
    with serve(settings, library) as client:
        etag = client.get("/v1/facts", headers={"Authorization": f"Bearer {key}"}).headers["etag"]
        assert client.get("/v1/facts", headers={"If-None-Match": etag}).status_code == 401


def test_metrics_carry_the_process_and_python_series(client: TestClient) -> None:
    text = client.get("/metrics").text
    for series in ("process_resident_memory_bytes", "python_info", "python_gc_objects_collected"):
        assert re.search(rf"^{series}", text, re.MULTILINE), series


def _json_lines(handler_stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in handler_stream.getvalue().splitlines()]


@pytest.fixture
def json_log() -> Any:
    """meshbot's logging configuration, writing to a string instead of stderr."""
    logs.setup("INFO")
    stream = io.StringIO()
    for name in ("meshbot", "uvicorn"):
        handler = logging.getLogger(name).handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
    yield stream
    for name in ("meshbot", "uvicorn"):
        logging.getLogger(name).handlers.clear()


def test_every_log_line_of_a_request_carries_its_request_id(
    client: TestClient, json_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.web.models import Health

    def logging_health() -> Health:
        logging.getLogger("meshbot.web").info("inside the route")  # not the access line
        return Health()

    monkeypatch.setattr("bot.web.routes.ops.Health", logging_health)
    client.get("/healthz", headers={"X-Request-ID": "req-42"})
    lines = [line for line in _json_lines(json_log) if line.get("request_id") == "req-42"]
    assert {line["message"] for line in lines} == {"inside the route", "request"}


def test_log_times_are_iso_8601_utc_with_the_zone(json_log: io.StringIO) -> None:
    logging.getLogger("meshbot.test").warning("hello")
    (line,) = _json_lines(json_log)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_traceback_and_any_extra_value_stay_inside_one_json_line(json_log: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("meshbot.test").exception("failed", extra={"big": 2**70, "at": Path("/")})
    (line,) = _json_lines(json_log)
    assert "RuntimeError: boom" in line["exc_info"]
    assert (line["message"], line["big"], line["at"]) == ("failed", 2**70, "/")


def test_uvicorns_coloured_message_never_reaches_the_json_log(json_log: io.StringIO) -> None:
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 7, extra={"color_message": "\x1b[36m%d\x1b[0m"}
    )
    text = json_log.getvalue()
    assert "Started server process [7]" in text
    assert "\x1b" not in text and "\\u001b" not in text and "color_message" not in text


def test_every_schema_in_the_openapi_document_has_an_example(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    missing = [name for name, schema in schemas.items() if not schema.get("examples")]
    assert missing == []


@pytest.mark.parametrize(
    ("path", "schema"),
    [("/v1/estimate", "FleetSpec"), ("/v1/decide", "DecideIn"), ("/v1/ask", "AskIn")],
)
def test_the_request_examples_are_accepted_by_their_routes(
    client: TestClient, path: str, schema: str
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    (example,) = schemas[schema]["examples"]
    assert client.post(path, json=example).status_code == 200


def test_the_estimate_example_is_the_engines_own_answer(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    (example,) = schemas["Estimate"]["examples"]
    computed = client.post("/v1/estimate", json=example["inputs"]).json()
    assert computed == example
