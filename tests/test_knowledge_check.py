"""Validation reports every problem as file:line: message, and refuses to load on any."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from knowledge.base import load
from knowledge.errors import InvalidKnowledgeBase
from knowledge.library import open_library
from knowledge.scanner import registry
from knowledge.scanner.checks import CHECKS
from knowledge.scanner.registry import ROOT_VALIDITY
from knowledge.scanner.scan import Scanner

OrgDir = Callable[[str, str], Path]

VALID_PITFALL = """\
- code: ACME-P001
  title: Payments gateway drops idle connections
  severity: high
  summary: The gateway closes idle upstream connections after 60 s.
  symptoms: [intermittent 503 from payments]
  signals: ["upstream connect error or disconnect/reset before headers"]
  affects: [{mesh: Istio, versions: ">= 1.20"}]
  cause: The gateway's idle timeout is shorter than the client pool's.
  fix: [Lower the client pool idle timeout below 60 s.]
  config:
    - title: Shorter idle timeout
      language: yaml
      content: "idleTimeout: 50s"
  detection: [Alert on 503 rate from payments.]
  verification: [503 rate returns to zero.]
  sources: [article]
  reviewed: 2026-11-01
  applies_to: [{product: istio, since: "1.22"}]
"""


def _problems(extra_dir: Path) -> list[str]:
    with pytest.raises(InvalidKnowledgeBase) as caught:
        load([extra_dir])
    return [str(problem) for problem in caught.value.problems]


def test_builtin_knowledge_base_is_valid() -> None:
    kb = load()
    assert len(kb.entries) > 100
    assert kb.vocabulary


def test_yaml_syntax_error_is_reported_with_file_and_line(org_dir: OrgDir) -> None:
    directory = org_dir(
        "pitfalls.yaml", "- code: ACME-P001\n  title: [unclosed\n  severity: high\n"
    )
    (problem,) = _problems(directory)
    assert problem.startswith(f"{directory / 'pitfalls.yaml'}:")
    assert "invalid YAML" in problem


def test_schema_error_points_at_the_offending_line(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace("severity: high", "severity: apocalyptic")
    directory = org_dir("pitfalls.yaml", broken)
    (problem,) = _problems(directory)
    assert problem.startswith(f"{directory / 'pitfalls.yaml'}:3: pitfall #1 severity:")


def test_missing_required_field_is_named(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace("  fix: [Lower the client pool idle timeout below 60 s.]\n", "")
    (problem,) = _problems(org_dir("pitfalls.yaml", broken))
    assert "pitfall #1 fix: Field required" in problem


def test_unknown_source_is_reported_at_its_line(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace("sources: [article]", "sources: [article, hearsay]")
    directory = org_dir("pitfalls.yaml", broken)
    (problem,) = _problems(directory)
    assert problem == f"{directory / 'pitfalls.yaml'}:16: unknown source 'hearsay'"


def test_unknown_related_entry_is_reported(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL + "  related: [MESH-P999]\n"
    (problem,) = _problems(org_dir("pitfalls.yaml", broken))
    assert "related refers to unknown entry 'MESH-P999'" in problem


def test_duplicate_code_names_the_first_definition(org_dir: OrgDir) -> None:
    directory = org_dir("pitfalls.yaml", VALID_PITFALL + VALID_PITFALL)
    (problem,) = _problems(directory)
    assert "duplicate id 'ACME-P001' (first defined at" in problem
    assert problem.startswith(f"{directory / 'pitfalls.yaml'}:19:")


def test_duplicate_yaml_key_is_not_silently_dropped(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace("  severity: high\n", "  severity: high\n  severity: low\n")
    (problem,) = _problems(org_dir("pitfalls.yaml", broken))
    assert problem.endswith(":4: duplicate key 'severity'")


def test_unquoted_version_is_refused(org_dir: OrgDir) -> None:
    threshold = """\
- id: thr.acme-kernel
  title: Our kernel floor
  summary: Nodes must run 5.10 or later.
  limits: [{measure: kernel-version, op: ">=", value: 5.10, unit: version}]
  sources: [article]
  reviewed: 2026-11-01
"""
    (problem,) = _problems(org_dir("thresholds.yaml", threshold))
    assert "version must be quoted" in problem


def test_number_without_unit_is_refused(org_dir: OrgDir) -> None:
    fact = """\
- id: fact.acme-pods
  topic: cost
  title: Our pod count
  claim: We run 450 pods.
  quantity: {value: 450}
  sources: [article]
  reviewed: 2026-11-01
