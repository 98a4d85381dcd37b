"""Hostile manifests cannot make a scan do unbounded work: alias bombs, Lists nested through
aliases and aliased findings stop at a named limit (a problem, a 422, exit status 6), a scan past
its time budget stops (503, exit status 6), and the event loop keeps serving meanwhile. Honest
anchors and merge keys still scan as before.

No assertion here reads a clock: time budgets run on a fake clock, "the loop is not blocked" is
shown by ordering (the scan waits for /healthz to be answered), and the work of sizing aliases is
counted, not timed. ``pytest.mark.timeout`` is only a guard against a regression that hangs.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.services.scanning import scan_off_loop
from knowledge import yamlfile
from knowledge.base import load
from knowledge.errors import ScanTimeout
from knowledge.scanner import limits as limits_module
from knowledge.scanner.limits import CLI_LIMITS, REQUEST_LIMITS, ScanLimits
from knowledge.scanner.scan import Report, Scanner
from knowledge.yamlfile import Loader
from tests.support.hostile import INJECTED, aliased_findings, billion_laughs, nested_lists
from tests.support.slack_harness import Harness

SCANNER = Scanner(load())
HANG_GUARD = pytest.mark.timeout(120)


def _scan(text: str, limits: ScanLimits = REQUEST_LIMITS) -> Report:
    return SCANNER.scan([(Path("in.yaml"), text)], limits=limits)


# -- the hostile payloads, scanner level ---------------------------------------------------


@HANG_GUARD
def test_a_billion_laughs_name_is_refused_before_it_is_expanded() -> None:
    report = _scan(billion_laughs())
    assert report.limit is not None
    assert report.limit.line == 1
    assert "YAML aliases expand to more than 100,000 nodes" in report.limit.message
    assert report.resources == 0
    assert report.limit in report.problems


@HANG_GUARD
def test_lists_nested_through_aliases_are_refused() -> None:
    for limits in (REQUEST_LIMITS, CLI_LIMITS):
        report = _scan(nested_lists(), limits)
        assert report.limit is not None
        assert "YAML aliases expand to more than" in report.limit.message


def test_lists_nested_deeper_than_the_limit_stop_the_scan_at_that_list() -> None:
    inner = "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}"
    for _ in range(3):
        inner = f"{{apiVersion: v1, kind: List, items: [{inner}]}}"
    report = _scan(f"apiVersion: v1\nkind: List\nitems:\n  - {inner}\n")
    assert report.limit is not None
    assert report.limit.message.startswith("Lists nested more than 2 deep")
    two_deep = _scan(
        "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: List, items: "
        "[{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]}\n"
    )
    assert two_deep.limit is None
    assert two_deep.resources == 1


@HANG_GUARD
def test_one_service_aliased_into_many_findings_is_refused() -> None:
    report = _scan(aliased_findings())
    assert report.limit is not None
    assert report.limit.message.startswith("more than 1,000 YAML aliases")
    assert report.findings == []
    fewer_aliases = _scan(aliased_findings(ports=90, services=90), CLI_LIMITS)
    assert fewer_aliases.limit is None
    assert len(fewer_aliases.findings) == 90 * 90


def test_many_findings_in_one_document_compose_it_once_for_their_lines() -> None:
    """A scanned document keeps its text, not its node tree, and composes the tree again for a
    finding's line: once per document, not once per finding (quadratic on a large one)."""
    ports = "".join(f"  - {{port: {n}}}\n" for n in range(1000, 1800))
    service = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
        f"spec:\n  ports:\n{ports}"
    )
    yamlfile._compose.cache_clear()
    with mock.patch.object(yamlfile, "Loader", wraps=yamlfile.Loader) as loaders:
        report = _scan(INJECTED + service)
    assert [f.line for f in report.findings] == list(range(10, 810))  # one per port
    assert loaders.call_count == 1


def test_findings_past_the_limit_stop_the_scan_with_the_ones_before_it() -> None:
    ports = ",".join(f"{{port: {8000 + n}}}" for n in range(5))
    text = f"{INJECTED}apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: shop}}\n"
    text += f"spec: {{ports: [{ports}]}}\n"
    assert len(_scan(text).findings) == 5
    report = _scan(text, replace(REQUEST_LIMITS, findings=3))
    assert len(report.findings) == 3
    assert report.limit is not None
    assert report.limit.message.startswith("more than 3 findings")


def test_documents_and_resources_past_their_limits_stop_the_scan() -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    text = "---\n".join([config_map] * 5)
    assert _scan(text).resources == 5
    by_documents = _scan(text, replace(REQUEST_LIMITS, documents=2))
    assert by_documents.resources == 2
    assert by_documents.limit is not None
    assert by_documents.limit.message.startswith("more than 2 YAML documents")
    by_resources = _scan(text, replace(REQUEST_LIMITS, resources=4))
    assert by_resources.resources == 4
    assert by_resources.limit is not None
    assert by_resources.limit.message.startswith("more than 4 resources")


