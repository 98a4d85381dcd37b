"""One call that turns knowledge directories into a ready-to-search library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.decision import DecisionRules
from knowledge.base import KnowledgeBase, load
from knowledge.index import ensure_index
from knowledge.params import decision_rules
from knowledge.search import Searcher
from knowledge.version_advice import VersionAdvisor


@dataclass(frozen=True)
class Library:
    kb: KnowledgeBase
    searcher: Searcher
    index_path: Path
    rules: DecisionRules


def open_library(index_path: Path, extra_dirs: Sequence[Path] = ()) -> Library:
    """Validate the knowledge files, refresh the index if they changed, and open it.

    Raises ``InvalidKnowledgeBase`` listing every problem, so a service never starts on
    half-valid knowledge.
    """
    kb = load(extra_dirs)
    rules = decision_rules(kb)
    ensure_index(kb, index_path)
    return Library(kb, Searcher(index_path, rules.cost, VersionAdvisor(kb)), index_path, rules)
