"""Shared fixtures: the built-in library, built once per run into a temporary index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.library import Library, open_library


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return open_library(tmp_path_factory.mktemp("index") / "knowledge.sqlite")


@pytest.fixture
def org_dir(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write one knowledge file into an organisation's directory and return the directory."""
    directory = tmp_path / "org-knowledge"
    directory.mkdir()

    def write(name: str, text: str) -> Path:
        (directory / name).write_text(text, encoding="utf-8")
        return directory

    return write


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests off the developer's own cache and knowledge directories."""
    monkeypatch.setenv("MESHBOT_INDEX_PATH", str(tmp_path / "cli-index.sqlite"))
    monkeypatch.delenv("MESHBOT_KNOWLEDGE_DIRS", raising=False)
