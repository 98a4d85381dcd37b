"""``scan``: manifests in, findings out. Needs the validated knowledge base only: no index, no
store, so it runs on a CI runner whose home directory is read-only."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from bot import version
from bot.catalog import FINDINGS, OK, STOPPED, USAGE
from bot.cli._base import Commands, Needs, command, print_json
from bot.terminal import console, scan_text
from knowledge import (
    CLI_LIMITS,
    SEVERITIES,
    Scanner,
    ScanTimeout,
    as_json,
    as_sarif,
    as_text,
    files,
    skipped_lines,
)


def register(sub: Commands) -> None:
    scan = command(
        sub,
        "scan",
        "find the mesh pitfalls in Kubernetes manifests before they are applied",
        "meshbot scan k8s/\nkustomize build overlays/prod | meshbot scan -\n"
        "helm template charts/app | meshbot scan - --format sarif > meshbot.sarif\n"
        "meshbot scan k8s/ --fail-on warning --ignore MESH-P004-R02",
        cmd_scan,
        json_output=False,
    )
    scan.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, or - for stdin")
    scan.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    scan.add_argument(
        "--fail-on",
        choices=[*reversed(SEVERITIES), "never"],
        default="error",
        help="exit 5 when a finding is this severe or worse (default: %(default)s)",
    )
    scan.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODE",
        help="skip a rule (MESH-P003-R01) or a pitfall's rules (MESH-P003); repeatable",
    )
    scan.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop (exit 6) a scan that runs longer; default: no limit, as your CI job has one",
    )


def cmd_scan(args: argparse.Namespace, needs: Needs) -> int:
    documents: list[tuple[Path, str]] = []
    for name in args.paths:
        if name == "-":
            documents.append((Path("<stdin>"), sys.stdin.read()))
            continue
        if not Path(name).exists():
            print(f"meshbot scan: {name}: no such file or directory", file=sys.stderr)
            return USAGE
        for path in files([name]):
            try:
                documents.append((path, path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as error:
                print(f"meshbot scan: {path}: cannot read ({error}); skipped", file=sys.stderr)
    limits = replace(CLI_LIMITS, seconds=args.timeout)
    try:
        report = Scanner(needs.kb).scan(documents, ignore=args.ignore, limits=limits)
    except ScanTimeout as error:
        print(f"meshbot scan: {error}; raise --timeout", file=sys.stderr)
        return STOPPED
    if args.format == "json":
        print_json(as_json(report))
    elif args.format == "sarif":
        print_json(as_sarif(report, version()))
    else:
        for line in skipped_lines(report):  # diagnostics on stderr, findings on stdout
            print(line, file=sys.stderr)
        console().print(scan_text(as_text(report)), soft_wrap=True)  # one finding, one line
    if report.limit is not None:
        print(f"meshbot scan: {report.limit}", file=sys.stderr)
        return STOPPED
    return FINDINGS if args.fail_on != "never" and report.reaches(args.fail_on) else OK
