"""The meshbot command: answers for people, JSON for machines, exit codes for scripts."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.commands import parser
from bot.settings import Settings

Capture = pytest.CaptureFixture[str]


def test_ask_prints_the_mitigation_first_then_the_runbook_and_its_sources(
    capsys: Capture,
) -> None:
    assert main(["ask", "pods", "crashloop", "after", "sidecar", "injection"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the terminal may wrap long lines
    assert out.index("Apply now:") < out.index("[MESH-P003, confidence") < out.index("Sources:")


def test_ask_json_has_the_api_shape(capsys: Capture) -> None:
    assert main(["ask", "istio vs linkerd", "--json", "--limit", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "question",
        "answered",
        "results",
        "suggestions",
        "summary",
        "ambiguous",
        "confident",
    }
    assert data["answered"] is True
    assert 1 <= len(data["results"]) <= 2
    assert set(data["results"][0]) == {"id", "kind", "title", "answer", "score", "sources"}


def test_ask_without_a_confident_answer_exits_3_with_closest_topics(capsys: Capture) -> None:
    assert main(["ask", "best sourdough bread recipe"]) == 3
    assert "I don't know" in capsys.readouterr().out


def test_empty_question_exits_2_with_a_reason(capsys: Capture) -> None:
    assert main(["ask", " "]) == 2
    assert "empty" in capsys.readouterr().err


def test_pitfall_by_code_prints_the_runbook(capsys: Capture) -> None:
    assert main(["pitfall", "MESH-P002"]) == 0
    out = capsys.readouterr().out
    assert "Fix" in out and "**" not in out  # Markdown rendered, not printed raw
    # the mitigation first (issue 14), then the runbook with its severity
    assert out.startswith("STRICT mTLS") and "Apply now:" in out.split("critical MESH-P002")[0]
    assert "PeerAuthentication" in out


def test_pitfall_by_symptom_finds_only_pitfalls(capsys: Capture) -> None:
    assert main(["pitfall", "upstream request timeout", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["id"] == "MESH-P004"
    assert {r["kind"] for r in data["results"]} == {"pitfall"}


def test_compare_istio_linkerd_prints_the_table(capsys: Capture) -> None:
    assert main(["compare", "istio", "linkerd"]) == 0
    out = capsys.readouterr().out
    validity, _, table = out.partition("\n\n")
    assert validity.startswith("Holds for Istio 1.24 and later; Linkerd 2.18 and later.")
    assert "Reviewed 20" in validity
    assert table.startswith("Istio vs Linkerd") and "| --- |" not in out  # Markdown rendered
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


def _commands() -> list[list[str]]:
    """Every command and subcommand the parser defines, so a new one cannot go undocumented."""
    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(parser(Settings()), [])
    return found


def test_the_cli_has_the_documented_commands() -> None:
    assert {" ".join(c) for c in _commands()} == {
        "serve",
        "ask",
        "pitfall",
        "compare",
        "estimate",
        "decide",
        "scan",
        "apikey",
        "apikey new",
        "db",
        "db migrate",
        "kb",
        "kb check",
        "kb build",
        "kb gaps",
        "kb stale",
    }


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
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


def test_estimate_prints_a_table_reproducing_the_article(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no cell wraps
    argv = ["estimate", "--pods", "200", "--rps", "1000", "--hops", "8", "--basis", "article"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("Per data plane, article figures")
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines() if "  " in line}
    assert "Istio (sidecar mode)" in next(line for line in out.splitlines() if "Linkerd" in line)
    # the sidecar column comes first: its figures open each row
    assert rows["MB used"].split()[2] == "12,000"
    assert rows["vCPU used"].split()[2] == "40.0"
    assert rows["p99 ms/request"].split()[2] == "16–40"
    assert "Assumptions" in out and "Control plane" in out


def test_estimate_json_has_the_contract_fields(capsys: Capture) -> None:
    assert main(["estimate", "--pods", "200", "--planes", "istio-sidecar,none", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"inputs", "basis", "planes", "control_plane", "assumptions"} <= set(data)
    assert [p["plane"] for p in data["planes"]] == ["istio-sidecar", "none"]
    assert {"low", "high"} == set(data["planes"][0]["latency_ms_per_request"])
    assert {"reserved_memory_mb", "reserved_vcpu"} <= set(data["planes"][0])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--pods", "-5"], "--pods: Input should be greater than or equal to 1"),
        (["--pods", "200", "--planes", "consul"], "--planes: Input should be"),
        (["--pods", "200", "--hops", "0"], "--hops"),
    ],
)
def test_estimate_bad_input_exits_2_naming_the_option(
    argv: list[str], says: str, capsys: Capture
) -> None:
    assert main(["estimate", *argv]) == 2
    assert says in capsys.readouterr().err


def test_decide_from_an_answers_file_writes_the_decision_record(
    tmp_path: Path, capsys: Capture
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "services: about 50\nteams: 8\ncompliance: yes, PCI-DSS\nlanguages: Go, Java and Python\n"
        "canary_everywhere: no\nmotivation: pain we have now\ndeploy_together: no\n"
        "latency_slo_ms: none\nplatform_capacity: not really\nmain_concern: simplicity\n"
        "istio_features: none\npods: 200\nrps_per_pod: 50\ncall_depth: 4\n"
    )
    record = tmp_path / "adr.md"
    assert main(["decide", "--answers", str(answers), "--adr", str(record)]) == 0
    assert "Verdict: mesh — Linkerd" in capsys.readouterr().out
    assert record.read_text().startswith("# Adopt a service mesh: Linkerd")


def test_decide_names_the_first_unanswered_question(tmp_path: Path, capsys: Capture) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("services: 40\n")
    assert main(["decide", "--answers", str(answers)]) == 2
    assert "does not answer 'teams'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "says"),
    [("services: lots\n", "services: I need a number"), ("colour: blue\n", "unknown question")],
)
def test_decide_rejects_unreadable_answer_files(
    tmp_path: Path, content: str, says: str, capsys: Capture
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)
    assert main(["decide", "--answers", str(answers)]) == 2
    assert says in capsys.readouterr().err


def test_decide_converses_in_the_terminal_and_goes_back_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    replies = iter(["about 8", "lots", "back", "9 services", "one team"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    assert main(["decide", "--json"]) == 0
    out = capsys.readouterr().out
    assert "I need a number" in out
    data = json.loads(out[out.index("{") :])
    assert data["answers"] == {"services": 9, "teams": 1}
    assert data["verdict"]["verdict"] == "no-mesh"


def test_decide_quit_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt="": "quit")
    assert main(["decide"]) == 3


def test_apikey_new_prints_a_key_and_only_its_hash_for_the_server(capsys: Capture) -> None:
    assert main(["apikey", "new", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["key"].startswith("mb_")
    assert data["MESHBOT_API_KEYS"] == data["hash"]
    assert data["key"] not in data["MESHBOT_API_KEYS"]


def test_db_migrate_creates_the_schema_and_reports_a_store_that_is_down(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    assert main(["db", "migrate"]) == 0
    assert "schema is current" in capsys.readouterr().out
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/meshbot")
    assert main(["db", "migrate"]) == 4
    assert "state store is unavailable" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "tests/scan_corpus/clean.yaml"],
        ["estimate", "--pods", "200"],
        ["decide", "--answers", "ANSWERS"],
    ],
    ids=["scan", "estimate", "decide"],
)
def test_commands_that_never_search_run_with_an_unwritable_home_and_no_index(
    command: list[str], tmp_path: Path
) -> None:
    """A CI runner with a read-only home: no cache directory can be made under a file."""
    answers = tmp_path / "answers.yaml"
    answers.write_text("services: 8\nteams: 1\n")
    unwritable = Path("/dev/null/home")  # a directory under a file: not even root can create it
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MESHBOT_", "XDG_"))},
        "HOME": str(unwritable),
        "DATABASE_URL": f"sqlite:///{unwritable}/state.sqlite",
    }
    argv = [str(answers) if part == "ANSWERS" else part for part in command]
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        env=env,
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "index" not in done.stderr


def test_searching_commands_still_say_when_the_index_cannot_be_built(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("MESHBOT_INDEX_PATH", "/dev/null/index/knowledge.sqlite")
    assert main(["ask", "istio vs linkerd"]) == 4
    assert "index" in capsys.readouterr().err


def test_version_prints_the_installed_version(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"meshbot {version('meshbot')}"
