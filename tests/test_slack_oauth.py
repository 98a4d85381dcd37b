"""Several workspaces: bolt's OAuth flow installs the app, installs live in the state store,
each workspace is answered with its own token, and an uninstall deletes the install."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app, open_store
from knowledge.library import Library
from tests.support.fake_slack import FakeSlack, sign
from tests.support.slack_harness import SECRET

TEAM = "T2"
TOKEN = "xoxb-installed-in-t2"


def _command(client: TestClient, team: str) -> int:
    body = urlencode(
        {
            "team_id": team,
            "channel_id": "C9",
            "user_id": "U9",
            "command": "/mesh",
            "text": "pitfall 504",
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)}
    return client.post("/slack/events", content=body, headers=headers).status_code


def test_install_answer_with_the_workspace_token_then_uninstall(
    library: Library, tmp_path: Path
) -> None:
    with FakeSlack(require_token=False) as slack:  # oauth.v2.access uses client credentials
        slack.set_response(
            "oauth.v2.access",
            {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": "U9"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": TOKEN,
                "bot_user_id": "UBOT2",
                "team": {"id": TEAM, "name": "Second"},
                "enterprise": None,
                "is_enterprise_install": False,
            },
        )
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'oauth.sqlite'}",
            api_keys="",
            slack_client_id="111.222",
            slack_client_secret="client-secret",
            slack_signing_secret=SECRET,
            slack_api_base_url=slack.base_url,
        )
        app = create_app(settings, library, open_store(settings))
        # https, as in production: bolt's OAuth state cookie is Secure.
        with TestClient(app, base_url="https://testserver") as client:
            page = client.get("/slack/install")
            assert page.status_code == 200
            state = re.search(r"state=([\w-]+)", page.text)
            assert state, page.text
            finished = client.get(
                "/slack/oauth_redirect", params={"code": "one-time-code", "state": state.group(1)}
            )
            assert finished.status_code == 200, finished.text
            exchange = slack.wait_for("oauth.v2.access")[0]
            assert exchange.params["code"] == "one-time-code"

            assert _command(client, TEAM) == 200
            answer = slack.wait_for("chat.postMessage")[0]
            assert answer.token == TOKEN

            uninstall = json.dumps(
                {
                    "type": "event_callback",
                    "team_id": TEAM,
                    "event_id": "EvUninstall",
                    "event_time": int(time.time()),
                    "event": {"type": "app_uninstalled"},
                }
            )
            headers = {"Content-Type": "application/json", **sign(uninstall, SECRET)}
            assert (
                client.post("/slack/events", content=uninstall, headers=headers).status_code == 200
            )
            deadline = time.monotonic() + 5
            installations = app.state.services.store
            while _installed(installations.engine):
                assert time.monotonic() < deadline, "the install was not deleted"
                time.sleep(0.05)
            _command(client, TEAM)
            time.sleep(0.5)
            assert len(slack.calls_to("chat.postMessage")) == 1


def _installed(engine: object) -> bool:
    import sqlalchemy as sa

    with engine.connect() as connection:  # type: ignore[attr-defined]
        return bool(connection.execute(sa.text("select count(*) from slack_bots")).scalar())
