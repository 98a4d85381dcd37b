"""The article as validated, structured, searchable knowledge, and the manifest scanner.

This module is the package's public face (as ``httpx/__init__.py`` is httpx's): other packages
import from ``knowledge`` only, never from its modules, so the modules can move without breaking
``bot``; ``tests/test_layout.py`` holds ``bot`` to that. Entries are read through typed
accessors (``kb.pitfalls()``, ``kb.comparisons()``, ``kb.facts()``, ``kb.scan_rules()``), so
``mypy --strict`` sees the models at the seam.

Depends on ``engine`` for its types only; never on ``bot``.
"""

import os

# The semantic search multiplies one question vector by a few thousand passage vectors. One
# BLAS thread does that in tens of microseconds; OpenBLAS's thread pool, on a busy 2-core
# machine, took milliseconds (measured at 8,000 passages: p50 0.15 ms with one thread, 16 ms
# with the pool). This runs before numpy is first imported by the search; an operator's own
# setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from knowledge.base import KnowledgeBase, Located
from knowledge.comparisons import find_comparison
from knowledge.errors import (
    IndexUnavailable,
    InvalidKnowledgeBase,
    InvalidQuestion,
    KnowledgeError,
    LimitExceeded,
    Problem,
    ScanTimeout,
)
from knowledge.freshness import DEFAULT_MAX_AGE, parse_age, stale
from knowledge.gaps import Gap, Miss, gaps, parse_since
from knowledge.index import build_index, ensure_index, index_digest
from knowledge.library import Library, check, open_index, open_library
from knowledge.params import decision_rules
from knowledge.scanner.limits import CLI_LIMITS, REQUEST_LIMITS, ScanLimits
from knowledge.scanner.report import (
    as_json,
    as_sarif,
    as_text,
    counts,
    folded,
    skipped_lines,
    worst_first,
)
from knowledge.scanner.resources import STDIN, Resource, files, namespaces
from knowledge.scanner.scan import Finding, Report, Scanner
from knowledge.scanner.versions import (
    MESH_VERSION_PATTERN,
    VERSION_PATTERN,
    InvalidVersion,
    Versions,
    stated,
)
from knowledge.schema import (
    SEVERITIES,
    Comparison,
    Correction,
    Fact,
    Pitfall,
    ScanRule,
    Severity,
    Source,
)
from knowledge.search import MAX_QUESTION_CHARS, MAX_RESULTS, Answer, Hit, Searcher

__all__ = [
    "CLI_LIMITS",
    "DEFAULT_MAX_AGE",
    "MAX_QUESTION_CHARS",
    "MAX_RESULTS",
    "MESH_VERSION_PATTERN",
    "REQUEST_LIMITS",
    "SEVERITIES",
    "STDIN",
    "VERSION_PATTERN",
    "Answer",
    "Comparison",
    "Correction",
    "Fact",
    "Finding",
    "Gap",
    "Hit",
    "IndexUnavailable",
    "InvalidKnowledgeBase",
    "InvalidQuestion",
    "InvalidVersion",
    "KnowledgeBase",
    "KnowledgeError",
    "Library",
    "LimitExceeded",
    "Located",
    "Miss",
    "Pitfall",
    "Problem",
    "Report",
    "Resource",
    "ScanLimits",
    "ScanRule",
    "ScanTimeout",
    "Scanner",
    "Searcher",
    "Severity",
    "Source",
    "Versions",
    "as_json",
    "as_sarif",
    "as_text",
    "build_index",
    "check",
    "counts",
    "decision_rules",
    "ensure_index",
    "files",
    "find_comparison",
    "folded",
    "gaps",
    "index_digest",
    "namespaces",
    "open_index",
    "open_library",
    "parse_age",
    "parse_since",
    "skipped_lines",
    "stale",
    "stated",
    "worst_first",
]
