"""The fake Slack Web API against slack_sdk's real clients: records, answers, faults, signing."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
import urllib.error
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.support.fake_slack import UPLOAD, Call, FakeSlack, sign

TOKEN = "xoxb-fake-test-token"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Do you need a mesh?* Probably not."}},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "meshbot"}]},
]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def client(slack: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.base_url, **kwargs)


def test_sync_post_message_is_recorded_with_decoded_blocks(slack: FakeSlack) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")

    first = client(slack).chat_postMessage(channel="C1", text="hello", blocks=BLOCKS)
    second = client(slack).chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100"
    assert first["message"]["blocks"] == BLOCKS
    assert float(second["ts"]) > float(first["ts"])
    assert second["message"]["thread_ts"] == first["ts"]

    calls = slack.calls_to("chat.postMessage")
    assert len(calls) == 2
    assert calls[0].params == {"channel": "C1", "text": "hello", "blocks": BLOCKS}
    assert calls[0].token == TOKEN
    assert calls[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert calls[0].header("authorization") == f"Bearer {TOKEN}"
    assert slack.wait_for("chat.postMessage", count=2) == calls


def test_form_encoded_json_fields_are_decoded(slack: FakeSlack) -> None:
    client(slack).api_call(
        "chat.postMessage",
        data={"channel": "C1", "blocks": '[{"type": "divider"}]', "attachments": "[]"},
    )
    (call,) = slack.calls
    assert call.header("Content-Type") == "application/x-www-form-urlencoded"
    assert call.params == {"channel": "C1", "blocks": [{"type": "divider"}], "attachments": []}


def test_async_client(slack: FakeSlack) -> None:
    pytest.importorskip("aiohttp")
    from slack_sdk.web.async_client import AsyncWebClient

    async def scenario() -> None:
        web = AsyncWebClient(token=TOKEN, base_url=slack.base_url)
        auth = await web.auth_test()
        assert (auth["bot_user_id"], auth["user_id"], auth["team_id"], auth["bot_id"]) == (
            "UBOT",
            "UBOT",
            "T1",
            "BBOT",
        )
        posted = await web.chat_postMessage(channel="C2", text="async", blocks=BLOCKS)
        assert posted["channel"] == "C2"
        info = await web.conversations_info(channel="C2")  # sent as a GET with a query string
        assert info["channel"]["id"] == "C2"
        (call,) = await slack.wait_for_async("chat.postMessage")
        assert call.params["blocks"] == BLOCKS
        assert call.token == TOKEN
        upload = await web.files_upload_v2(content=b"\x00bytes", filename="b.bin", channel="C2")
        assert upload["file"]["name"] == "b.bin"

    asyncio.run(scenario())
    assert [c.method for c in slack.calls] == [
        "auth.test",
        "chat.postMessage",
        "conversations.info",
        "files.getUploadURLExternal",
        UPLOAD,
        "files.completeUploadExternal",
    ]
    assert slack.calls_to("conversations.info")[0].params == {"channel": "C2"}
    assert slack.calls_to(UPLOAD)[0].params["content"] == b"\x00bytes"


def test_files_upload_v2_end_to_end(slack: FakeSlack) -> None:
    response = client(slack).files_upload_v2(
        content="mesh or no mesh", filename="verdict.txt", title="Verdict", channel="C1"
    )

    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal",
        UPLOAD,
        "files.completeUploadExternal",
    ]
    get_url, upload, complete = slack.calls
    assert get_url.params == {"filename": "verdict.txt", "length": "15"}
    file_id = upload.params["file_id"]
    assert upload.params["content"] == b"mesh or no mesh"
    assert upload.token is None  # the upload URL is presigned: no token is sent to it
    assert complete.params["files"] == [{"id": file_id, "title": "Verdict"}]
    assert complete.params["channel_id"] == "C1"
    assert response["file"]["id"] == file_id
    assert response["files"] == [response["file"]]
    assert response["file"]["title"] == "Verdict"
    assert response["file"]["size"] == 15


def test_rate_limited_then_ok_posts_exactly_once(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "0"})
    web = client(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = web.chat_postMessage(channel="C1", text="once")

    assert response["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert len(slack.attempts_to("chat.postMessage")) == 2
    assert slack.describe() == "chat.postMessage (429), chat.postMessage (ok)"


def test_rate_limit_without_retry_handler_surfaces_429(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", 429)
    with pytest.raises(SlackApiError) as raised:
        client(slack).chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response["error"] == "ratelimited"
    assert slack.calls == []


def test_server_errors_and_api_errors(slack: FakeSlack) -> None:
    slack.fail_next("chat.update", 500, times=2)
    slack.fail_next("reactions.add", 200, body={"ok": False, "error": "already_reacted"})
    web = client(slack)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            web.chat_update(channel="C1", ts="1700000000.000100", text="x")
        assert raised.value.response.status_code == 500
    assert web.chat_update(channel="C1", ts="1700000000.000100", text="x")["ok"] is True

    with pytest.raises(SlackApiError) as raised:
        web.reactions_add(channel="C1", timestamp="1700000000.000100", name="eyes")
    assert raised.value.response["error"] == "already_reacted"
    assert web.reactions_add(channel="C1", timestamp="1700000000.000100", name="eyes")["ok"]
    assert [c.method for c in slack.calls] == ["chat.update", "reactions.add"]
    assert len(slack.attempts) == 5


def test_delay_keeps_serving_other_requests(slack: FakeSlack) -> None:
    slack.delay_next("chat.postMessage", 1.0)
    results: list[str] = []

    def slow_post() -> None:
        results.append(client(slack).chat_postMessage(channel="C1", text="slow")["ts"])

    poster = threading.Thread(target=slow_post)
    poster.start()
    deadline = time.monotonic() + 5
    while not slack.attempts_to("chat.postMessage"):
        assert time.monotonic() < deadline, slack.describe()
        time.sleep(0.01)

    # The post is being held: another request is still answered, and answered first.
    assert client(slack).auth_test()["ok"] is True
    assert slack.calls_to("chat.postMessage") == []
    poster.join(timeout=5)

    # Held, not lost: the delayed post arrived first and was answered last (an order, not a
    # wall-clock figure, so a loaded machine cannot fail it).
    assert len(results) == 1
    assert [c.method for c in slack.attempts] == ["chat.postMessage", "auth.test"]
    assert [c.method for c in slack.calls] == ["auth.test", "chat.postMessage"]


def test_dropped_connection(slack: FakeSlack) -> None:
    slack.drop_next("chat.postMessage")
    with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected)):
        client(slack, retry_handlers=[]).chat_postMessage(channel="C1", text="lost")
    assert slack.calls == []
    assert slack.describe() == "chat.postMessage (dropped)"

    # slack_sdk's default ConnectionErrorRetryHandler sends the request again by itself.
    slack.reset()
    slack.drop_next("chat.postMessage")
    assert client(slack).chat_postMessage(channel="C1", text="again")["ok"] is True
    assert len(slack.attempts_to("chat.postMessage")) == 2
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_default_responses_have_slacks_shape(slack: FakeSlack) -> None:
    web = client(slack)
    ts = web.chat_postMessage(channel="C1", text="x")["ts"]

    updated = web.chat_update(channel="C1", ts=ts, text="y")
    assert (updated["channel"], updated["ts"], updated["message"]["text"]) == ("C1", ts, "y")
    ephemeral = web.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert float(ephemeral["message_ts"]) > float(ts)
    link = web.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link.endswith("/archives/C1/p" + ts.replace(".", ""))
    view = {"type": "home", "blocks": BLOCKS, "private_metadata": "m"}
    published = web.views_publish(user_id="U1", view=view)["view"]
    assert (published["type"], published["blocks"], published["private_metadata"]) == (
        "home",
        BLOCKS,
        "m",
    )
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = web.views_open(trigger_id="1.2.3", view=modal)["view"]
    assert opened["id"].startswith("V")
    assert opened["title"] == modal["title"]
    assert slack.calls_to("views.open")[0].params["view"] == modal
    assert web.users_info(user="U7")["user"]["id"] == "U7"
    assert web.conversations_info(channel="D1")["channel"]["is_im"] is True
    assert web.api_call("apps.some.futureMethod").data == {"ok": True}

    slack.set_response("users.info", lambda call: {"ok": True, "user": {"id": "X"}})
    slack.set_response("team.info", {"ok": True, "team": {"id": "T1"}})
    assert web.users_info(user="U7")["user"] == {"id": "X"}
    assert web.team_info()["team"] == {"id": "T1"}


def test_token_is_recorded_but_never_shown(slack: FakeSlack) -> None:
    client(slack).chat_postMessage(channel="C1", text="x")
    (call,) = slack.calls
    assert call.token == TOKEN
    assert TOKEN not in repr(call)
    assert TOKEN not in slack.describe()
    assert "<redacted>" in repr(Call("m", {"token": TOKEN}, {}))


def test_request_without_token_is_not_authed(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack.base_url).chat_postMessage(channel="C1", text="x")
    assert raised.value.response["error"] == "not_authed"
    assert slack.calls == []
    assert slack.describe() == "chat.postMessage (not_authed)"


def test_wait_for_timeout_names_what_was_seen(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", 500)
    with pytest.raises(SlackApiError):
        client(slack).chat_postMessage(channel="C1", text="x")
    client(slack).auth_test()

    with pytest.raises(AssertionError) as raised:
        slack.wait_for("chat.postMessage", timeout=0.1)
    message = str(raised.value)
    assert "expected 1 call(s) to chat.postMessage" in message
    assert "chat.postMessage (500), auth.test (ok)" in message


def test_reset_forgets_calls_and_pending_faults(slack: FakeSlack) -> None:
    client(slack).auth_test()
    slack.fail_next("auth.test", 500)
    slack.reset()
    assert slack.calls == [] and slack.attempts == []
    assert client(slack).auth_test()["ok"] is True


def test_close_stops_the_server() -> None:
    with FakeSlack() as fake:
        base_url = fake.base_url
        fake.delay_next("auth.test", 30)
    fake.close()  # idempotent
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        WebClient(token=TOKEN, base_url=base_url, retry_handlers=[], timeout=2).auth_test()


# Slack's worked example from "Verifying requests from Slack".
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_sign_matches_slacks_worked_example() -> None:
    assert sign(DOC_BODY, DOC_SECRET, timestamp=1531420618) == {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": DOC_SIGNATURE,
    }


def test_sign_matches_slack_sdk_signature_verifier() -> None:
    verifier = SignatureVerifier("test-signing-secret")
    body = '{"type":"event_callback","event":{"type":"app_mention","text":"<@UBOT> mesh?"}}'

    headers = sign(body, "test-signing-secret")
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), sign(body.encode(), "test-signing-secret"))
    assert not verifier.is_valid_request(body + " ", headers)
    assert not verifier.is_valid_request(body, sign(body, "another-secret"))
    stale = sign(body, "test-signing-secret", timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)