def test_alias_uses_past_the_limit_stop_the_scan() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: &n c}\ndata: {a: *n, b: *n, c: *n}\n"
    assert _scan(text).limit is None
    report = _scan(text, replace(REQUEST_LIMITS, aliases=2))
    assert report.limit is not None
    assert report.limit.message.startswith("more than 2 YAML aliases")


def test_a_recursive_alias_skips_its_document_and_the_rest_is_scanned() -> None:
    recursive = "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: c, self: *m}\n"
    fine = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n"
    report = _scan(f"{recursive}---\n{fine}")
    assert report.limit is None
    assert report.resources == 1
    assert [(p.line, p.message) for p in report.problems] == [
        (3, "an anchor contains an alias to itself; skipped")
    ]


def test_anchors_and_merge_keys_in_honest_manifests_scan_as_if_written_out() -> None:
    merged = """apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: shop, labels: &injected {istio-injection: enabled}}
  - apiVersion: v1
    kind: Namespace
    metadata: {name: cart, labels: *injected}
  - apiVersion: v1
    kind: Service
    metadata: &web {name: web, namespace: shop}
    spec:
      ports:
        - &port {port: 8080}
        - {<<: *port, port: 8081}
  - apiVersion: v1
    kind: Service
    metadata: {<<: *web, namespace: cart}
    spec: {ports: [*port]}
"""
    written_out = "\n---\n".join(json.dumps(document) for document in yaml.safe_load_all(merged))
    found, expected = _scan(merged), _scan(written_out)
    assert found.limit is None and found.problems == []
    assert found.resources == 4
    assert sorted((f.rule.id, f.where) for f in found.findings) == sorted(
        (f.rule.id, f.where) for f in expected.findings
    )
    assert len(found.findings) == 5  # the legacy label twice, three unnamed ports


# -- the time budget -----------------------------------------------------------------------


@pytest.fixture
def clock_jumps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget's clock moves a minute each time it is read: any budget runs out at once."""
    ticks = iter(range(0, 10**9, 60))
    monkeypatch.setattr(limits_module, "clock", lambda: float(next(ticks)))


@pytest.mark.usefixtures("clock_jumps")
def test_a_scan_past_its_time_budget_raises_instead_of_reporting() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    with pytest.raises(ScanTimeout, match="longer than 10 s"):
        _scan(text, replace(REQUEST_LIMITS, seconds=10))
    assert _scan(text, replace(REQUEST_LIMITS, seconds=None)).resources == 1


# -- over HTTP -----------------------------------------------------------------------------


def _post(client: TestClient, text: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/scan", content=text.encode(), headers={"content-type": "text/plain"}
    )
    return response.status_code, response.json()


@HANG_GUARD
def test_hostile_payloads_over_http_answer_a_scan_limit_problem(client: TestClient) -> None:
    for payload in (billion_laughs(), nested_lists(), aliased_findings()):
        status, body = _post(client, payload)
        assert status == 422
        assert body["type"] == "urn:meshbot:problem:scan-limit"
        detail = str(body["detail"])
        assert detail.startswith("request.yaml:")
        assert "scan limit reached" in detail
        assert "lol" not in detail and len(detail) < 200  # no echo of the input
    assert client.get("/healthz").status_code == 200


