"""The ``meshbot`` command line.

Exit status, for scripts:
  0  answered / valid
  1  the knowledge base is invalid (each problem printed as ``file:line: message``)
  2  usage error, or a question that cannot be searched
  3  no confident answer, or nothing found by that name
  4  the search index cannot be built or opened
  5  scan: findings at or above --fail-on
  6  scan: stopped at a scan limit or past MESHBOT_SCAN_TIMEOUT_SECONDS (the report is partial)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.settings import Settings
from bot.terminal import converse, estimate_table, verdict_text
from engine.adr import render_adr
from engine.answers import UnreadableAnswer, Value
from engine.cost import DEFAULT_BASIS, PLANES, FleetSpec, estimate
from engine.decision import Verdict, next_step, relevant_answers
from engine.questions import BY_ID
from knowledge.base import load
from knowledge.comparisons import find_comparison
from knowledge.errors import IndexUnavailable, InvalidKnowledgeBase, InvalidQuestion
from knowledge.freshness import DEFAULT_MAX_AGE, parse_age, stale
from knowledge.index import build_index, ensure_index
from knowledge.library import Library, open_library
from knowledge.search import Answer

OK, INVALID_KB, USAGE, NOT_FOUND, UNAVAILABLE, FINDINGS, STOPPED = 0, 1, 2, 3, 4, 5, 6

EXIT_CODES = """\
exit status:
  0  answered / valid        3  no confident answer / not found
  1  invalid knowledge base  4  search index cannot be built or opened
  2  usage error or unusable question
  5  scan: findings at or above --fail-on
  6  scan: stopped at a scan limit or its time budget"""


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _print_answer(answer: Answer) -> None:
    print(answer.summary + "\n")
    if not answer.answered:
        if answer.suggestions:
            print("\nClosest topics:")
            for s in answer.suggestions:
                print(f"  - {s.title}  [{s.id}]")
        return
    if answer.ambiguous:
        for hit in answer.results:
            print(f"  - {hit.title}  [meshbot pitfall {hit.id}]")
        return
    for n, hit in enumerate(answer.results):
        if n == 1:
            print("\nAlso possible:" if answer.ambiguous else "\nOther matches:")
        if n:
            print(f"  - {hit.title}  [{hit.id}, confidence {hit.score:.2f}]")
            continue
        print(f"{hit.title}  [{hit.id}, confidence {hit.score:.2f}]\n")
        print(hit.answer)
        print("\nSources:")
        for source in hit.sources:
            print(f"  - {source['title']}" + (f" <{source['url']}>" if source["url"] else ""))


def _answer_exit(answer: Answer, as_json: bool) -> int:
    if as_json:
        _print_json(asdict(answer))
    else:
        _print_answer(answer)
    return OK if answer.answered else NOT_FOUND


def cmd_ask(args: argparse.Namespace, library: Library) -> int:
    answer = library.searcher.search(" ".join(args.question), limit=args.limit)
    return _answer_exit(answer, args.json)


def cmd_pitfall(args: argparse.Namespace, library: Library) -> int:
    answer = library.searcher.search(
        " ".join(args.symptom), limit=args.limit, kinds=frozenset({"pitfall"})
    )
    return _answer_exit(answer, args.json)


def cmd_compare(args: argparse.Namespace, library: Library) -> int:
    comparisons = list(library.kb.of_kind("comparison"))
    if not args.subjects:
        if args.json:
            _print_json([{"id": c.id, "title": c.title} for c in comparisons])
        else:
            for c in comparisons:
                print(f"{c.id:28} {c.title}")
        return OK
    found = find_comparison(library.kb, args.subjects)
    if found is None:
        names = ", ".join(c.id for c in comparisons)
        print(
            f"No comparison covers {' and '.join(args.subjects)}. Tables: {names}", file=sys.stderr
        )
        return NOT_FOUND
    if args.json:
        _print_json(found.model_dump(mode="json"))
        return OK
    shown = library.searcher.entry(found.id)
    assert shown is not None  # every comparison is indexed
    print(shown.answer)
    return OK


def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    kb = load(settings.extra_knowledge_dirs)
    counts: dict[str, int] = {}
    for located in kb.entries.values():
        counts[located.kind] = counts.get(located.kind, 0) + 1
    counts["source"] = len(kb.sources)
    counts["term"] = len(kb.vocabulary)
    if args.json:
        _print_json({"valid": True, "counts": counts})
    else:
        print(
            "knowledge base is valid: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        )
    return OK


def cmd_kb_stale(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 1 when anything is stale, so CI can fail a knowledge repo that nobody reviews."""
    kb = load(settings.extra_knowledge_dirs)
    found = stale(kb, args.as_of, args.max_age)
    if args.json:
        _print_json([{"file": str(p.path), "line": p.line, "message": p.message} for p in found])
    else:
        for problem in found:
            print(problem)
    return INVALID_KB if found else OK


