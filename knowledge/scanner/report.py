"""Scan findings for people (terminal), for programs (JSON) and for code-scanning dashboards
(SARIF 2.1.0, as GitHub and GitLab read it). Kept beside the scanner so every front door (CLI,
HTTP, Slack) renders findings from one place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from knowledge.errors import Problem
from knowledge.scanner.resources import STDIN
from knowledge.scanner.scan import Finding, Report
from knowledge.schema import SEVERITIES, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def worst_first(findings: Sequence[Finding]) -> list[Finding]:
    """Findings from the most severe down, in file order within a severity."""
    return sorted(findings, key=lambda f: (-SEVERITIES.index(f.rule.severity), f.line))


def counts(findings: Sequence[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, most severe first (zeros included)."""
    return {s: sum(f.rule.severity == s for f in findings) for s in reversed(SEVERITIES)}


def folded(text: str) -> str:
    """YAML block text on one line, as a terminal, JSON field or Slack line shows it."""
    return " ".join(text.split())


def skipped_lines(report: Report) -> list[str]:
    """One line per file or document the scan could not read (``file:line: why``)."""
    return [f"{p}  (skipped)" for p in report.problems]


def as_text(report: Report) -> str:
    """The findings and their tally. What was skipped is a diagnostic, not a finding: see
    ``skipped_lines``, which the command line writes to stderr."""
    lines = []
    for f in report.findings:
        lines.append(
            f"{f.resource.path}:{f.line}: {f.rule.severity} {f.rule.id} {f.where}: {f.message}"
        )
        lines += [f"    because {fact}" for fact in f.because]
        lines.append(f"    fix: {folded(f.rule.remediation)}")
        lines.append(f"    runbook: {f.rule.pitfall or '-'} · {f.rule.doc}")
    tally = counts(report.findings)
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in tally.items())
    lines.append(f"{report.resources} resources scanned: {summary}")
    if report.incomplete:
        lines.append(_incomplete(report))
    return "\n".join(lines)


def _incomplete(report: Report) -> str:
    if report.resources == 0:
        return "nothing was scanned: no Kubernetes resource in the input"
    n = len(report.problems)
    return f"input skipped: {n} document{'s' if n != 1 else ''} not scanned (listed as skipped)"


def uri(path: Path) -> str:
    """A SARIF ``artifactLocation.uri``: a relative or file URI reference (RFC 3986), which
    ``<stdin>`` is not; standard input is the relative reference ``stdin``."""
    return "stdin" if path == STDIN else quote(path.as_posix())


def as_json(report: Report) -> dict[str, Any]:
    return {
        "resources": report.resources,
        "findings": [
            {
                "code": f.rule.id,
                "pitfall": f.rule.pitfall,
                "severity": f.rule.severity,
                "resource": {
                    "kind": f.resource.kind,
                    "namespace": f.resource.namespace,
                    "name": f.resource.name,
                },
                "file": str(f.resource.path),
                "line": f.line,
                "message": f.message,
                "remediation": folded(f.rule.remediation),
                "doc": str(f.rule.doc),
                "because": [str(fact) for fact in f.because],
            }
            for f in report.findings
        ],
        "incomplete": report.incomplete,
        "skipped": [
            {"file": str(p.path), "line": p.line, "message": p.message} for p in report.problems
        ],
    }


def as_sarif(report: Report, version: str) -> dict[str, Any]:
    rules = sorted({f.rule.id: f.rule for f in report.findings}.values(), key=lambda r: r.id)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "meshbot",
                        "version": version,
                        "rules": [
                            {
                                "id": r.id,
                                "name": r.title,
                                "shortDescription": {"text": r.title},
                                "fullDescription": {"text": folded(r.summary)},
                                "help": {"text": folded(r.remediation)},
                                "helpUri": str(r.doc),
                                "defaultConfiguration": {"level": r.severity},
                                "properties": {"pitfall": r.pitfall},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": f.rule.id,
                        "level": f.rule.severity,
                        "message": {"text": f.message},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": uri(f.resource.path)},
                                    "region": {"startLine": f.line},
                                },
                                "logicalLocations": [{"name": f.where, "kind": "resource"}],
                            }
                        ],
                        **(
                            {"properties": {"because": [str(c) for c in f.because]}}
                            if f.because
                            else {}
                        ),
                    }
                    for f in report.findings
                ],
                "invocations": [
                    {
                        # False only when a limit stopped the scan: the results are then partial.
                        "executionSuccessful": report.limit is None,
                        "toolExecutionNotifications": [
                            *(_notification(p) for p in report.problems),
                            *([_NOTHING_SCANNED] if report.resources == 0 else []),
                        ],
                    }
                ],
            }
        ],
    }


_NOTHING_SCANNED = {"level": "error", "message": {"text": "no Kubernetes resource in the input"}}


def _notification(problem: Problem) -> dict[str, Any]:
    """Skipped input as SARIF records it: a tool notification at the document's place."""
    return {
        "level": "error",
        "message": {"text": problem.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(problem.path)},
                    "region": {"startLine": problem.line},
                }
            }
        ],
    }
