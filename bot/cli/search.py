"""``ask``, ``pitfall`` and ``compare``: the commands that read the search index."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from bot.catalog import NOT_FOUND, OK
from bot.cli._base import Commands, Needs, command, print_json
from bot.services.answering import search
from knowledge import MAX_RESULTS, Answer, KnowledgeBase, Pitfall, find_comparison


def register(sub: Commands) -> None:
    ask = command(
        sub,
        "ask",
        "answer a question from the knowledge base",
        'meshbot ask "how much memory does an envoy sidecar use"\n'
        "meshbot ask when is a mesh not worth it --json",
        cmd_ask,
    )
    ask.add_argument("question", nargs="+", help="the question, quoted or not")
    pitfall = command(
        sub,
        "pitfall",
        "find the runbook for a symptom or a pitfall code",
        "meshbot pitfall upstream request timeout\nmeshbot pitfall MESH-P002",
        cmd_pitfall,
    )
    pitfall.add_argument("symptom", nargs="+", help="what you see, or a code such as MESH-P003")
    for p in (ask, pitfall):
        p.add_argument(
            "--limit", type=int, default=5, choices=range(1, MAX_RESULTS + 1), metavar="N"
        )
    compare = command(
        sub,
        "compare",
        "show a comparison table (no arguments lists them)",
        "meshbot compare\nmeshbot compare istio linkerd\nmeshbot compare with-mesh without-mesh",
        cmd_compare,
    )
    compare.add_argument("subjects", nargs="*", metavar="SUBJECT", help="e.g. istio linkerd")


def cmd_ask(args: argparse.Namespace, needs: Needs) -> int:
    answer = search(needs.library.searcher, None, " ".join(args.question), args.limit)
    return _answer_exit(answer, args.json, needs.library.kb)


def cmd_pitfall(args: argparse.Namespace, needs: Needs) -> int:
    symptom = " ".join(args.symptom)
    answer = search(needs.library.searcher, None, symptom, args.limit, frozenset({"pitfall"}))
    return _answer_exit(answer, args.json, needs.library.kb)


def cmd_compare(args: argparse.Namespace, needs: Needs) -> int:
    from bot.terminal import console, markdown  # lazy: not for serve

    library = needs.library
    comparisons = library.kb.comparisons()
    if not args.subjects:
        if args.json:
            print_json([{"id": c.id, "title": c.title} for c in comparisons])
        else:
            out = console()
            for c in comparisons:
                out.print(f"{c.id:28} {c.title}", overflow="fold")
        return OK
    found = find_comparison(library.kb, args.subjects)
    if found is None:
        names = ", ".join(c.id for c in comparisons)
        print(
            f"No comparison covers {' and '.join(args.subjects)}. Tables: {names}", file=sys.stderr
        )
        return NOT_FOUND
    if args.json:
        print_json(found.model_dump(mode="json"))
        return OK
    shown = library.searcher.entry(found.id)
    assert shown is not None  # every comparison is indexed
    console().print(markdown(shown.answer))
    return OK


def _print_answer(answer: Answer, kb: KnowledgeBase) -> None:
    from bot.terminal import console, markdown, severity  # lazy: not for serve

    out = console()
    out.print(answer.summary + "\n")
    if not answer.answered:
        if answer.suggestions:
            out.print("\nClosest topics:")
            for s in answer.suggestions:
                out.print(f"  - {s.title}  [{s.id}]")
        return
    if answer.ambiguous:
        for hit in answer.results:
            out.print(f"  - {hit.title}  [meshbot pitfall {hit.id}]")
        return
    for n, hit in enumerate(answer.results):
        if n == 1:
            out.print("\nOther matches:")
        if n:
            out.print(f"  - {hit.title}  [{hit.id}, confidence {hit.score:.2f}]")
            continue
        located = kb.get(hit.id)
        if located is not None and isinstance(located.model, Pitfall):  # severity, in colour
            out.print(severity(located.model.severity), end=" ")
        out.print(f"{hit.title}  [{hit.id}, confidence {hit.score:.2f}]\n")
        out.print(markdown(hit.answer))
        out.print("\nSources:")
        for source in hit.sources:
            out.print(f"  - {source['title']}" + (f" <{source['url']}>" if source["url"] else ""))


def _answer_exit(answer: Answer, as_json: bool, kb: KnowledgeBase) -> int:
    if as_json:
        print_json(asdict(answer))
    else:
        _print_answer(answer, kb)
    return OK if answer.answered else NOT_FOUND
