"""Every setting is documented, and platform-style names are honoured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    field = Settings.model_fields[name]
    documented = f"MESHBOT_{name.upper()}"
    aliases = getattr(field.validation_alias, "choices", [])
    assert documented in README or any(f"`{alias}`" in README for alias in aliases), name


def test_platform_names_set_port_and_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "5001")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db/meshbot")
    settings = Settings()
    assert (settings.port, settings.database_url) == (5001, "postgresql://app@db/meshbot")
