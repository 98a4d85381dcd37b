"""The Slack bot end to end: signed requests in, Web API calls to a fake Slack out.

No test reaches Slack: the bot's client points at tests/support/fake_slack.py through
SLACK_API_BASE_URL, and every request is signed the way Slack signs them.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.settings import Settings
from knowledge.library import Library
from tests.support.block_kit import assert_within_block_kit
from tests.support.fake_slack import BOT_ID, BOT_USER_ID, Call
from tests.support.servers import serve
from tests.support.slack_harness import RESPONDED_TS, Harness

MAX_TEXT = 12_000


def _text(call: Call) -> str:
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False) + str(
        call.params.get("text", "")
    )


def _question(bot: Harness, count: int) -> Call:
    """The ``count``-th message posted, which should be a question in a thread."""
    call = bot.posted(count)[count - 1]
    assert call.params.get("thread_ts"), call.params.get("text")
    return call


def test_the_whole_decision_by_buttons(bot: Harness) -> None:
    assert bot.command("should-we").status_code == 200
    root, _ = bot.posted(2)
    assert "Should we adopt a service mesh?" in root.params["text"]
    assert "<@U1>" in _text(root)
    clicks = [
        ("answer_pick", "50"),  # services
        ("answer_pick", "8"),  # teams
        ("answer:yes", None),  # compliance
    ]
    posted = 2
    for action, label in clicks:
        bot.click(_question(bot, posted), action, label=label)
        posted += 1
        bot.posted(posted)
    languages = _question(bot, posted)
    state = {
        "b": {
            "pick:languages": {"selected_options": [{"value": v} for v in ("go", "java", "python")]}
        }
    }
    bot.click(languages, "answer_many", state=state)
    posted += 1
    for action, label in [
        ("answer:no", None),  # canary everywhere
        ("answer:0", "Pain we have now"),
        ("answer:no", None),  # deploy together
        ("answer:skip", None),  # latency SLO
        ("answer:no", None),  # platform capacity
        ("answer:", "Operational simplicity"),
        ("answer:none", None),  # istio features
        ("answer_pick", "200"),  # pods
        ("answer:skip", None),  # requests per second per pod
        ("answer:skip", None),  # call depth
    ]:
        bot.click(_question(bot, posted), action, label=label)
        posted += 1
        bot.posted(posted)
    verdict = bot.posted(posted)[-1]
    assert verdict.params["text"] == "Adopt a mesh: start with Linkerd"
    assert verdict.params["thread_ts"] == root.params["_ts"]
    updates = bot.slack.wait_for("chat.update", 14)
    assert "✅" in _text(updates[0]) and "<@U1>" in _text(updates[0])
    assert '"type": "table"' in _text(verdict)  # the cost table for their fleet


def test_the_whole_decision_by_thread_replies_from_two_people(bot: Harness) -> None:
    bot.command("decide")
    root, _ = bot.posted(2)
    replies = [
        ("about 40 services", "U1"),
        ("6 teams", "U2"),
        ("yep, SOC 2", "U1"),
        ("Go, Java and Python", "U2"),
        ("no", "U1"),
        ("the pain we have now", "U2"),
        ("nope", "U1"),
        ("none", "U2"),
        ("yes, we can", "U1"),
        ("operational simplicity", "U2"),
        ("none", "U1"),
        ("skip", "U2"),
    ]
    for n, (text, user) in enumerate(replies, start=3):
        bot.reply(root, text, user)
        bot.posted(n)
    verdict = bot.posted(len(replies) + 2)[-1]
    assert verdict.params["text"].startswith("Adopt a mesh")
    updates = bot.slack.wait_for("chat.update", len(replies))
    assert "<@U2>" in _text(updates[1])


def test_an_unreadable_reply_gets_a_hint_and_changes_nothing(bot: Harness) -> None:
    bot.command("should-we")
    root, _ = bot.posted(2)
    bot.reply(root, "lots", "U3")
    hint = bot.slack.wait_for("chat.postEphemeral")[0]
    assert hint.params["user"] == "U3"
    assert "I need a number" in _text(hint)
    assert len(bot.slack.calls_to("chat.postMessage")) == 2


def test_fifty_people_answering_at_once_one_answer_wins(bot: Harness) -> None:
    bot.command("should-we")
    _, first = bot.posted(2)
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(
            pool.map(lambda n: bot.click(first, "answer_pick", user=f"U{n}", label="40"), range(50))
        )
    bot.posted(3)
    bot.settle()  # every click handled: a duplicate would be here by now
    assert len(bot.slack.calls_to("chat.postMessage")) == 3  # root, question 1, question 2
    assert len(bot.slack.calls_to("chat.update")) == 1
    told = bot.slack.wait_for("chat.postEphemeral", 49)
    assert all("already answered" in _text(c) or "answered first" in _text(c) for c in told)


def test_change_an_answer_and_start_over(bot: Harness) -> None:
    bot.command("should-we")
    root, _ = bot.posted(2)
    bot.reply(root, "12 services")
    bot.posted(3)
    bot.reply(root, "1 team")
    verdict = bot.posted(4)[-1]
    assert verdict.params["text"] == "Not yet: here is what to do instead"
    answered_teams = bot.slack.wait_for("chat.update", 2)[1]
    bot.click(_as_posted(answered_teams, root), "change")
    asked_again = bot.posted(5)[-1]
    assert "How many teams" in asked_again.params["text"]
    bot.click(verdict, "start_over")
    assert "How many services" in bot.posted(6)[-1].params["text"]


def _as_posted(update: Call, root: Call) -> Call:
    """A chat.update call, shaped like the message it replaced (for clicking its buttons)."""
    params = {**update.params, "_ts": update.params["ts"], "thread_ts": root.params["_ts"]}
    return Call("chat.postMessage", params, update.headers)


def test_the_decision_record_and_the_summary_are_posted(bot: Harness) -> None:
    bot.command("should-we")
    root, _ = bot.posted(2)
    bot.reply(root, "8")
    bot.posted(3)
    bot.reply(root, "1")
    verdict = bot.posted(4)[-1]
    bot.click(verdict, "post_record")
    upload = bot.slack.wait_for("files.completeUploadExternal")[0]
    assert upload.params["thread_ts"] == root.params["_ts"]
    content = bot.slack.wait_for("upload")[0].params["content"]
    assert content.startswith(b"# Do not adopt a service mesh")
    bot.click(verdict, "share_summary")
    summary = bot.posted(5)[-1]
    assert "thread_ts" not in summary.params or not summary.params["thread_ts"]
    assert "Service mesh decision: Not yet" in summary.params["text"]


def test_pitfall_lookup_gives_the_fix_with_config(bot: Harness) -> None:
    bot.command("pitfall pods crashloop after sidecar injection")
    answer = bot.responded()[0]
    assert answer.params["response_type"] == "in_channel"
    assert "MESH-P003" in answer.params["text"]
    assert "```" in _text(answer)  # the config to apply
    assert '"type": "feedback_buttons"' in _text(answer)


def test_cost_accepts_both_spellings_and_shows_a_table(bot: Harness) -> None:
    bot.command("cost pods=200 rps=1000 hops=8 nodes=10")
    first = bot.responded(1)[0]
    bot.command("cost 200 pods 8 hops")
    second = bot.responded(2)[1]
    assert '"type": "table"' in _text(first)
    # Upstream figures by default: 200 × 60 MB, and 8 hops × Istio's 0.298 ms.
    assert "12,000" in _text(first) and "2.384" in _text(first)
    assert '"type": "table"' in _text(second)


def test_bad_cost_input_says_what_is_accepted(bot: Harness) -> None:
    bot.command("cost lots of pods")
    hint = bot.responded()[0]
    assert hint.params["response_type"] == "ephemeral"
    assert "For example" in _text(hint)


def test_compare_shows_the_table(bot: Harness) -> None:
    bot.command("compare istio linkerd")
    table = bot.responded()[0]
    assert table.params["text"] == "Istio vs Linkerd"
    assert '"type": "table"' in _text(table)


def test_unknown_subcommand_gets_help_with_did_you_mean(bot: Harness) -> None:
    bot.command("pitfal crashloop")
    help_message = bot.responded()[0]
    assert "Did you mean `pitfall`?" in _text(help_message)


def test_a_bare_question_is_answered(bot: Harness) -> None:
    bot.command("how much memory does an envoy sidecar use")
    assert bot.responded()[0].params["text"]


def test_a_mention_is_answered_in_a_thread_with_feedback_counted(bot: Harness) -> None:
    bot.event(
        {
            "type": "app_mention",
            "channel": "C1",
            "user": "U1",
            "text": f"<@{BOT_USER_ID}> linkerd vs istio memory",
            "ts": "1700000001.000100",
        }
    )
    answer = bot.posted()[0]
    assert answer.params["thread_ts"] == "1700000001.000100"
    assert "show_entry" in _text(answer)
    bot.click(answer, "feedback", label="positive")
    bot.slack.wait_for("chat.postEphemeral")
    metrics = bot.client.get("/metrics").text
    assert 'meshbot_answer_feedback_total{helpful="yes"} 1.0' in metrics


def test_a_direct_message_is_answered_in_a_thread(bot: Harness) -> None:
    bot.event(
        {
            "type": "message",
            "channel": "D1",
            "channel_type": "im",
            "user": "U1",
            "text": "upstream request timeout on exports",
            "ts": "1700000002.000100",
        }
    )
    answer = bot.posted()[0]
    assert answer.params["thread_ts"] == "1700000002.000100"
    assert "MESH-P004" in answer.params["text"]


def test_the_bot_ignores_itself_and_other_bots(bot: Harness) -> None:
    for author in ({"user": BOT_USER_ID}, {"bot_id": BOT_ID, "user": "U9"}):
        bot.event(
            {
                "type": "message",
                "channel": "D1",
                "channel_type": "im",
                "text": "istio vs linkerd",
                "ts": "1700000003.000100",
                **author,
            }
        )
    bot.settle()
    assert bot.slack.calls_to("chat.postMessage") == []


def test_a_retried_event_is_answered_once(bot: Harness) -> None:
    event = {
        "type": "message",
        "channel": "D1",
        "channel_type": "im",
        "user": "U1",
        "text": "what kernel does cilium need",
        "ts": "1700000004.000100",
    }
    assert bot.event(event, event_id="EvSAME").status_code == 200
    assert bot.event(event, event_id="EvSAME").status_code == 200
    bot.posted()
    bot.settle()
    assert len(bot.slack.calls_to("chat.postMessage")) == 1


def test_mentions_and_broadcasts_in_user_text_are_neutralised(bot: Harness) -> None:
    bot.command("<!channel> <@U999> what is a gopher recipe")
    reply = bot.responded()[0]
    text = _text(reply)
    assert "<!channel>" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt;" in text


def test_forged_and_stale_requests_are_refused(bot: Harness) -> None:
    body = "command=%2Fmesh&text=help&team_id=T1&channel_id=C1&user_id=U1"
    forged = bot.client.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert forged.status_code == 401
    stale = bot._post(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600)
    assert stale.status_code == 401
    assert bot.slack.calls_to("chat.postMessage") == []


def test_slack_answering_429_then_200_posts_once(bot: Harness) -> None:
    bot.slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "0"})
    bot.command("should-we")
    bot.slack.wait_for("chat.postMessage", 2, timeout=10)
    assert len(bot.slack.calls_to("chat.postMessage")) == 2  # the root and the first question
    assert len(bot.slack.attempts_to("chat.postMessage")) == 3


def test_a_failing_listener_apologises_instead_of_going_silent(bot: Harness) -> None:
    bot.slack.fail_next("chat.postMessage", 500, times=3)
    bot.command("should-we")
    apology = bot.responded()[0]
    assert "Sorry" in _text(apology)
    assert re.search(r"request id `[0-9a-f]{12}`", apology.params["text"])


def test_app_home_shows_recent_decisions(bot: Harness) -> None:
    bot.command("should-we")
    bot.posted(2)
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    view = bot.slack.wait_for("views.publish")[0].params["view"]
    assert view["type"] == "home"
    shown = json.dumps(view)
    assert "answers so far" in shown
    assert "/archives/C1/p" in shown  # linked to its thread
    assert "<!date^" in shown  # a time in the reader's zone


def test_every_message_the_bot_sent_fits_block_kit(bot: Harness) -> None:
    bot.command("pitfall upstream request timeout")
    bot.command("compare without mesh")
    bot.command("cost pods=5000 hops=20 l7=30")
    bot.command("should-we")
    sent = [*bot.posted(2), *bot.responded(3)]
    for call in [*sent, *bot.slack.calls_to("chat.postEphemeral")]:
        blocks: list[dict[str, Any]] = call.params.get("blocks", [])
        assert call.params.get("text"), "a plain-text fallback"
        assert_within_block_kit(blocks)
        assert len(json.dumps(blocks)) < 3 * MAX_TEXT


def test_slack_is_off_without_credentials(
    library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.sqlite'}", api_keys="")
    with caplog.at_level("WARNING", logger="meshbot"), serve(settings, library) as client:
        assert client.post("/slack/events", content="{}").status_code == 404
        assert client.get("/healthz").status_code == 200
    assert any("SLACK_BOT_TOKEN" in r.getMessage() for r in caplog.records)


def test_a_long_runbook_is_cut_with_show_more_and_the_rest_follows(bot: Harness) -> None:
    bot.command("pitfall MESH-P001")
    card = bot.responded()[0]
    bot.click(card, "show_entry:0", label="Full runbook in the thread")
    first = bot.posted()[0]
    assert first.params["thread_ts"] == RESPONDED_TS
    assert '"action_id": "more"' in _text(first)
    bot.click(first, "more")
    rest = bot.posted(2)[-1]
    assert rest.params["text"].endswith("(continued)")
    assert rest.params["thread_ts"] == RESPONDED_TS  # the same thread as the runbook


def test_other_matches_open_in_the_thread(bot: Harness) -> None:
    bot.command("ask istio vs linkerd memory")
    answer = bot.responded()[0]
    bot.click(answer, "show_entry:0")
    shown = bot.posted()[0]
    assert shown.params["thread_ts"] == RESPONDED_TS


def test_app_home_lists_pitfalls_in_a_dm(bot: Harness) -> None:
    bot.slack.set_response("conversations.open", {"ok": True, "channel": {"id": "D7"}})
    home = Call("views.publish", {"channel": "D7", "_ts": "1", "blocks": _home_blocks(bot)}, {})
    bot.click(home, "home_pitfalls")
    listing = bot.posted()[0]
    assert listing.params["channel"] == "D7" and "MESH-P005" in _text(listing)


def _home_blocks(bot: Harness) -> list[dict[str, Any]]:
    """The App Home view the bot publishes for U1."""
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "D7", "tab": "home"})
    blocks: list[dict[str, Any]] = bot.slack.wait_for("views.publish")[0].params["view"]["blocks"]
    return blocks


SCAN_YAML = """apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    istio-injection: enabled
"""


def test_mesh_scan_reports_findings_with_a_runbook_button(bot: Harness) -> None:
    bot.command("scan\n" + SCAN_YAML)
    report = bot.responded()[0]
    assert "MESH-P001-R01" in _text(report)
    assert "High" in _text(report) or "Warning" in _text(report) or "Error" in _text(report)
    bot.click(report, "show_entry:0")
    runbook = bot.posted()[0]
    assert runbook.params["text"].startswith("MESH-P001")


def test_the_scan_shortcut_answers_in_the_messages_thread(bot: Harness) -> None:
    escaped = "```" + SCAN_YAML.replace("&", "&amp;") + "```"
    payload = {
        "type": "message_action",
        "callback_id": "scan_message",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "message": {"ts": "1700000005.000100", "text": escaped},
        "trigger_id": "1.2.3",
        "response_url": f"{bot.slack.root_url}respond",
    }
    bot._post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    findings = bot.posted()[0]
    assert findings.params["thread_ts"] == "1700000005.000100"
    assert "MESH-P001-R01" in _text(findings)
