"""The meshbot command: answers for people, JSON for machines, exit codes for scripts."""

from __future__ import annotations

import json

import pytest

from bot.cli import main

Capture = pytest.CaptureFixture[str]


def test_ask_prints_the_answer_and_its_sources(capsys: Capture) -> None:
    assert main(["ask", "pods", "crashloop", "after", "sidecar", "injection"]) == 0
    out = capsys.readouterr().out
    assert "MESH-P003" in out.splitlines()[0]
    assert "Sources:" in out


def test_ask_json_has_the_api_shape(capsys: Capture) -> None:
    assert main(["ask", "istio vs linkerd", "--json", "--limit", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"question", "answered", "results", "suggestions"}
    assert data["answered"] is True
    assert 1 <= len(data["results"]) <= 2
    assert set(data["results"][0]) == {"id", "kind", "title", "answer", "score", "sources"}


def test_ask_without_a_confident_answer_exits_3_with_closest_topics(capsys: Capture) -> None:
    assert main(["ask", "best sourdough bread recipe"]) == 3
    assert "No confident answer" in capsys.readouterr().out


def test_empty_question_exits_2_with_a_reason(capsys: Capture) -> None:
    assert main(["ask", " "]) == 2
    assert "empty" in capsys.readouterr().err


def test_pitfall_by_code_prints_the_runbook(capsys: Capture) -> None:
    assert main(["pitfall", "MESH-P002"]) == 0
    out = capsys.readouterr().out
    assert "**Fix**" in out
    assert "PeerAuthentication" in out


def test_pitfall_by_symptom_finds_only_pitfalls(capsys: Capture) -> None:
    assert main(["pitfall", "upstream request timeout", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["id"] == "MESH-P004"
    assert {r["kind"] for r in data["results"]} == {"pitfall"}


def test_compare_istio_linkerd_prints_the_table(capsys: Capture) -> None:
    assert main(["compare", "istio", "linkerd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("**Istio vs Linkerd")
    assert "Envoy, written in C++" in out
    assert "Rust" in out


def test_compare_json_has_columns_rows_and_as_of(capsys: Capture) -> None:
    assert main(["compare", "istio", "linkerd", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "cmp.istio-vs-linkerd"
    assert data["as_of"] and data["columns"] and data["rows"]


def test_compare_without_arguments_lists_the_tables(capsys: Capture) -> None:
    assert main(["compare"]) == 0
    assert "cmp.istio-vs-linkerd" in capsys.readouterr().out


def test_compare_unknown_subjects_exits_3(capsys: Capture) -> None:
    assert main(["compare", "consul", "kuma"]) == 3
    assert "No comparison covers consul and kuma" in capsys.readouterr().err


def test_kb_build_builds_once_then_reports_current(capsys: Capture) -> None:
    assert main(["kb", "build", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rebuilt"] is True
    assert main(["kb", "build", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rebuilt"] is False


@pytest.mark.parametrize(
    "command",
    [["serve"], ["ask"], ["pitfall"], ["compare"], ["kb"], ["kb", "check"], ["kb", "build"]],
)
def test_every_command_documents_examples_and_exit_codes(
    command: list[str], capsys: Capture
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out
    assert "exit status" in out


def test_unknown_command_is_a_usage_error(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