def cmd_kb_build(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    kb = load(settings.extra_knowledge_dirs)
    if args.force:
        build_index(kb, settings.index_path)
        rebuilt = True
    else:
        rebuilt = ensure_index(kb, settings.index_path)
    seconds = time.perf_counter() - started
    result = {"index": str(settings.index_path), "rebuilt": rebuilt, "seconds": round(seconds, 3)}
    if args.json:
        _print_json(result)
    else:
        state = "built" if rebuilt else "already current"
        print(f"{settings.index_path}: {state} in {seconds:.3f} s ({len(kb.entries)} entries)")
    return OK


def cmd_estimate(args: argparse.Namespace, library: Library) -> int:
    fields = {
        "pods": args.pods,
        "nodes": args.nodes,
        "rps_per_pod": args.rps,
        "hops": args.hops,
        "l7_namespaces": args.l7_namespaces,
        "l7_traffic_share": args.l7_share,
        "latency_slo_ms": args.slo_ms,
        "usd_per_vcpu_month": args.usd_per_vcpu_month,
        "usd_per_gb_month": args.usd_per_gb_month,
        "planes": args.planes.split(",") if args.planes else None,
        "prefer_source": args.source,
        "basis": args.basis,
    }
    try:
        spec = FleetSpec.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        for detail in error.errors():
            where = ".".join(str(part) for part in detail["loc"][:1])
            print(
                f"meshbot estimate: --{where.replace('_', '-')}: {detail['msg']}", file=sys.stderr
            )
        return USAGE
    result = estimate(spec, library.rules.cost)
    if args.json:
        _print_json(result.model_dump(mode="json"))
    else:
        print(estimate_table(result))
    return OK


def cmd_decide(args: argparse.Namespace, library: Library) -> int:
    rules = library.rules
    answers: dict[str, Value] = {}
    if args.answers:
        try:
            answers = _read_answers(args.answers)
        except (OSError, ValueError) as error:
            print(f"meshbot decide: {args.answers}: {error}", file=sys.stderr)
            return USAGE
        step = next_step(answers, rules)
        if not isinstance(step, Verdict):
            print(
                f"meshbot decide: {args.answers} does not answer {step.id!r}: {step.prompt} "
                f"(for example: {step.example})",
                file=sys.stderr,
            )
            return USAGE
        verdict: Verdict | None = step
    else:
        verdict = converse(rules, answers, input, sys.stdout)
    if verdict is None:
        return NOT_FOUND
    answers = relevant_answers(answers, rules)
    if args.adr:
        record = render_adr(verdict, answers, rules, dt.datetime.now(dt.UTC).date())
        Path(args.adr).write_text(record, encoding="utf-8")
    if args.json:
        _print_json({"answers": answers, "verdict": verdict.model_dump(mode="json")})
    else:
        names = {plane: profile.name for plane, profile in rules.cost.profiles.items()}
        print("\n" + verdict_text(verdict, names))
        if args.adr:
            print(f"\nDecision record written to {args.adr}")
    return OK


def _read_answers(path: str) -> dict[str, Value]:
    """Answers from YAML, each read by its question's parser, as if typed."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of question id to answer, e.g. 'services: 40'")
    answers: dict[str, Value] = {}
    for key, value in raw.items():
        if key not in BY_ID:
            raise ValueError(f"unknown question {key!r}; known: {', '.join(BY_ID)}")
        try:
            answers[key] = BY_ID[key].parse(value)
        except UnreadableAnswer as error:
            raise ValueError(f"{key}: {error}") from error
    return answers


def cmd_apikey_new(args: argparse.Namespace, settings: Settings) -> int:
    from bot.web.security import new_key

    key, hashed = new_key()
    configured = ",".join([*settings.api_key_hashes, hashed])
    if args.json:
        _print_json({"key": key, "hash": hashed, "MESHBOT_API_KEYS": configured})
    else:
        print(f"API key (give it to the client; it is not stored anywhere):\n  {key}\n")
        print("Configure the server with (keys already set are kept):")
        print(f"  MESHBOT_API_KEYS={configured}")
    return OK


def cmd_kb_gaps(args: argparse.Namespace, settings: Settings) -> int:
    """The weekly routine: what people asked that the knowledge base could not answer."""
    from bot.store import DecisionStore, StoreUnavailable
    from knowledge.gaps import Miss, gaps, parse_since

    try:
        window = parse_since(args.since)
    except ValueError as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return USAGE
    library = open_library(settings.index_path, settings.extra_knowledge_dirs)
    store = DecisionStore(settings.database_url, dt.timedelta(hours=settings.session_ttl_hours))
    try:
        store.migrate()
        rows = store.misses_since(dt.datetime.now(dt.UTC) - window)
    except StoreUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE
    finally:
        store.dispose()
    found = gaps([Miss(*row) for row in rows], library.searcher)
    if args.json:
        _print_json([asdict(gap) for gap in found])
        return OK
    if not found:
        print(f"No unanswered or 👎 questions in the last {args.since}.")
    for gap in found:
        closest = f"{gap.entry} · {gap.title}" if gap.entry else "nothing close"
        print(f"{gap.unanswered} unanswered, {gap.not_helpful} 👎 — closest: {closest}")
        print(f"  last seen {gap.last_seen:%Y-%m-%d %H:%M} UTC")
        for question in gap.examples:
            print(f"  - {question}")
        print(f"  suggestion: {gap.suggestion}\n")
    return OK


def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import DecisionStore, StoreUnavailable

    store = DecisionStore(settings.database_url, dt.timedelta(hours=settings.session_ttl_hours))
    try:
        store.migrate()
    except StoreUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE
    finally:
        store.dispose()
    print(
        f"state store schema is current ({store.engine.url.render_as_string(hide_password=True)})"
    )
    return OK


def cmd_scan(args: argparse.Namespace, library: Library) -> int:
    from bot.scan_report import as_json, as_sarif, as_text
    from knowledge.errors import ScanTimeout
    from knowledge.scanner.limits import CLI_LIMITS
    from knowledge.scanner.resources import files
    from knowledge.scanner.scan import SEVERITY_ORDER, Scanner

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
        report = Scanner(library.kb).scan(documents, ignore=args.ignore, limits=limits)
    except ScanTimeout as error:
        print(f"meshbot scan: {error}; raise --timeout", file=sys.stderr)
        return STOPPED
    if args.format == "json":
        _print_json(as_json(report))
    elif args.format == "sarif":
        _print_json(as_sarif(report, _version()))
    else:
        print(as_text(report))
    if report.limit is not None:
        print(f"meshbot scan: {report.limit}", file=sys.stderr)
        return STOPPED
    worst = report.worst()
    if worst is None or args.fail_on == "never":
        return OK
    return FINDINGS if SEVERITY_ORDER[worst] >= SEVERITY_ORDER[args.fail_on] else OK


def _version() -> str:
    from importlib.metadata import version

    return version("meshbot")


def cmd_serve(args: argparse.Namespace, library: Library) -> int:
    import uvicorn

    from bot import logs
    from bot.web.app import create_app, open_store
    from bot.web.server import GRACE_SECONDS, protocol_with_timeout

    settings = Settings()
    if args.socket_mode and (settings.slack_bot_token is None or settings.slack_app_token is None):
        print("meshbot: --socket-mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN", file=sys.stderr)
        return USAGE
    log_config = logs.setup(settings.log_level)
    app = create_app(settings, library, open_store(settings), socket_mode=args.socket_mode)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=log_config,
        access_log=False,
        timeout_graceful_shutdown=GRACE_SECONDS,
        http=protocol_with_timeout(settings.read_timeout_seconds),
    )
    return OK


def _parser(settings: Settings) -> argparse.ArgumentParser:
    def command(
        name: str,
        summary: str,
        examples: str,
        handler: Callable[..., int] | None = None,
        json_output: bool = True,
    ) -> argparse.ArgumentParser:
        """A subcommand with examples and exit codes in its help, and usually --json."""
        epilog = "examples:\n" + textwrap.indent(examples.strip(), "  ") + "\n\n" + EXIT_CODES
        parser = sub.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if json_output and handler is not None:
            parser.add_argument("--json", action="store_true", help="print JSON for machines")
        if handler is not None:
            parser.set_defaults(handler=handler, needs_library=True)
        return parser

    def action(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        summary: str,
        example: str,
        handler: Callable[..., int],
        json_output: bool = True,
    ) -> argparse.ArgumentParser:
        """An action under a command group (``kb check``) that needs no knowledge base loaded."""
        parser = group.add_parser(
            name,
            help=summary,
            epilog=f"example:\n  {example}\n\n{EXIT_CODES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if json_output:
            parser.add_argument("--json", action="store_true", help="print JSON for machines")
        parser.set_defaults(handler=handler, needs_library=False)
        return parser

    parser = argparse.ArgumentParser(
        prog="meshbot",
        description="Do you actually need a service mesh? And how to fix the one you run.",
        epilog='examples:\n  meshbot ask "istio vs linkerd memory"\n'
        "  meshbot pitfall pods crashloop after injection\n  meshbot compare istio linkerd\n"
        "  meshbot kb check\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = command(
        "serve",
        "serve the HTTP API",
        "meshbot serve\nmeshbot serve --port 9000\n"
        "SLACK_APP_TOKEN=xapp-… meshbot serve --socket-mode",
        cmd_serve,
        json_output=False,
    )
    serve.add_argument("--host", default=settings.host, help="default: %(default)s")
    serve.add_argument("--port", type=int, default=settings.port, help="default: %(default)s")
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="connect to Slack over a WebSocket (needs SLACK_APP_TOKEN) instead of "
        "serving /slack/events",
    )

    ask = command(
        "ask",
        "answer a question from the knowledge base",
        'meshbot ask "how much memory does an envoy sidecar use"\n'
        "meshbot ask when is a mesh not worth it --json",
        cmd_ask,
    )
    ask.add_argument("question", nargs="+", help="the question, quoted or not")
    pitfall = command(
        "pitfall",
        "find the runbook for a symptom or a pitfall code",
        "meshbot pitfall upstream request timeout\nmeshbot pitfall MESH-P002",
        cmd_pitfall,
    )
    pitfall.add_argument("symptom", nargs="+", help="what you see, or a code such as MESH-P003")
    for p in (ask, pitfall):
        p.add_argument("--limit", type=int, default=5, choices=range(1, 21), metavar="N")

    compare = command(
        "compare",
        "show a comparison table (no arguments lists them)",
        "meshbot compare\nmeshbot compare istio linkerd\nmeshbot compare with-mesh without-mesh",
        cmd_compare,
    )
    compare.add_argument("subjects", nargs="*", metavar="SUBJECT", help="e.g. istio linkerd")

    est = command(
        "estimate",
        "estimate what each data plane costs for your fleet",
        "meshbot estimate --pods 200\n"
        "meshbot estimate --pods 200 --rps 1000 --hops 8 --nodes 10 --slo-ms 50\n"
        "meshbot estimate --pods 200 --rps 1000 --hops 8 --basis article   # the article's sums\n"
        "meshbot estimate --pods 1200 --planes linkerd,istio-ambient --source istio-perf-docs",
        cmd_estimate,
    )
    est.add_argument("--pods", type=int, required=True, help="pods that would join the mesh")
    est.add_argument("--nodes", type=int, help="default: the density of the article's example")
    est.add_argument("--rps", type=float, help="req/s per pod (default: the article's 'moderate')")
    est.add_argument("--hops", type=int, help="service calls on one request's path (default 1)")
    est.add_argument("--l7-namespaces", type=int, help="namespaces needing L7 (ambient waypoints)")
    est.add_argument("--l7-share", type=float, help="share of requests through waypoints, 0–1")
    est.add_argument("--slo-ms", type=float, help="p99 latency SLO to check against")
    est.add_argument("--usd-per-vcpu-month", type=float, help="default: a cited list price")
    est.add_argument("--usd-per-gb-month", type=float, help="default: a cited list price")
    est.add_argument("--planes", help=f"comma-separated subset of {','.join(PLANES)}")
    est.add_argument(
        "--basis",
        choices=["article", "upstream"],
        help="whose figures every plane uses: the article's own, or upstream docs, benchmarks "
        f"and charts (default {DEFAULT_BASIS})",
    )
    est.add_argument(
        "--source", help="within the basis, prefer this source's figures, e.g. istio-perf-docs-1.22"
    )

    decide = command(
        "decide",
        "walk the article's decision sequence and get a verdict",
        "meshbot decide\nmeshbot decide --answers answers.yaml --adr docs/adr/0007-service-mesh.md"
        "\n\nanswers.yaml holds question ids and answers as you would type them:\n"
        "  services: about 40\n  teams: 6\n  languages: Go, Java and Python",
        cmd_decide,
    )
    decide.add_argument("--answers", help="YAML file of answers (non-interactive)")
    decide.add_argument("--adr", help="write the decision record (Markdown) to this file")

    apikey = command(
        "apikey", "manage API keys for /v1", "meshbot apikey new\nmeshbot apikey new --json"
    )
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    action(
        apikey_sub,
        "new",
        "make a key; prints the key for the client and the hash for the server",
        "meshbot apikey new",
        cmd_apikey_new,
    )

    scan = command(
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
        choices=["error", "warning", "note", "never"],
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

    db = command(
        "db",
        "manage the state store",
        "meshbot db migrate\nDATABASE_URL=postgresql://… meshbot db migrate",
    )
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    action(
        db_sub,
        "migrate",
        "create or upgrade the state store's schema (serve also does this at start)",
        "meshbot db migrate",
        cmd_db_migrate,
        json_output=False,
    )

    kb = command("kb", "check or build the knowledge base", "meshbot kb check\nmeshbot kb build")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    action(
        kb_sub,
        "check",
        "validate every knowledge file; problems as file:line: message",
        "MESHBOT_KNOWLEDGE_DIRS=./our-runbooks meshbot kb check",
        cmd_kb_check,
    )
    stale_action = action(
        kb_sub,
        "stale",
        "list entries past review, ranges covering only end-of-life releases and out-of-date "
        "release lists; exit 1 if any",
        "meshbot kb stale --as-of 2026-12-01 --max-age 180d",
        cmd_kb_stale,
    )
    stale_action.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=dt.date.today(), help="default: today"
    )
    stale_action.add_argument(
        "--max-age", type=parse_age, default=DEFAULT_MAX_AGE, help="e.g. 180d or 26w (default 180d)"
    )
    build = action(
        kb_sub,
        "build",
        "build the search index (only if the files changed, unless --force)",
        "meshbot kb build && sqlite-utils tables ~/.cache/meshbot/knowledge.sqlite",
        cmd_kb_build,
    )
    build.add_argument("--force", action="store_true", help="rebuild even if current")
    gaps = action(
        kb_sub,
        "gaps",
        "unanswered and 👎 questions grouped by closest entry, with what would catch them",
        "meshbot kb gaps --since 7d",
        cmd_kb_gaps,
    )
    gaps.add_argument("--since", default="30d", help="how far back: 30d (default), 2w, 12h")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        for detail in error.errors():
            message = str(detail["msg"]).removeprefix("Value error, ")
            where = f"setting {_setting_name(detail['loc'])}: " if detail["loc"] else ""
            print(f"meshbot: {where}{message}", file=sys.stderr)
        return USAGE
    args = _parser(settings).parse_args(argv)
    handler: Callable[..., int] = args.handler
    try:
        if args.needs_library:
            library = open_library(settings.index_path, settings.extra_knowledge_dirs)
            return handler(args, library)
        return handler(args, settings)
    except InvalidKnowledgeBase as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the knowledge base", file=sys.stderr)
        return INVALID_KB
    except InvalidQuestion as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return USAGE
    except IndexUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE


def _setting_name(location: tuple[int | str, ...]) -> str:
    """The environment variable a settings error is about, as the operator wrote it."""
    name = str(location[0])
    if name not in Settings.model_fields:
        return name.upper()  # already the alias the value came in by (PORT, LOG_LEVEL)
    return f"MESHBOT_{name.upper()}"


if __name__ == "__main__":
    sys.exit(main())
