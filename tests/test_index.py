"""The index is one SQLite file, rebuilt only when its inputs change, readable by sqlite-utils."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from knowledge.base import load
from knowledge.errors import IndexUnavailable
from knowledge.index import build_index, ensure_index, is_current


def test_index_is_built_once_and_reused_while_files_are_unchanged(tmp_path: Path) -> None:
    kb = load()
    path = tmp_path / "kb.sqlite"
    assert ensure_index(kb, path) is True
    built = path.stat().st_mtime_ns
    assert ensure_index(kb, path) is False
    assert path.stat().st_mtime_ns == built


def test_index_is_rebuilt_when_a_knowledge_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    ensure_index(load(), path)
    org = tmp_path / "org"
    org.mkdir()
    (org / "facts.yaml").write_text(
        "- id: fact.acme-fleet\n  topic: cost\n  title: Our fleet\n"
        "  claim: We run 450 pods.\n  quantity: {value: 450, unit: pods}\n  sources: [article]\n"
        "  reviewed: 2026-11-01\n"
    )
    changed = load([org])
    assert not is_current(path, changed)
    assert ensure_index(changed, path) is True
    assert is_current(path, changed)


def test_index_opens_with_sqlite_utils_and_searches_with_fts5(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    build_index(load(), path)
    db = sqlite_utils.Database(path)
    assert {"entries", "entries_fts", "words", "synonyms", "meta"} <= set(db.table_names())
    hits = list(db.table("entries").search("holdApplicationUntilProxyStarts", columns=["id"]))
    assert {"id": "MESH-P003"} in hits


def test_a_build_leaves_only_the_index_file(tmp_path: Path) -> None:
    build_index(load(), tmp_path / "kb.sqlite")
    assert [p.name for p in tmp_path.iterdir()] == ["kb.sqlite"]


def test_an_unwritable_index_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(IndexUnavailable, match="cannot build the search index"):
        build_index(load(), blocker / "kb.sqlite")


def test_a_corrupt_index_file_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    assert ensure_index(load(), path) is True
    assert is_current(path, load())
