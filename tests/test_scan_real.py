"""The scanner on real manifests nobody here wrote (tests/scan_corpus/real): exactly the reviewed
findings and skipped documents of tests/scan_corpus/real_expected.yaml, no more and no fewer, on
at least 1,500 resources from at least six public repositories, and every rule either has a real
true positive there or a stated reason it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.base import load
from knowledge.scanner.checks import CHECKS
from knowledge.scanner.scan import Report, Scanner

REAL = Path(__file__).parent / "scan_corpus" / "real"
SOURCES: dict[str, Any] = yaml.safe_load((REAL / "SOURCES.yaml").read_text())
EXPECTED: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "scan_corpus" / "real_expected.yaml").read_text()
)
SCANS = {scan["repository"]: scan for scan in EXPECTED["scans"]}
SCANNER = Scanner(load())


def _base(repository: str) -> Path:
    return REAL / repository.replace("/", "__")


def _scan(source: dict[str, Any]) -> Report:
    base = _base(source["repository"])
    expected = SCANS[source["repository"]]
    documents = [
        (base / name, (base / name).read_text(encoding="utf-8")) for name in source["files"]
    ]
    return SCANNER.scan(documents, scope=expected["context"], assumed=expected["assume_injected"])


@pytest.mark.parametrize("source", SOURCES["repositories"], ids=lambda s: s["repository"])
def test_each_repository_gives_exactly_the_reviewed_findings(source: dict[str, Any]) -> None:
    report = _scan(source)
    base = _base(source["repository"])
    expected = SCANS[source["repository"]]
    found = [
        {
            "rule": f.rule.id,
            "file": str(f.resource.path.relative_to(base)),
            "line": f.line,
            "resource": f.where,
        }
        for f in report.findings
    ]
    skipped = [
        {"file": str(p.path.relative_to(base)), "line": p.line, "message": p.message}
        for p in report.problems
    ]
    assert found == expected["findings"]
    assert skipped == expected["skipped"]
    assert report.resources == expected["resources"]
    assert report.limit is None


def test_the_corpus_is_large_and_varied_enough() -> None:
    assert {s["repository"] for s in SOURCES["repositories"]} == set(SCANS)
    assert len(SCANS) >= 6
    assert sum(scan["resources"] for scan in SCANS.values()) >= 1500
    for source in SOURCES["repositories"]:
        assert source["licence"] == "Apache-2.0" and len(source["commit"]) == 40
        for name in source["files"]:
            assert (_base(source["repository"]) / name).is_file(), name
    assert (REAL / "LICENSE-Apache-2.0.txt").is_file()


def test_every_rule_has_a_real_true_positive_or_a_reason_it_cannot() -> None:
    verdicts = EXPECTED["rules"]
    assert set(verdicts) == set(CHECKS)
    found = {f["rule"] for scan in SCANS.values() for f in scan["findings"]}
    for rule, verdict in verdicts.items():
        if rule in found:
            assert verdict["verdict"].startswith("true positive"), rule
            assert verdict["why"]
        else:
            assert verdict["no_real_positive"], rule
    assert not any("false" in v.get("verdict", "") for v in verdicts.values())


def test_documents_left_unbuilt_could_not_have_changed_a_finding() -> None:
    """The prefilter (``Scanner.needles``) only skips building documents no rule can fire on:
    with it off, every file of the corpus and the written violations give the same findings."""
    everything = Scanner(load())
    everything.needles = None
    for source in SOURCES["repositories"]:
        expected = SCANS[source["repository"]]
        base = _base(source["repository"])
        documents = [(base / n, (base / n).read_text(encoding="utf-8")) for n in source["files"]]
        full = everything.scan(
            documents, scope=expected["context"], assumed=expected["assume_injected"]
        )
        assert [(f.rule.id, f.resource.path, f.line) for f in full.findings] == [
            (f.rule.id, f.resource.path, f.line) for f in _scan(source).findings
        ]
    violations = Path(__file__).parent / "scan_corpus" / "violations.yaml"
    written = [(violations, violations.read_text())]
    assert [(f.rule.id, f.line) for f in everything.scan(written).findings] == [
        (f.rule.id, f.line) for f in SCANNER.scan(written).findings
    ]


def test_a_workload_no_rule_can_fire_on_is_counted_without_being_built() -> None:
    plain = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n"
    broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: [web\n"
    report = SCANNER.scan([(Path("a.yaml"), f"{plain}---\n{broken}")])
    assert report.resources == 1
    assert [p.message.split(" (")[0] for p in report.problems] == ["not valid YAML"]
