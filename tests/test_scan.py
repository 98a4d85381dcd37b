"""The manifest scanner finds each rule's pitfall at the right line, nothing on a clean app,
and never fails on input that is not what it expects."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from knowledge import yamlfile
from knowledge.base import load
from knowledge.scanner.checks import CHECKS, duration
from knowledge.scanner.scan import Report, Scanner

CORPUS = Path(__file__).parent / "scan_corpus"
EXPECTED: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "scan_expected.yaml").read_text()
)
SCANNER = Scanner(load())


def _scan(*names: str, ignore: tuple[str, ...] = ()) -> Report:
    documents = [(CORPUS / n, (CORPUS / n).read_text()) for n in names]
    return SCANNER.scan(documents, ignore=ignore)


def test_every_check_has_a_rule_with_a_runbook_or_its_own_doc() -> None:
    assert set(SCANNER.rules) == set(CHECKS)
    for rule in SCANNER.rules.values():
        assert rule.doc and rule.remediation and rule.kinds
        assert rule.pitfall is None or rule.id.startswith(rule.pitfall)


def test_a_clean_mesh_enabled_app_has_no_findings() -> None:
    report = _scan("clean.yaml")
    assert report.resources == 6
    assert report.findings == []
    assert report.problems == []


def test_each_violation_is_found_at_its_line_and_nothing_else() -> None:
    found = [
        {"rule": f.rule.id, "line": f.line, "resource": f.where}
        for f in _scan("violations.yaml").findings
    ]
    assert found == EXPECTED


def test_malformed_and_foreign_documents_are_reported_and_skipped() -> None:
    report = _scan("broken.yaml", "violations.yaml")
    problems = [(p.line, p.message.split(" (")[0].split(";")[0]) for p in report.problems]
    assert problems == [
        (2, "not a Kubernetes resource"),
        (4, "not a Kubernetes resource"),
        (17, "not valid YAML"),
    ]
    assert len(report.findings) == len(EXPECTED)


def test_suppressions_by_annotation_and_per_run() -> None:
    everything = _scan("violations.yaml")
    assert not any(f.resource.name == "quiet" for f in everything.findings)  # annotated
    narrowed = _scan("violations.yaml", ignore=("MESH-P004", "MESH-P001-R01"))
    rules = {f.rule.id for f in narrowed.findings}
    assert not rules & {"MESH-P004-R01", "MESH-P004-R02", "MESH-P001-R01"}
    assert "MESH-P001-R02" in rules


def test_kubectl_lists_and_helm_output_are_read() -> None:
    listed = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "a", "labels": {"istio-injection": "enabled"}},
            }
        ],
    }
    helm = "---\n# Source: app/templates/ns.yaml\n" + yaml.safe_dump(listed["items"][0])
    for text in (yaml.safe_dump(listed), helm):
        report = SCANNER.scan([(Path("out.yaml"), text)])
        assert [f.rule.id for f in report.findings] == ["MESH-P001-R01"]


def _yaml_nodes_alive() -> int:
    yamlfile._compose.cache_clear()  # the last tree composed for a line, kept on purpose
    gc.collect()
    return sum(isinstance(o, yaml.Node) for o in gc.get_objects())


def test_a_report_keeps_no_yaml_node_tree_alive_yet_says_every_line() -> None:
    """Trees kept alive made the garbage collector most of a scan's time; lines are found by
    composing a document again when asked (``ParsedFile``), and still come out right."""
    before = _yaml_nodes_alive()
    report = _scan("violations.yaml")
    assert _yaml_nodes_alive() == before
    found = [{"rule": f.rule.id, "line": f.line, "resource": f.where} for f in report.findings]
    assert found == EXPECTED
    said = [fact.source for f in report.findings for fact in f.because]
    from_resources = [source for source in said if " at " in source]  # not a command-line option
    assert from_resources and all(re.fullmatch(r"\w+/\S+ at \S+:\d+", s) for s in from_resources)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("2m", 120),
        ("87600h", 315360000),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("soon", None),
    ],
)
def test_durations_are_read_as_kubernetes_and_istio_write_them(
    text: str, seconds: float | None
) -> None:
    assert duration(text) == seconds


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_scanned_without_failing(text: str) -> None:
    report = SCANNER.scan([(Path("fuzz.yaml"), text)])
    assert report.resources >= 0


@settings(max_examples=100, deadline=None)
@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "apiVersion",
                        "kind",
                        "metadata",
                        "spec",
                        "name",
                        "labels",
                        "template",
                        "http",
                        "rules",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_any_yaml_shape_is_scanned_without_failing(data: Any) -> None:
    for kind in (
        "Namespace",
        "Deployment",
        "VirtualService",
        "PeerAuthentication",
        "AuthorizationPolicy",
        "PrometheusRule",
    ):
        document = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": "x", "namespace": "n"},
            "spec": data,
        }
        SCANNER.scan([(Path("shape.yaml"), yaml.safe_dump(document))])


def test_cli_text_json_and_sarif_with_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(CORPUS / "clean.yaml")]) == 0
    assert "0 errors" in capsys.readouterr().out
    assert main(["scan", str(CORPUS)]) == 7  # broken.yaml is skipped input
    assert "MESH-X001-R01" in capsys.readouterr().out
    assert main(["scan", str(CORPUS / "violations.yaml")]) == 5
    capsys.readouterr()
    assert (
        main(["scan", str(CORPUS / "violations.yaml"), "--fail-on", "never", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["findings"][0] == {
        "code": "MESH-P001-R01",
        "pitfall": "MESH-P001",
        "severity": "warning",
        "resource": {"kind": "Namespace", "namespace": "", "name": "legacy"},
        "file": str(CORPUS / "violations.yaml"),
        "line": 7,
        "message": data["findings"][0]["message"],
        "remediation": data["findings"][0]["remediation"],
        "doc": "https://istio.io/latest/docs/setup/upgrade/canary/",
        "because": [],
    }
    assert (
        main(["scan", str(CORPUS / "violations.yaml"), "--format", "sarif", "--fail-on", "never"])
        == 0
    )
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {e["rule"] for e in EXPECTED}
    first = run["results"][0]
    assert first["level"] == "warning"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 7


def test_cli_warning_threshold_and_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    only_notes = [
        "--ignore",
        "MESH-P001",
        "--ignore",
        "MESH-P002",
        "--ignore",
        "MESH-P003",
        "--ignore",
        "MESH-P004-R01",
        "--ignore",
        "MESH-P005-R01",
        "--ignore",
        "MESH-X001",
    ]
    assert main(["scan", str(CORPUS / "violations.yaml"), *only_notes]) == 0
    assert main(["scan", str(CORPUS / "violations.yaml"), *only_notes, "--fail-on", "note"]) == 5
    assert main(["scan", "no/such/dir"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_scan_over_http_answers_json_and_sarif(client: TestClient) -> None:
    body = (CORPUS / "violations.yaml").read_bytes()
    headers = {"Content-Type": "application/yaml"}
    data = client.post("/v1/scan", content=body, headers=headers).json()
    assert [f["code"] for f in data["findings"]] == [e["rule"] for e in EXPECTED]
    sarif = client.post(
        "/v1/scan", params={"format": "sarif"}, content=body, headers=headers
    ).json()
    assert sarif["runs"][0]["results"][0]["ruleId"] == "MESH-P001-R01"
    assert client.post("/v1/scan", content=b"\xff\xfe", headers=headers).status_code == 422


#: An injected namespace and a workload whose init container calls out: MESH-P003-R01 unless
#: the stated versions make Istio inject native sidecars.
RACE = (
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    "  labels: {istio.io/rev: stable}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n"
    "  template:\n    spec:\n      initContainers:\n"
    "      - {name: migrate, image: app, command: [./migrate]}\n"
    "      containers: [{name: app, image: app}]\n"
)


def test_cli_stated_versions_decide_native_sidecars_and_bad_ones_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(RACE)
    warn = ["--fail-on", "warning", "--format", "json"]
    assert main(["scan", str(manifest), *warn]) == 5
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["because"][-1].startswith("assumed classic sidecars")
    native = ["--mesh-version", "istio=1.27", "--kubelet-version", "1.33"]
    assert main(["scan", str(manifest), *warn, *native]) == 0
    assert main(["scan", str(manifest), *warn, "--mesh-version", "istio=1.26"]) == 5
    capsys.readouterr()
    for bad in (["--mesh-version", "istio"], ["--kubelet-version", "v1"]):
        assert main(["scan", str(manifest), *bad]) == 2
        assert "is not" in capsys.readouterr().err


def test_scan_over_http_takes_versions_and_refuses_unreadable_ones(client: TestClient) -> None:
    headers = {"Content-Type": "application/yaml"}
    data = client.post("/v1/scan", content=RACE, headers=headers).json()
    assert [f["code"] for f in data["findings"]] == ["MESH-P003-R01"]
    native = {"mesh_version": "istio=1.27", "kubelet_version": "1.33"}
    answer = client.post("/v1/scan", params=native, content=RACE, headers=headers)
    assert answer.status_code == 200 and answer.json()["findings"] == []
    for field, bad in (("mesh_version", "linkerd=2.18"), ("kubelet_version", "latest")):
        refused = client.post("/v1/scan", params={field: bad}, content=RACE, headers=headers)
        assert refused.status_code == 422
        problem = refused.json()
        assert problem["type"] == "urn:meshbot:problem:validation"
        assert [e["path"] for e in problem["errors"]] == [f"query.{field}"]
