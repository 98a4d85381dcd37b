"""What a package index and an operator see: licence, extras, and a clear word when a driver
is missing."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import Settings

ROOT = Path(__file__).parent.parent
PROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_licence_file_ships_with_an_spdx_expression_setuptools_can_read() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PROJECT["project"]["license"] == "MIT"
    assert PROJECT["project"]["license-files"] == ["LICENSE"]
    assert "setuptools>=77" in PROJECT["build-system"]["requires"]


def test_the_postgresql_driver_is_an_extra_not_a_requirement() -> None:
    assert not any(d.startswith("psycopg") for d in PROJECT["project"]["dependencies"])
    assert any(
        d.startswith("psycopg") for d in PROJECT["project"]["optional-dependencies"]["postgres"]
    )


def test_a_postgresql_url_without_its_driver_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a)
    )
    with pytest.raises(ValidationError, match=r"meshbot\[postgres\]"):
        Settings(database_url="postgresql://app@db/meshbot")
    assert Settings(database_url="sqlite:///state.sqlite").database_url.startswith("sqlite")


def test_the_web_pages_templates_and_stylesheet_ship_in_the_package() -> None:
    """An installed meshbot (the container installs the wheel) must find its pages' files."""
    from fnmatch import fnmatch

    patterns = PROJECT["tool"]["setuptools"]["package-data"]["bot"]
    shipped = [ROOT / "bot" / "web" / d for d in ("templates", "static")]
    files = [p.relative_to(ROOT / "bot").as_posix() for d in shipped for p in d.iterdir()]
    assert files and all(any(fnmatch(f, pattern) for pattern in patterns) for f in files), files
