"""The knowledge base in the three sizes callers need, each built only when asked for.

``check`` validates everything a knowledge author can get wrong (schema, cross-references, the
entries the engine reads, scan rules paired with checks) and is all that ``meshbot scan`` needs;
``decision_rules`` adds the engine's parameters (``estimate``, ``decide``); ``open_library``
adds the search index on disk, the only part that writes a file. A command that never searches
therefore never needs a writable cache directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.decision import DecisionRules
from knowledge import params
from knowledge.base import KnowledgeBase, load
from knowledge.errors import InvalidKnowledgeBase
from knowledge.index import ensure_index
from knowledge.scanner import registry
from knowledge.search import Searcher
from knowledge.version_advice import VersionAdvisor


@dataclass(frozen=True)
class Library:
    kb: KnowledgeBase
    searcher: Searcher
    index_path: Path
    rules: DecisionRules


def check(extra_dirs: Sequence[Path] = ()) -> KnowledgeBase:
    """Load and validate the knowledge files; raise ``InvalidKnowledgeBase`` with every problem.

    Beyond ``load`` (schema, cross-references), this checks what other parts rely on: the
    entries the engine reads and the scanner's rules and checks, so ``kb check`` passing means
    the service starts and every rule runs."""
    kb = load(extra_dirs)
    problems = [*params.problems(kb), *registry.problems(kb)]
    if problems:
        raise InvalidKnowledgeBase(problems)
    return kb


def open_library(index_path: Path, extra_dirs: Sequence[Path] = ()) -> Library:
    """Validate the knowledge files, refresh the index if they changed, and open it.

    Raises ``InvalidKnowledgeBase`` listing every problem, so a service never starts on
    half-valid knowledge.
    """
    kb = check(extra_dirs)
    return open_index(kb, params.decision_rules(kb), index_path)


def open_index(kb: KnowledgeBase, rules: DecisionRules, index_path: Path) -> Library:
    """A validated knowledge base with its search index, refreshed on disk if it is stale."""
    ensure_index(kb, index_path)
    return Library(kb, Searcher(index_path, rules.cost, VersionAdvisor(kb)), index_path, rules)
