"""``scan``: manifests in, findings out. Needs the validated knowledge base only: no index, no
store, so it runs on a CI runner whose home directory is read-only."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from bot import version
from bot.catalog import FINDINGS, INCOMPLETE, OK, STOPPED, USAGE
from bot.cli._base import Commands, Needs, command, print_json
from knowledge import (
    CLI_LIMITS,
    SEVERITIES,
    STDIN,
    InvalidVersion,
    Resource,
    Scanner,
    ScanTimeout,
    as_json,
    as_sarif,
    as_text,
    files,
    namespaces,
    skipped_lines,
    stated,
)


def register(sub: Commands) -> None:
    scan = command(
        sub,
        "scan",
        "find the mesh pitfalls in Kubernetes manifests before they are applied",
        "meshbot scan k8s/\nkustomize build overlays/prod | meshbot scan -\n"
        "helm template charts/app | meshbot scan - --format sarif > meshbot.sarif\n"
        "meshbot scan k8s/ --fail-on warning --ignore MESH-P004-R02\n"
        "meshbot scan k8s/ --assume-injected shop payments\n"
        "kubectl get namespaces -o yaml > ns.yaml; meshbot scan k8s/ --namespaces ns.yaml\n"
        "meshbot scan k8s/ --mesh-version istio=1.27 --kubelet-version 1.33",
        cmd_scan,
        json_output=False,
    )
    scan.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, or - for stdin")
    scan.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    scan.add_argument(
        "--fail-on",
        choices=[*reversed(SEVERITIES), "never"],
        default="error",
        help="exit 5 when a finding is this severe or worse, and 7 when input was skipped or "
        "nothing was scanned (default: %(default)s)",
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
    scan.add_argument(
        "--context",
        choices=["per-dir", "per-file", "one"],
        default="per-dir",
        help="which files are read together for facts across resources (injected namespaces, "
        "mTLS mode): each directory and each stdin stream (default), each file, or all",
    )
    scan.add_argument(
        "--assume-injected",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAMESPACE",
        help="namespaces injected by labels applied outside the manifests",
    )
    scan.add_argument(
        "--namespaces",
        metavar="FILE",
        help="the cluster's namespaces (kubectl get namespaces -o yaml), for their labels",
    )
    scan.add_argument(
        "--mesh-version",
        action="append",
        default=[],
        metavar="MESH=VERSION",
        help="the mesh version the cluster runs (istio=1.27), for rules that depend on it; "
        "without it they say what they assumed",
    )
    scan.add_argument(
        "--kubelet-version",
        metavar="VERSION",
        help="the oldest kubelet on any node (1.33): Istio 1.27+ injects native sidecars only "
        "when every node has 1.33 or later",
    )


def cmd_scan(args: argparse.Namespace, needs: Needs) -> int:
    from bot.terminal import console, scan_text  # lazy: not for serve

    try:
        versions = stated(args.mesh_version, args.kubelet_version)
    except InvalidVersion as error:
        print(f"meshbot scan: {error}", file=sys.stderr)
        return USAGE
    documents: list[tuple[Path, str]] = []
    for name in args.paths:
        if name == "-":
            documents.append((STDIN, sys.stdin.read()))
            continue
        if not Path(name).exists():
            print(f"meshbot scan: {name}: no such file or directory", file=sys.stderr)
            return USAGE
        for path in files([name]):
            try:
                documents.append((path, path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as error:
                print(f"meshbot scan: {path}: cannot read ({error}); skipped", file=sys.stderr)
    assumed: list[Resource | str] = list(args.assume_injected)
    if args.namespaces is not None:
        path = Path(args.namespaces)
        try:
            found, problems = namespaces(path, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            print(f"meshbot scan: {path}: cannot read ({error})", file=sys.stderr)
            return USAGE
        for problem in problems:
            print(f"meshbot scan: {problem}", file=sys.stderr)
        if problems or not found:
            print(f"meshbot scan: {path}: no usable Namespace list", file=sys.stderr)
            return USAGE
        assumed += found
    limits = replace(CLI_LIMITS, seconds=args.timeout)
    try:
        report = Scanner(needs.kb).scan(
            documents, args.ignore, limits, scope=args.context, assumed=assumed, versions=versions
        )
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
    if args.fail_on == "never":
        return OK
    if report.incomplete:
        print("meshbot scan: input skipped or nothing scanned; see the report", file=sys.stderr)
        return INCOMPLETE
    return FINDINGS if report.reaches(args.fail_on) else OK
