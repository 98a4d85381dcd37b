"""``kb``, ``db`` and ``apikey``: looking after the knowledge base, the state store and keys."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time

from bot.catalog import INVALID_KB, OK, UNAVAILABLE, USAGE
from bot.cli._base import Commands, Needs, action, group, print_json
from knowledge import (
    DEFAULT_MAX_AGE,
    Miss,
    build_index,
    ensure_index,
    gaps,
    parse_age,
    parse_since,
    stale,
)


def register(sub: Commands) -> None:
    apikey = group(
        sub, "apikey", "manage API keys for /v1", "meshbot apikey new\nmeshbot apikey new --json"
    )
    action(
        apikey,
        "new",
        "make a key; prints the key for the client and the hash for the server",
        "meshbot apikey new",
        cmd_apikey_new,
    )
    db = group(
        sub,
        "db",
        "manage the state store",
        "meshbot db migrate\nDATABASE_URL=postgresql://… meshbot db migrate",
    )
    action(
        db,
        "migrate",
        "create or upgrade the state store's schema (serve also does this at start)",
        "meshbot db migrate",
        cmd_db_migrate,
        json_output=False,
    )
    kb = group(sub, "kb", "check or build the knowledge base", "meshbot kb check\nmeshbot kb build")
    action(
        kb,
        "check",
        "validate every knowledge file; problems as file:line: message",
        "MESHBOT_KNOWLEDGE_DIRS=./our-runbooks meshbot kb check",
        cmd_kb_check,
    )
    stale_action = action(
        kb,
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
        kb,
        "build",
        "build the search index (only if the files changed, unless --force)",
        "meshbot kb build && sqlite-utils tables ~/.cache/meshbot/knowledge.sqlite",
        cmd_kb_build,
    )
    build.add_argument("--force", action="store_true", help="rebuild even if current")
    gaps_action = action(
        kb,
        "gaps",
        "unanswered and 👎 questions grouped by closest entry, with what would catch them",
        "meshbot kb gaps --since 7d",
        cmd_kb_gaps,
    )
    gaps_action.add_argument("--since", default="30d", help="how far back: 30d (default), 2w, 12h")


def cmd_kb_check(args: argparse.Namespace, needs: Needs) -> int:
    kb = needs.kb
    counts: dict[str, int] = {}
    for located in kb.entries.values():
        counts[located.kind] = counts.get(located.kind, 0) + 1
    counts["source"] = len(kb.sources)
    counts["term"] = len(kb.vocabulary)
    if args.json:
        print_json({"valid": True, "counts": counts})
    else:
        print(
            "knowledge base is valid: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        )
    return OK


def cmd_kb_stale(args: argparse.Namespace, needs: Needs) -> int:
    """Exit 1 when anything is stale, so CI can fail a knowledge repo that nobody reviews."""
    found = stale(needs.kb, args.as_of, args.max_age)
    if args.json:
        print_json([{"file": str(p.path), "line": p.line, "message": p.message} for p in found])
    else:
        for problem in found:
            print(problem)
    return INVALID_KB if found else OK


def cmd_kb_build(args: argparse.Namespace, needs: Needs) -> int:
    started = time.perf_counter()
    kb, index_path = needs.kb, needs.settings.index_path
    if args.force:
        build_index(kb, index_path)
        rebuilt = True
    else:
        rebuilt = ensure_index(kb, index_path)
    seconds = time.perf_counter() - started
    result = {"index": str(index_path), "rebuilt": rebuilt, "seconds": round(seconds, 3)}
    if args.json:
        print_json(result)
    else:
        state = "built" if rebuilt else "already current"
        print(f"{index_path}: {state} in {seconds:.3f} s ({len(kb.entries)} entries)")
    return OK


def cmd_apikey_new(args: argparse.Namespace, needs: Needs) -> int:
    from bot.services.apikeys import new_key

    key, hashed = new_key()
    configured = ",".join([*needs.settings.api_key_hashes, hashed])
    if args.json:
        print_json({"key": key, "hash": hashed, "MESHBOT_API_KEYS": configured})
    else:
        print(f"API key (give it to the client; it is not stored anywhere):\n  {key}\n")
        print("Configure the server with (keys already set are kept):")
        print(f"  MESHBOT_API_KEYS={configured}")
    return OK


def cmd_kb_gaps(args: argparse.Namespace, needs: Needs) -> int:
    """The weekly routine: what people asked that the knowledge base could not answer."""
    from bot.store import Database, Feedback, StoreUnavailable

    try:
        window = parse_since(args.since)
    except ValueError as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return USAGE
    database = Database(needs.settings.database_url)
    try:
        database.migrate()
        rows = Feedback(database).misses_since(dt.datetime.now(dt.UTC) - window)
    except StoreUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE
    finally:
        database.dispose()
    found = gaps([Miss(*row) for row in rows], needs.library.searcher)
    if args.json:
        print_json([dataclasses.asdict(gap) for gap in found])
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


def cmd_db_migrate(args: argparse.Namespace, needs: Needs) -> int:
    from bot.store import Database, StoreUnavailable

    database = Database(needs.settings.database_url)
    try:
        database.migrate()
        revision = database.revision()
    except StoreUnavailable as error:
        print(f"meshbot: {error}", file=sys.stderr)
        return UNAVAILABLE
    finally:
        database.dispose()
    where = database.engine.url.render_as_string(hide_password=True)
    print(f"state store schema is current (revision {revision}; {where})")
    return OK
