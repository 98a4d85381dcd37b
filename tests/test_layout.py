"""The seams between packages hold, lazy imports (inside functions) included.

Imports are read from the source with ``ast`` rather than from ``sys.modules``, so an import
hidden in a function body counts as much as one at the top of a file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
OURS = ("bot", "knowledge", "engine")
#: Which parts may import which; everything not listed may import nothing of ours.
ALLOWED = {
    "engine": set(),
    "knowledge": {"engine"},
    "bot.services": {"engine", "knowledge", "bot.settings", "bot.store", "bot.metrics"},
    "bot.web": {
        "engine",
        "knowledge",
        "bot.services",
        "bot.settings",
        "bot.store",
        "bot.metrics",
        "bot.catalog",
        "bot.logs",
        "bot.slack",
        "bot.startup",
        "bot",
    },
    "bot.slack": {
        "engine",
        "knowledge",
        "bot.services",
        "bot.settings",
        "bot.store",
        "bot.metrics",
        "bot.logs",
    },
}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(p for p in parts if p != "__init__"), path


def _imports(module: str, path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in OURS}


GRAPH = {module: _imports(module, path) for module, path in _modules()}


def _part(module: str) -> str:
    for part in sorted(ALLOWED, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return module


def _within(name: str, allowed: set[str]) -> bool:
    """``name`` is one of ``allowed`` or inside one; ``bot`` itself (its ``version``) is allowed
    only as such, never as a prefix that would admit every ``bot.*`` module."""
    return any(
        name == a or (a != "bot" and name.startswith(a + ".")) or name == f"{a}.version"
        for a in allowed
    )


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_what_it_may(part: str) -> None:
    wrong = {
        (module, name)
        for module, names in GRAPH.items()
        if _part(module) == part
        for name in names
        if not _within(name, ALLOWED[part] | {part})
    }
    assert not wrong, f"{part} imports outside its seam: {sorted(wrong)}"


def test_web_and_slack_do_not_import_each_other_both_ways() -> None:
    def reaches(a: str, b: str) -> bool:
        return any(
            _part(module) == a and any(n == b or n.startswith(b + ".") for n in names)
            for module, names in GRAPH.items()
        )

    assert not (reaches("bot.web", "bot.slack") and reaches("bot.slack", "bot.web"))
    assert not reaches("bot.slack", "bot.web")


def test_bot_uses_knowledge_through_its_facade_only() -> None:
    reached = {
        (module, name)
        for module, names in GRAPH.items()
        if module.startswith("bot")
        for name in names
        if name.startswith("knowledge.") and name.removeprefix("knowledge.") not in _exported()
    }
    assert not reached, f"bot reaches into knowledge's modules: {sorted(reached)}"


def _exported() -> set[str]:
    import knowledge

    return set(knowledge.__all__)


def test_the_walk_sees_lazy_imports() -> None:
    """The check is only as good as the walk: bot.web.app imports bot.slack inside a function."""
    assert any(name.startswith("bot.slack") for name in GRAPH["bot.web.app"])


def test_answering_a_decision_is_written_once_in_the_service_layer() -> None:
    """The compare-and-set flow used to be copied into the HTTP routes and the Slack code;
    now only bot.services merges answers (the CLI's stateless terminal decision aside)."""
    merging = {
        module
        for module, names in GRAPH.items()
        if "engine.decision.relevant_answers" in names and module.startswith("bot.")
    }
    assert merging == {"bot.services.decisions", "bot.cli.plan"}


def test_serving_does_not_load_the_terminal_renderer() -> None:
    """``meshbot serve`` imports every command's module (to parse its arguments) and the app;
    rich (the CLI's terminal renderer) is loaded only by the commands
    that print, so a fresh interpreter that imports those has not loaded it."""
    code = "import sys, bot.cli.commands, bot.web.app; print(sorted({'rich'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
