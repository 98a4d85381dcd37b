"""Driving the bot the way Slack does: signed requests in, Web API calls out to a fake Slack."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

from bot.settings import Settings
from bot.slack.work import Background
from knowledge.library import Library
from tests.support.fake_slack import RESPOND, TEAM_ID, Call, FakeSlack, sign
from tests.support.servers import serve

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
#: The channel commands are typed in, and the ts Slack gives a message sent through a response
#: URL (the fake does not echo one: Slack's own response is a bare "ok").
CHANNEL = "C1"
RESPONDED_TS = "1799999999.000001"


class Harness:
    def __init__(self, client: TestClient, slack: FakeSlack) -> None:
        self.client = client
        self.slack = slack
        self._events = itertools.count(1)

    def _post(self, body: str, content_type: str, timestamp: int | None = None) -> Response:
        headers = {"Content-Type": content_type, **sign(body, SECRET, timestamp)}
        return self.client.post("/slack/events", content=body, headers=headers)

    def command(self, text: str, user: str = "U1", channel: str = "C1") -> Response:
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "channel_id": channel,
                "user_id": user,
                "command": "/mesh",
                "text": text,
                "response_url": f"{self.slack.root_url}respond",
                "trigger_id": "1.2.3",
            }
        )
        return self._post(body, "application/x-www-form-urlencoded")

    def click(
        self,
        call: Call,
        action_prefix: str,
        user: str = "U1",
        label: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Response:
        """Press the button (or pick the option) in a message the bot posted."""
        action = _find_action(call, action_prefix, label)
        ts = str(call.params.get("_ts", RESPONDED_TS))
        message = {"ts": ts, "thread_ts": call.params.get("thread_ts") or ts}
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": call.params.get("channel", CHANNEL)},
            "message": message,
            "actions": [action],
            "state": {"values": state or {}},
            "trigger_id": "1.2.3",
            "response_url": f"{self.slack.root_url}respond",
        }
        return self._post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    def submit(self, opened: Call, values: dict[str, dict[str, Any]], user: str = "U1") -> Response:
        """Submit a modal the bot opened (``views.open``) with ``values`` (block id → the
        element's state, as Slack sends it); the response is the bot's acknowledgement."""
        view = opened.params["view"]
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID},
            "user": {"id": user, "team_id": TEAM_ID},
            "trigger_id": "1.2.3",
            "view": {
                **view,
                "id": "V1",
                "team_id": TEAM_ID,
                "state": {"values": {block: {"field": v} for block, v in values.items()}},
            },
        }
        return self._post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )

    def event(self, event: dict[str, Any], event_id: str | None = None) -> Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM_ID,
                "api_app_id": "A1",
                "event_id": event_id or f"Ev{next(self._events):08d}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self._post(body, "application/json")

    def reply(self, thread: Call, text: str, user: str = "U1") -> Response:
        return self.event(
            {
                "type": "message",
                "channel": thread.params["channel"],
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "thread_ts": _root(thread),
                "channel_type": "channel",
            }
        )

    def settle(self) -> None:
        """Wait until the bot has finished everything it was asked (its work pool is idle):
        after this, a call that has not been made will not be made."""
        assert self.client.portal is not None, "the harness runs the app in a TestClient block"
        assert isinstance(self.client.app, FastAPI)
        work: Background = self.client.app.state.slack_work
        self.client.portal.call(work.settled)

    def posted(self, count: int = 1) -> list[Call]:
        return self.slack.wait_for("chat.postMessage", count)

    def responded(self, count: int = 1) -> list[Call]:
        """What the bot sent through response URLs (a command's answers)."""
        return self.slack.wait_for(RESPOND, count)


def _root(call: Call) -> str:
    return str(call.params.get("thread_ts") or call.params["_ts"])


def _find_action(call: Call, prefix: str, label: str | None) -> dict[str, Any]:
    for block in call.params.get("blocks", []):
        accessory = [block["accessory"]] if "accessory" in block else []
        for element in [*block.get("elements", []), *accessory]:
            action_id = element.get("action_id", "")
            if not action_id.startswith(prefix):
                continue
            if element["type"] == "button" and label in (None, element["text"]["text"]):
                return {"action_id": action_id, "value": element.get("value", ""), "type": "button"}
            if element["type"] == "feedback_buttons":  # label: "positive" or "negative"
                pressed = element[f"{label or 'positive'}_button"]
                return {
                    "action_id": action_id,
                    "type": "feedback_buttons",
                    "value": pressed["value"],
                    "text": pressed["text"],
                }
            if element["type"] == "static_select":
                option = next(o for o in element["options"] if label in (None, o["text"]["text"]))
                return {"action_id": action_id, "type": "static_select", "selected_option": option}
    raise AssertionError(f"no {prefix} action labelled {label!r} in {call.params.get('text')!r}")


@contextmanager
def harness(library: Library, tmp_path: Path) -> Iterator[Harness]:
    with FakeSlack() as slack:
        slack.set_response("chat.postMessage", echo_ts(slack))
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'slack.sqlite'}",
            api_keys="",
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_base_url=slack.base_url,
        )
        with serve(settings, library) as client:
            yield Harness(client, slack)


def echo_ts(slack: FakeSlack) -> Any:
    """Answer chat.postMessage as Slack does, and keep the ts on the recorded call."""
    counter = itertools.count(1)

    def respond(call: Call) -> dict[str, Any]:
        ts = f"1800000000.{next(counter):06d}"
        call.params["_ts"] = ts
        return {"ok": True, "channel": call.params["channel"], "ts": ts, "message": {"ts": ts}}

    return respond
