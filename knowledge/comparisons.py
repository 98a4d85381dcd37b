"""Finding the comparison table a person means by naming what they want compared."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.base import KnowledgeBase
from knowledge.index import words
from knowledge.schema import Comparison


def _names(comparison: Comparison) -> set[str]:
    names = {comparison.id, *comparison.keywords}
    for column in comparison.columns:
        names |= {column.id, column.label, *column.aliases}
    names |= {row.label for row in comparison.rows}
    return {" ".join(words(name)) for name in names}


def find_comparison(kb: KnowledgeBase, subjects: Sequence[str]) -> Comparison | None:
    """The table naming every subject (``istio``, ``linkerd``), preferring one that names them as
    columns; None when no table covers them all."""
    wanted = [" ".join(words(subject)) for subject in subjects if words(subject)]
    best: tuple[int, Comparison] | None = None
    for comparison in kb.comparisons():
        names = _names(comparison)
        if not all(subject in names for subject in wanted):
            continue
        columns = {" ".join(words(n)) for c in comparison.columns for n in [c.id, *c.aliases]}
        rank = sum(subject in columns for subject in wanted)
        if best is None or rank > best[0]:
            best = (rank, comparison)
    if best is None and len(wanted) > 1:  # "without mesh" may name one column, not two
        return find_comparison(kb, [" ".join(wanted)])
    return best[1] if best else None
