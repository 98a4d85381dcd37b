"""``estimate`` and ``decide``: the engine in a terminal. Both read the engine's parameters from
the knowledge base and never the search index."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

from bot.catalog import NOT_FOUND, OK, USAGE
from bot.cli._base import Commands, Needs, command, print_json
from bot.services.answering import UnreadableAnswers, parse_answers
from bot.services.estimating import InvalidFleet, cost
from engine.adr import render_adr
from engine.answers import Value
from engine.cost import DEFAULT_BASIS, PLANES
from engine.decision import Verdict, next_step, relevant_answers
from engine.questions import BY_ID


def register(sub: Commands) -> None:
    est = command(
        sub,
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
        sub,
        "decide",
        "walk the article's decision sequence and get a verdict",
        "meshbot decide\nmeshbot decide --answers answers.yaml --adr docs/adr/0007-service-mesh.md"
        "\n\nanswers.yaml holds question ids and answers as you would type them:\n"
        "  services: about 40\n  teams: 6\n  languages: Go, Java and Python",
        cmd_decide,
    )
    decide.add_argument("--answers", help="YAML file of answers (non-interactive)")
    decide.add_argument("--adr", help="write the decision record (Markdown) to this file")


#: Fleet fields whose option is not their name with dashes.
OPTIONS = {
    "rps_per_pod": "rps",
    "l7_traffic_share": "l7-share",
    "latency_slo_ms": "slo-ms",
    "prefer_source": "source",
}


def cmd_estimate(args: argparse.Namespace, needs: Needs) -> int:
    from bot.terminal import console, estimate_table  # lazy: not for serve

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
        result = cost(fields, needs.rules.cost)
    except InvalidFleet as error:
        for problem in error.problems:
            option = OPTIONS.get(problem.field, problem.field.replace("_", "-"))
            print(f"meshbot estimate: --{option}: {problem.message}", file=sys.stderr)
        return USAGE
    if args.json:
        print_json(result.model_dump(mode="json"))
    else:
        console().print(estimate_table(result))
    return OK


def cmd_decide(args: argparse.Namespace, needs: Needs) -> int:
    from bot.terminal import console, converse, verdict_view  # lazy: not for serve

    rules = needs.rules
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
        _line_editing()
        verdict = converse(rules, answers, input, sys.stdout)
    if verdict is None:
        return NOT_FOUND
    answers = relevant_answers(answers, rules)
    if args.adr:
        record = render_adr(verdict, answers, rules, dt.datetime.now(dt.UTC).date())
        Path(args.adr).write_text(record, encoding="utf-8")
    if args.json:
        print_json({"answers": answers, "verdict": verdict.model_dump(mode="json")})
    else:
        names = {plane: profile.name for plane, profile in rules.cost.profiles.items()}
        out = console()
        out.print()
        out.print(verdict_view(verdict, names))
        if args.adr:
            out.print(f"\nDecision record written to {args.adr}")
    return OK


def _line_editing() -> None:
    """On a terminal, give ``input()`` line editing (arrow keys, Ctrl-A/E) and this session's
    history (up arrow) by loading ``readline``, which ``input`` uses once it is imported."""
    if sys.stdin.isatty():
        import readline  # noqa: F401 (imported for its effect on input())


def _read_answers(path: str) -> dict[str, Value]:
    """Answers from YAML, each read by its question's parser, as if typed."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of question id to answer, e.g. 'services: 40'")
    unknown = [key for key in raw if key not in BY_ID]
    if unknown:
        raise ValueError(f"unknown question {unknown[0]!r}; known: {', '.join(BY_ID)}")
    try:
        return parse_answers({str(key): value for key, value in raw.items()})
    except UnreadableAnswers as error:
        first = error.problems[0]
        raise ValueError(f"{first.question_id}: {first.message}") from error