"""
    (problem,) = _problems(org_dir("facts.yaml", fact))
    assert "quantity.unit: Field required" in problem


def test_unknown_file_name_is_reported(org_dir: OrgDir) -> None:
    (problem,) = _problems(org_dir("runbooks.yaml", "[]"))
    assert "unknown knowledge file name" in problem


def test_file_that_is_not_a_list_is_reported(org_dir: OrgDir) -> None:
    (problem,) = _problems(org_dir("facts.yaml", "id: fact.x\n"))
    assert problem.endswith(":1: expected a list of entries (each starting with '- ')")


def test_binary_file_is_reported_not_crashed_on(org_dir: OrgDir) -> None:
    directory = org_dir("facts.yaml", "")
    (directory / "facts.yaml").write_bytes(b"\xff\xfe\x00junk")
    (problem,) = _problems(directory)
    assert "not UTF-8 text" in problem


def test_missing_knowledge_directory_is_reported(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path / "nowhere")
    assert problem.endswith(":1: knowledge directory does not exist")


def test_every_problem_is_collected_in_one_pass(org_dir: OrgDir) -> None:
    org_dir("pitfalls.yaml", VALID_PITFALL.replace("severity: high", "severity: no"))
    directory = org_dir("facts.yaml", "- id: fact.acme\n")
    assert len(_problems(directory)) >= 2


def test_organisation_pitfall_is_searchable(org_dir: OrgDir, tmp_path: Path) -> None:
    directory = org_dir("pitfalls.yaml", VALID_PITFALL)
    library = open_library(tmp_path / "org.sqlite", [directory])
    answer = library.searcher.search("payments gateway drops idle connections")
    assert answer.answered
    assert answer.results[0].id == "ACME-P001"


def test_kb_check_prints_file_line_message_and_exits_1(
    org_dir: OrgDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = org_dir("pitfalls.yaml", VALID_PITFALL.replace("severity: high", "severity: dire"))
    monkeypatch.setenv("MESHBOT_KNOWLEDGE_DIRS", str(directory))
    assert main(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert f"{directory / 'pitfalls.yaml'}:3: pitfall #1 severity:" in err
    assert "1 problem(s) in the knowledge base" in err


def test_kb_check_passes_on_the_builtin_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check"]) == 0
    assert "knowledge base is valid" in capsys.readouterr().out


def test_service_refuses_to_start_on_invalid_knowledge(
    org_dir: OrgDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = org_dir("facts.yaml", "- id: [broken\n")
    monkeypatch.setenv("MESHBOT_KNOWLEDGE_DIRS", str(directory))
    assert main(["serve", "--port", "1"]) == 1
    assert f"{directory / 'facts.yaml'}:" in capsys.readouterr().err


ORG_RULE = """\
# an organisation's own scan rule
- id: ACME-P001-R01
  title: Payments gateway without an idle timeout
  severity: warning
  summary: The gateway keeps idle connections longer than the client pool.
  message: "{kind} {name}: {detail}"
  kinds: [Gateway]
  remediation: Set an idle timeout below 60 s.
  doc: https://example.com/runbooks/acme-p001
  sources: [article]
  reviewed: 2026-11-01
