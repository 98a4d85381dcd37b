"""Nothing a scan is given is skipped in silence: a stream is split per document, a broken
document is reported and the rest scanned, a run that skipped input or scanned nothing fails,
SARIF records it and validates against the official 2.1.0 schema, and the README's CI recipe
fails on a broken render."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot import version
from bot.cli import main
from knowledge.base import load
from knowledge.scanner.limits import CLI_LIMITS, Budget
from knowledge.scanner.report import as_sarif
from knowledge.scanner.resources import STDIN, read
from knowledge.scanner.scan import Report, Scanner

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
SCANNER = Scanner(load())

INJECTED = (
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    "  labels: {istio-injection: enabled}\n"
)
SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\n"
    "spec:\n  ports: [{port: 5432}]\n"
)
BROKEN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n"


def _scan(text: str, path: Path = Path("render.yaml")) -> Report:
    return SCANNER.scan([(path, text)])


def test_a_broken_document_is_reported_at_its_line_and_the_rest_of_the_stream_is_scanned() -> None:
    report = _scan("---\n".join([INJECTED, BROKEN, SERVICE]))
    assert report.resources == 2
    assert [(p.line, p.message.split(" (")[0]) for p in report.problems] == [(9, "not valid YAML")]
    finding = report.findings[-1]
    assert (finding.rule.id, finding.resource.name, finding.line) == ("MESH-X002-R01", "db", 15)


@pytest.mark.parametrize("value", ["2002-13-45", "2001-12-14 25:00:00", "0x_", "0b_"])
def test_a_value_yaml_cannot_build_skips_its_document_and_the_rest_is_scanned(value: str) -> None:
    """A 13th month or a hexadecimal number with no digit resolves as a timestamp or an integer
    that PyYAML then fails to build: that document is skipped, not the scan (it raised)."""
    odd = f"apiVersion: v1\nkind: Service\nmetadata: {{name: odd}}\nspec: {{x: {value}}}\n"
    for plain in (True, False):  # built from events, or composed (an anchor sends it there)
        document = odd if plain else odd.replace("spec:", "spec: &s")
        report = _scan("---\n".join([INJECTED, document, SERVICE]))
        assert report.resources == 2
        assert [(p.line, p.message.split(" (")[0]) for p in report.problems] == [
            (7, "not valid YAML")  # the document's first line: the error has no mark
        ]
        assert [f.resource.name for f in report.findings][-1] == "db"


def test_separators_are_cut_as_kubectl_cuts_them() -> None:
    """ "--- # comment" separates documents; "---x: 1" is a key of the document it is in."""
    problems: list[Any] = []
    text = f"{INJECTED}--- # next\n{SERVICE}---x: 1\n"
    resources = list(read(Path("r.yaml"), text, problems, Budget(CLI_LIMITS)))
    assert problems == []
    assert [r.kind for r in resources] == ["Namespace", "Service"]
    assert resources[1].data["---x"] == 1
    assert resources[1].line("spec", "ports") == 11


def test_an_empty_or_foreign_input_is_incomplete_not_clean() -> None:
    for text in ("", "# nothing\n", "Error: accumulating resources: missing kustomization\n"):
        report = _scan(text)
        assert report.incomplete and report.findings == []
    assert not _scan(INJECTED).incomplete


@pytest.mark.parametrize("fail_on", ["note", "warning", "error"])
def test_skipped_input_fails_under_any_fail_on_but_never(
    fail_on: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in ("", f"{SERVICE}---\n{BROKEN}"):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        assert main(["scan", "-", "--fail-on", fail_on]) == 7
        assert "input skipped or nothing scanned" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        assert main(["scan", "-", "--fail-on", "never"]) == 0
        capsys.readouterr()


def test_the_official_schema_with_format_checks_rejects_what_meshbot_used_to_write() -> None:
    """The validator is not a rubber stamp: ``<stdin>`` as a URI is refused."""
    sarif = as_sarif(_scan(f"{INJECTED}---\n{SERVICE}", STDIN), version())
    sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
        "uri"
    ] = "<stdin>"
    assert any(
        "uri" in e.message or "format" in str(e.validator) for e in VALIDATOR.iter_errors(sarif)
    )


def _sarif_of(text: str, path: Path) -> dict[str, Any]:
    sarif = as_sarif(_scan(text, path), version())
    VALIDATOR.validate(sarif)
    return sarif


def test_sarif_from_stdin_with_skipped_documents_is_valid_and_records_them() -> None:
    sarif = _sarif_of(f"{INJECTED}---\n{BROKEN}---\n{SERVICE}", STDIN)
    run = sarif["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "stdin"
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "not valid YAML" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    [port] = [r for r in run["results"] if r["ruleId"] == "MESH-X002-R01"]
    assert port["properties"]["because"] == [
        "namespace shop is injected: Namespace/shop at <stdin>:5"
    ]


def test_sarif_of_nothing_scanned_says_so_and_paths_with_spaces_are_valid_uris() -> None:
    empty = _sarif_of("", STDIN)
    [note] = empty["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"] == "no Kubernetes resource in the input"
    spaced = _sarif_of(f"{INJECTED}---\n{SERVICE}", Path("my app/k8s.yaml"))
    uri = spaced["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "my%20app/k8s.yaml"}


def _ci_recipe() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "meshbot scan" in b)
    step = yaml.safe_load(block)[0]
    return step["shell"], step["run"]


def _fake(bin_dir: Path, name: str, script: str) -> None:
    tool = bin_dir / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize(
    ("render", "passes"),
    [
        (f"cat <<'EOF'\n{INJECTED}EOF", True),  # a clean render: the recipe passes
        (f"cat <<'EOF'\n{INJECTED}EOF\necho 'Error: no such overlay' >&2; exit 1", False),
        ("echo 'Error: accumulating resources'", False),  # a failed render on stdout, exit 0
        ("true", False),  # an empty render
        (f"cat <<'EOF'\n{INJECTED}---\n{BROKEN}EOF", False),  # half broken
    ],
    ids=["clean", "render-fails", "error-text", "empty", "broken-document"],
)
def test_the_readme_ci_recipe_fails_on_a_broken_render(
    render: str, passes: bool, tmp_path: Path
) -> None:
    shell, run = _ci_recipe()
    assert shell == "bash"  # GitHub Actions then runs: bash --noprofile --norc -eo pipefail
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake(bin_dir, "pip", "exit 0")
    _fake(bin_dir, "kustomize", render)
    _fake(bin_dir, "meshbot", f'exec "{sys.executable}" -m bot.cli "$@"')
    script = tmp_path / "step.sh"
    script.write_text(run)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode == 0) is passes, done.stderr
    VALIDATOR.validate(json.loads((tmp_path / "meshbot.sarif").read_text()))


def test_cli_takes_namespace_labels_from_a_kubectl_dump_or_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "db.yaml").write_text(SERVICE)
    dump = tmp_path / "ns.yaml"
    dump.write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(INJECTED)]})
    )
    target = str(tmp_path / "k8s")
    assert main(["scan", target, "--fail-on", "note"]) == 0  # no fact says shop is injected
    capsys.readouterr()
    assert main(["scan", target, "--fail-on", "note", "--namespaces", str(dump)]) == 5
    assert (
        f"because namespace shop is injected: Namespace/shop at {dump}:" in capsys.readouterr().out
    )
    assert main(["scan", target, "--fail-on", "note", "--assume-injected", "shop"]) == 5
    assert "because namespace shop is injected: --assume-injected" in capsys.readouterr().out
    dump.write_text("not: [yaml\n")
    assert main(["scan", target, "--namespaces", str(dump)]) == 2
    assert "no usable Namespace list" in capsys.readouterr().err
