"""The command line as a person at a terminal meets it: rendered Markdown, tables that fit,
colour only where it can be seen, quiet ends to pipes and Ctrl-C, and diagnostics on stderr."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalog import BROKEN_PIPE, INTERRUPTED
from bot.cli import main

Capture = pytest.CaptureFixture[str]
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _colours(text: str) -> set[int]:
    """The colour parameters (30–49, 90–107) of every SGR escape in ``text``."""
    params = {int(p) for match in _SGR.finditer(text) for p in match.group(1).split(";") if p}
    return {p for p in params if 30 <= p <= 49 or 90 <= p <= 107}


@pytest.mark.parametrize("columns", [80, 120])
def test_the_estimate_table_fits_the_terminal_width(
    columns: int, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    argv = ["estimate", "--pods", "200", "--rps", "1000", "--hops", "8", "--basis", "article"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert any("12,000" in line for line in lines)  # the figures survive the wrapping


def test_piped_output_has_no_escape_codes(capsys: Capture) -> None:
    assert main(["pitfall", "MESH-P002"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_a_terminal_gets_the_severity_and_the_verdict_in_colour(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # what rich does for a TTY, without needing one
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["pitfall", "MESH-P002"]) == 0
    assert _colours(capsys.readouterr().out)
    answers = tmp_path / "answers.yaml"
    answers.write_text("services: 9\nteams: 1\n")
    assert main(["decide", "--answers", str(answers)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Verdict: \x1b\[[0-9;]*31[;m]", out)  # no-mesh in red


def test_no_color_turns_colour_off_even_on_a_terminal(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["pitfall", "MESH-P002"]) == 0
    assert not _colours(capsys.readouterr().out)


def test_a_closed_pipe_ends_the_command_quietly_with_141() -> None:
    reading, writing = os.pipe()
    os.close(reading)  # the reader is gone before the first line: every write fails
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "pitfall", "MESH-P002"],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writing)
    assert done.returncode == BROKEN_PIPE == 141
    assert done.stderr == ""  # no traceback, no "Exception ignored"


def test_ctrl_c_in_decide_ends_quietly_with_130(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    assert main(["decide"]) == INTERRUPTED == 130
    assert "Traceback" not in capsys.readouterr().err


def test_decide_on_a_terminal_loads_readline_for_line_editing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "readline", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "quit")
    main(["decide"])
    assert "readline" in sys.modules


def test_an_unknown_source_is_refused_with_the_known_ones_listed(capsys: Capture) -> None:
    assert main(["estimate", "--pods", "200", "--source", "istio-perf-doc"]) == 2
    err = capsys.readouterr().err
    assert "--source: no figures from 'istio-perf-doc'" in err
    assert "istio-perf-docs" in err and "linkerd-benchmarks" in err


def test_a_known_source_is_still_accepted(capsys: Capture) -> None:
    assert main(["estimate", "--pods", "200", "--source", "istio-perf-docs", "--json"]) == 0


def test_scan_writes_what_it_skipped_to_stderr_and_findings_to_stdout(
    tmp_path: Path, capsys: Capture
) -> None:
    (tmp_path / "bad.yaml").write_text("a: [unclosed\n")
    (tmp_path / "good.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    main(["scan", str(tmp_path)])
    captured = capsys.readouterr()
    assert "(skipped)" in captured.err and "bad.yaml" in captured.err
    assert "(skipped)" not in captured.out and "resources scanned" in captured.out


def test_bracketed_ids_are_printed_as_text_not_read_as_markup(capsys: Capture) -> None:
    assert main(["ask", "sourdough", "bread"]) == 3
    assert re.search(r"\[[a-z]+\.[a-z0-9-]+\]", capsys.readouterr().out)  # e.g. [fact.x]


def test_scan_findings_show_their_severity_in_colour_on_a_terminal_one_line_each(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = Path(__file__).parent / "scan_corpus" / "violations.yaml"
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["scan", str(corpus)])
    coloured = capsys.readouterr().out
    assert re.search(r"violations\.yaml:\d+: \x1b\[[0-9;]*3[13]m(error|warning)\x1b\[0m", coloured)
    monkeypatch.delenv("FORCE_COLOR")
    main(["scan", str(corpus)])
    plain = capsys.readouterr().out
    finding = next(line for line in plain.splitlines() if "violations.yaml:" in line)
    assert len(finding) > 60  # not wrapped at the width: grep sees the whole finding
    assert "\x1b" not in plain