@pytest.mark.usefixtures("clock_jumps")
def test_a_scan_past_its_budget_over_http_answers_503_scan_timeout(client: TestClient) -> None:
    status, body = _post(client, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert status == 503
    assert body["type"] == "urn:meshbot:problem:scan-timeout"
    assert "longer than 10 s" in str(body["detail"])


@HANG_GUARD
def test_healthz_is_served_while_a_scan_runs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan holds still inside its worker until /healthz has been answered. Were the scan
    on the event loop, /healthz could not be answered while it waits, and the wait would end
    only by its guard (``released`` False)."""
    scanning, healthz_answered = threading.Event(), threading.Event()
    released: list[bool] = []
    original = limits_module.Budget.check_time

    def wait_for_healthz(budget: limits_module.Budget) -> None:
        if not released:
            scanning.set()
            released.append(healthz_answered.wait(timeout=60))
        original(budget)

    monkeypatch.setattr(limits_module.Budget, "check_time", wait_for_healthz)
    results: list[int] = []
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    scan = threading.Thread(target=lambda: results.append(_post(client, text)[0]))
    scan.start()
    assert scanning.wait(timeout=60)
    assert client.get("/healthz").status_code == 200
    healthz_answered.set()
    scan.join()
    assert released == [True]
    assert results == [200]


# -- on the command line and in Slack ------------------------------------------------------


@HANG_GUARD
def test_cli_scan_of_stdin_stops_at_a_limit_with_exit_status_6(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for payload in (billion_laughs(), nested_lists()):
        monkeypatch.setattr("sys.stdin", io.StringIO(payload))
        assert main(["scan", "-", "--format", "json"]) == 6
        captured = capsys.readouterr()
        assert "<stdin>:1: YAML aliases expand to more than 400,000 nodes" in captured.err
        skipped = json.loads(captured.out)["skipped"]
        assert skipped[-1]["message"].endswith("scan limit reached; rest of scan skipped")


@pytest.mark.usefixtures("clock_jumps")
def test_cli_scan_past_its_budget_prints_an_error_and_exits_6(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("apiVersion: v1\nkind: ConfigMap\n"))
    assert main(["scan", "-", "--timeout", "10"]) == 6
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "took longer than 10 s and was stopped" in captured.err


@pytest.mark.usefixtures("clock_jumps")
def test_cli_scan_of_your_own_files_has_no_time_budget_unless_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(manifest))
    assert main(["scan", "-"]) == 0
    assert "1 resources scanned" in capsys.readouterr().out


@HANG_GUARD
def test_mesh_scan_of_a_billion_laughs_says_where_it_stopped(bot: Harness) -> None:
    bot.command("scan\n" + billion_laughs())
    text = json.dumps(bot.responded()[0].params.get("blocks", []))
    assert "Stopped early at line 1: YAML aliases expand to more than 100,000 nodes" in text


# -- alias graphs, generated ---------------------------------------------------------------

#: An anchor's items: a scalar (None) or an alias to an earlier anchor, or to itself (recursive).
Graph = list[list[int | None]]


@st.composite
def alias_graphs(draw: st.DrawFn) -> Graph:
    count = draw(st.integers(1, 8))
    return [
        draw(st.lists(st.one_of(st.none(), st.integers(0, index)), min_size=1, max_size=6))
        for index in range(count)
    ]


def _document(graph: Graph, name_alias: int) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "data:"]
    for index, items in enumerate(graph):
        shown = ",".join("x" if item is None else f"*a{item}" for item in items)
        lines.append(f"  a{index}: &a{index} [{shown}]")
    lines.append(f"metadata: {{namespace: n, name: *a{name_alias}}}")
    return "\n".join(lines) + "\n"


LIMITS = replace(REQUEST_LIMITS, aliases=40, alias_nodes=2_000)


@settings(max_examples=150, deadline=None)
@given(graph=alias_graphs(), data=st.data())
def test_any_alias_graph_is_scanned_or_refused_with_linear_sizing_work(
    graph: Graph, data: st.DataObject
) -> None:
    """Whatever the graph, the scan either reads the resource or names the limit it hit (or
    skips a recursive anchor), exactly as the graph's expanded size says; and sizing it visits
    each node as written at most twice, however large the expansion."""
    name_alias = data.draw(st.integers(0, len(graph) - 1))
    text = _document(graph, name_alias)
    recursive = any(item == index for index, items in enumerate(graph) for item in items)
    sizes: list[int] = []
    for items in graph:
        if recursive:
            break
        sizes.append(1 + sum(1 if item is None else sizes[item] for item in items))
    uses = [item for items in graph for item in items if item is not None] + [name_alias]

    written = sum(
        isinstance(event, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent)
        for event in yaml.parse(text, Loader=Loader)
    )
    loader = Loader(text)
    root = loader.get_single_node()
    loader.dispose()
    assert root is not None
    with mock.patch.object(yamlfile, "_children", wraps=yamlfile._children) as listed:
        size = yamlfile.expansion(root)
    assert listed.call_count <= 2 * written
    assert size.unique <= written

    report = _scan(text, LIMITS)
    if recursive:
        assert size.recursive is not None
        assert report.resources == 0
        assert report.problems[0].message == "an anchor contains an alias to itself; skipped"
        return
    alias_nodes = sum(sizes[item] for item in uses)
    assert size.aliases == len(uses)
    assert size.alias_nodes == alias_nodes
    if len(uses) > LIMITS.aliases:
        assert report.limit is not None and "YAML aliases" in report.limit.message
    elif alias_nodes > LIMITS.alias_nodes:
        assert report.limit is not None and "expand to more than" in report.limit.message
    else:
        assert report.limit is None
        assert report.resources == 1


def test_a_scan_whose_budget_went_on_waiting_for_a_thread_is_refused() -> None:
    """The budget counts from arrival: a scan still queued when it runs out is not started."""
    scanner = SCANNER
    manifest = [(Path("in.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")]
    with pytest.raises(ScanTimeout):
        asyncio.run(scan_off_loop(scanner, manifest, seconds=1e-9))
    assert asyncio.run(scan_off_loop(scanner, manifest, seconds=60)).resources == 1
