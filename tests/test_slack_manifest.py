"""The Slack app manifests ask for exactly the scopes and events the code uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.app import BOT_SCOPES
from bot.slack.ids import SCAN_SHORTCUT

ROOT = Path(__file__).parent.parent
SOURCE = "\n".join(p.read_text() for p in sorted((ROOT / "bot" / "slack").rglob("*.py")))
MANIFESTS = sorted((ROOT / "deploy" / "slack").glob("manifest*.yaml"))

#: What Slack requires for each Web API method and event the bot uses (api.slack.com/methods,
#: api.slack.com/events). An empty set: the method needs no scope.
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_getPermalink": set(),
    "files_upload_v2": {"files:write"},
    "views_publish": set(),
    "views_open": set(),
    "conversations_open": {"im:write"},
}
EVENT_SCOPES = {
    "app_mention": {"app_mentions:read"},
    "app_uninstalled": set(),
    "tokens_revoked": set(),
    "app_home_opened": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
}
COMMAND_SCOPE = {"commands"}


def _methods() -> set[str]:
    return set(re.findall(r"(?:self\.client|web)\.([a-z]+_[A-Za-z0-9_]+)\(", SOURCE))


def _events() -> set[str]:
    handled = set(re.findall(r'app\.event\("([a-z_]+)"\)', SOURCE))
    if "enable_token_revocation_listeners()" in SOURCE:  # bolt's own listeners, for installs
        handled |= {"app_uninstalled", "tokens_revoked"}
    return handled


def _manifest(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def test_every_method_the_code_calls_has_a_known_scope() -> None:
    assert _methods() and _methods() <= set(METHOD_SCOPES), _methods() - set(METHOD_SCOPES)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_scopes_are_exactly_those_the_code_needs(path: Path) -> None:
    manifest = _manifest(path)
    bot_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    needed = set(COMMAND_SCOPE)
    for method in _methods():
        needed |= METHOD_SCOPES[method]
    for event in bot_events:
        needed |= EVENT_SCOPES[event]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_subscribes_to_exactly_the_events_the_code_handles(path: Path) -> None:
    bot_events = set(_manifest(path)["settings"]["event_subscriptions"]["bot_events"])
    handled = {event.split(".")[0] for event in bot_events}
    assert handled == _events()


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_has_the_mesh_command_interactivity_and_app_home(path: Path) -> None:
    manifest = _manifest(path)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/mesh"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    socket = manifest["settings"]["socket_mode_enabled"]
    urls = re.findall(r"https://\S+", path.read_text().split("\ndisplay_information")[1])
    assert (not urls) if socket else all(u.startswith("https://MESHBOT_PUBLIC_URL/") for u in urls)


def test_an_install_asks_for_the_manifests_scopes() -> None:
    for path in MANIFESTS:
        assert sorted(BOT_SCOPES) == sorted(_manifest(path)["oauth_config"]["scopes"]["bot"])


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_shortcuts_are_exactly_those_the_code_handles(path: Path) -> None:
    declared = {s["callback_id"] for s in _manifest(path)["features"].get("shortcuts", [])}
    handled = set(re.findall(r'app\.shortcut\("([a-z_]+)"\)', SOURCE))
    if "app.shortcut(SCAN_SHORTCUT)" in SOURCE:  # the id is named once, in bot/slack/ids.py
        handled.add(SCAN_SHORTCUT)
    assert declared == handled