"""


def test_an_organisation_rule_without_a_check_fails_kb_check_at_its_line(
    org_dir: OrgDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = org_dir("rules.yaml", ORG_RULE)
    monkeypatch.setenv("MESHBOT_KNOWLEDGE_DIRS", str(directory))
    assert main(["kb", "check"]) == 1
    err = capsys.readouterr().err
    assert f"{directory / 'rules.yaml'}:2: scan rule 'ACME-P001-R01' has no check" in err


def test_the_scanner_refuses_a_rule_it_cannot_run_instead_of_dropping_it(org_dir: OrgDir) -> None:
    kb = load([org_dir("rules.yaml", ORG_RULE)])
    with pytest.raises(InvalidKnowledgeBase, match="ACME-P001-R01"):
        Scanner(kb)


def test_a_root_validity_fact_in_a_unit_the_scanner_cannot_read_fails_kb_check(
    org_dir: OrgDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fact = (
        "- id: fact.acme\n  topic: security\n  title: Our root CA\n  claim: Ten of them.\n"
        "  quantity: {value: 10, unit: widgets}\n  sources: [article]\n  reviewed: 2026-11-01\n"
    )
    kb = load([org_dir("facts.yaml", fact)])
    located = kb.entries.pop("fact.acme")
    kb.entries[ROOT_VALIDITY] = located
    (problem,) = registry.problems(kb)
    assert problem.line == 5
    assert "unit 'widgets' is not a duration" in problem.message


def test_a_check_without_a_rule_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHECKS, "MESH-P009-R01", CHECKS["MESH-P001-R01"])
    (problem,) = registry.problems(load())
    assert problem.path.name == "rules.yaml"
    assert "check for 'MESH-P009-R01' but no rule describes it" in problem.message


def test_a_pitfall_without_applies_to_is_refused_as_version_dependent(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace('  applies_to: [{product: istio, since: "1.22"}]\n', "")
    directory = org_dir("pitfalls.yaml", broken)
    (problem,) = _problems(directory)
    assert problem.startswith(f"{directory / 'pitfalls.yaml'}:17: ")
    assert "is version-dependent" in problem and "no applies_to" in problem


def test_a_fact_naming_a_release_needs_applies_to_and_one_that_does_not_is_fine(
    org_dir: OrgDir,
) -> None:
    plain = "- id: fact.acme-a\n  topic: t\n  title: Our mesh\n  claim: We run a mesh.\n"
    plain += "  sources: [article]\n  reviewed: 2026-11-01\n"
    versioned = plain.replace("fact.acme-a", "fact.acme-b").replace(
        "We run a mesh.", "We run Istio 1.24 everywhere."
    )
    (problem,) = _problems(org_dir("facts.yaml", plain + versioned))
    assert "fact 'fact.acme-b' is version-dependent" in problem


def test_a_range_naming_a_release_not_in_releases_yaml_is_refused(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace('since: "1.22"', 'since: "1.99"')
    directory = org_dir("pitfalls.yaml", broken)
    (problem,) = _problems(directory)
    assert problem == (
        f"{directory / 'pitfalls.yaml'}:18: applies_to names Istio 1.99, "
        "which is not a release in releases.yaml"
    )


def test_an_entry_without_a_reviewed_date_is_refused(org_dir: OrgDir) -> None:
    broken = VALID_PITFALL.replace("  reviewed: 2026-11-01\n", "")
    (problem,) = _problems(org_dir("pitfalls.yaml", broken))
    assert "reviewed: Field required" in problem


def test_kb_stale_prints_nothing_on_our_own_data_as_of_2026_12_01(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["kb", "stale", "--as-of", "2026-12-01", "--max-age", "180d"]) == 0
    assert capsys.readouterr().out == ""


def test_kb_stale_lists_old_reviews_and_end_of_life_ranges_and_exits_1(
    org_dir: OrgDir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = VALID_PITFALL.replace("reviewed: 2026-11-01", "reviewed: 2025-01-01").replace(
        '[{product: istio, since: "1.22"}]', '[{product: istio, since: "1.18", until: "1.20"}]'
    )
    directory = org_dir("pitfalls.yaml", old)
    monkeypatch.setenv("MESHBOT_KNOWLEDGE_DIRS", str(directory))
    assert main(["kb", "stale", "--as-of", "2026-12-01"]) == 1
    lines = capsys.readouterr().out.splitlines()
    path = directory / "pitfalls.yaml"
    assert f"{path}:17: ACME-P001: last reviewed 2025-01-01, 699 days before 2026-12-01" in lines
    assert any(
        line.startswith(f"{path}:18: ACME-P001: applies only to Istio 1.18 to 1.20")
        for line in lines
    )
    assert len(lines) == 2


def test_kb_stale_says_when_a_products_release_list_is_out_of_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["kb", "stale", "--as-of", "2028-06-01", "--max-age", "26w"]) == 1
    out = capsys.readouterr().out
    assert "istio: newest listed release 1.31 (2026-08-20) is older than 302 days" in out
    assert "releases.yaml:" in out


def test_kb_stale_refuses_an_age_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["kb", "stale", "--max-age", "half a year"])
    assert exited.value.code == 2


def test_an_organisation_can_add_a_release_its_entries_then_name(org_dir: OrgDir) -> None:
    releases = (
        "- id: istio\n  name: Istio\n  release_every_days: 120\n  reviewed: 2026-12-01\n"
        "  sources: [article]\n  releases:\n"
        "    - {version: '1.32', released: 2026-11-20, supported: true}\n"
    )
    org_dir("releases.yaml", releases)
    directory = org_dir("pitfalls.yaml", VALID_PITFALL.replace('since: "1.22"', 'since: "1.32"'))
    kb = load([directory])
    assert kb.releases["istio"].newest.version == "1.32"
    assert kb.releases["istio"].find("1.31") is not None


def test_a_release_listed_twice_is_refused(org_dir: OrgDir) -> None:
    releases = (
        "- id: istio\n  name: Istio\n  release_every_days: 120\n  reviewed: 2026-12-01\n"
        "  sources: [article]\n  releases:\n"
        "    - {version: '1.31', released: 2026-08-20, supported: true}\n"
    )
    (problem,) = _problems(org_dir("releases.yaml", releases))
    assert problem.endswith("Istio 1.31 is already listed")
