"""The five problems of issue 15, each shown gone: `/mesh` where the bot is not a member, the
incident card before the runbook, a verdict free of internal ids, a calmer thread, and Slack's
own elements (labels, severity, apologies). Every message is checked against Block Kit's limits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pytest

from bot.slack import messages
from bot.slack.blocks import cut
from engine.adr import render_adr
from engine.answers import Value
from engine.decision import Verdict, next_step
from knowledge.library import Library
from tests.support.block_kit import assert_within_block_kit
from tests.support.fake_slack import Call
from tests.support.slack_harness import Harness

#: One screen: about 15 lines, each about 90 characters wide in a channel.
SCREEN_LINES, LINE_CHARS = 15, 90
#: What must never reach a person: entry ids and stored enum values.
INTERNAL = re.compile(r"\b(crit|anti|thr|cmp|fact|step)\.[a-z]|pain-now|be-ready|no-mesh\b")
UNJOINED = "C9"


def _text(call: Call) -> str:
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False) + str(
        call.params.get("text", "")
    )


def screen_lines(blocks: list[dict[str, Any]]) -> int:
    """Lines a message takes on screen: text wrapped at LINE_CHARS, fields two to a row."""

    def wrapped(text: str) -> int:
        return sum(max(1, math.ceil(len(line) / LINE_CHARS)) for line in text.split("\n"))

    lines = 0
    for block in blocks:
        if block["type"] in {"header", "section"} and "text" in block:
            lines += wrapped(block["text"]["text"].replace("```", ""))
        if "fields" in block:
            lines += 2 * math.ceil(len(block["fields"]) / 2)
        if block["type"] in {"actions", "context"}:
            lines += 1
    return lines


# -- 1. /mesh answers wherever it is typed ----------------------------------------------------


def test_mesh_in_a_channel_the_bot_has_not_joined_answers_through_the_response_url(
    bot: Harness,
) -> None:
    bot.slack.not_in(UNJOINED)
    bot.command("help", channel=UNJOINED)
    bot.command("pitfall certificate expired", channel=UNJOINED)
    shown_help, card = bot.responded(2)
    assert shown_help.params["response_type"] == "ephemeral"
    assert "/mesh` commands" in _text(shown_help)
    assert card.params["response_type"] == "in_channel"
    assert "Do this now" in _text(card)
    assert not bot.slack.calls_to("chat.postMessage")
    assert not bot.slack.calls_to("chat.postEphemeral")


def test_a_decision_in_an_unjoined_channel_says_how_to_invite_the_bot(bot: Harness) -> None:
    bot.slack.not_in(UNJOINED)
    bot.command("should-we", channel=UNJOINED)
    told = bot.responded()[0]
    assert told.params["response_type"] == "ephemeral"
    assert "/invite @meshbot" in _text(told)
    refused = bot.slack.attempts_to("chat.postMessage")
    assert [c.params["channel"] for c in refused] == [UNJOINED]


def test_the_full_runbook_from_a_card_in_an_unjoined_channel_comes_by_response_url(
    bot: Harness,
) -> None:
    bot.slack.not_in(UNJOINED)
    bot.command("pitfall strict mtls probes failing", channel=UNJOINED)
    card = bot.responded()[0]
    clicked = {**card.params, "channel": UNJOINED}
    bot.click(Call(card.method, clicked), "show_entry:0", label="Full runbook in the thread")
    runbook = bot.responded(2)[1]
    assert runbook.params["response_type"] == "in_channel"
    assert runbook.params["replace_original"] is False
    assert "MESH-P002" in runbook.params["text"]


# -- 2. an incident card before the runbook --------------------------------------------------


@pytest.mark.parametrize("code", ["MESH-P001", "MESH-P002", "MESH-P003", "MESH-P004", "MESH-P005"])
def test_each_pitfall_comes_as_an_incident_card_that_fits_one_screen(
    bot: Harness, library: Library, code: str
) -> None:
    pitfall = next(p for p in library.kb.pitfalls() if p.code == code)
    bot.command(f"pitfall {code}", user="U7")
    card = bot.responded()[0]
    blocks = card.params["blocks"]
    assert_within_block_kit(blocks)
    assert screen_lines(blocks) <= SCREEN_LINES, screen_lines(blocks)
    assert blocks[0]["type"] == "header"
    fields = " ".join(f["text"] for f in blocks[1]["fields"])
    assert code in fields and "Asked by <@U7>" in _text(card)
    assert pitfall.severity.capitalize() in fields  # severity in words
    assert pitfall.affects[0].mesh in fields
    do_now = blocks[2]["text"]["text"]
    assert do_now.startswith("*Do this now*")
    first_words = " ".join(pitfall.fix[0].split()[:4])
    assert first_words.split("`")[0] in do_now.replace("`", "")
    assert pitfall.config[0].title[:40] in do_now  # the config it applies (its title cut)
    texts = [b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict)]
    assert sum(t.count(pitfall.title) for t in texts) == 1  # the title once, as the header
    assert "Full runbook in the thread" in _text(card)


# -- 3. a verdict people share ----------------------------------------------------------------


MESH: dict[str, Value] = {
    "services": 50,
    "teams": 8,
    "compliance": True,
    "languages": ["go", "java", "python"],
    "canary_everywhere": False,
    "motivation": "pain-now",
    "deploy_together": False,
    "latency_slo_ms": None,
    "platform_capacity": False,
    "main_concern": "simplicity",
    "istio_features": [],
    "pods": 200,
}


def test_a_verdict_speaks_in_words_and_names_no_internal_id(library: Library) -> None:
    answers = dict(MESH)
    verdict: Verdict | None = None
    for _ in range(len(MESH)):
        step = next_step(answers, library.rules)
        if isinstance(step, Verdict):
            verdict = step
            break
        answers.setdefault(step.id, None)
    assert verdict is not None and verdict.verdict == "mesh"
    when = dt.datetime(2026, 12, 2, 5, 30, tzinfo=dt.UTC)
    shown = messages.verdict("s1", verdict, library.rules, ["U1", "U2"], when).payload()
    text = json.dumps(shown, ensure_ascii=False)
    assert shown["text"].startswith("Adopt a mesh: start with ")
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert library.rules.named(verdict.criteria_met[0]) in text
    assert "<@U1>, <@U2>" in text and "<!date^" in text and "|2026-12-02 05:30 UTC>" in text
    assert "USD/month" in text  # the monthly cost
    assert_within_block_kit(shown["blocks"])
    start_over = [
        e
        for b in shown["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "start_over"
    ]
    assert start_over and start_over[0]["confirm"]["title"]["text"] == "Start over?"
    record = render_adr(verdict, answers, library.rules, when.date())
    assert not INTERNAL.search(record), INTERNAL.search(record)
    assert "Pain we have now" in record or "pain we have now" in record.lower()


def test_a_no_mesh_verdict_says_what_to_do_instead(bot: Harness) -> None:
    bot.command("should-we")
    root, _ = bot.posted(2)
    bot.reply(root, "8 services")
    bot.posted(3)
    bot.reply(root, "1 team")
    verdict = bot.posted(4)[-1]
    text = _text(verdict)
    assert verdict.params["text"] == "Not yet: here is what to do instead"
    assert "What to do instead" in text and "cert-manager" in text and "Argo Rollouts" in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    root_now = bot.slack.wait_for("chat.update", 3)[-1]
    assert root_now.params["ts"] == root.params["_ts"]
    assert "Outcome: Not yet" in _text(root_now)
    assert_within_block_kit(verdict.params["blocks"])


# -- 4. a calmer thread -----------------------------------------------------------------------


def test_each_question_says_where_it_stands_and_an_answer_collapses_to_one_line(
    bot: Harness,
) -> None:
    bot.command("should-we")
    root, first = bot.posted(2)
    assert re.match(r"1 of about \d+: ", first.params["text"])
    bot.reply(root, "40 services")
    second = bot.posted(3)[-1]
    assert re.match(r"2 of about \d+: ", second.params["text"])
    collapsed = bot.slack.wait_for("chat.update")[0]
    [line] = collapsed.params["blocks"]
    assert line["type"] == "section" and "\n" not in line["text"]["text"]
    assert line["accessory"]["action_id"] == "change"


# -- 5. Slack's own elements ------------------------------------------------------------------


def test_a_long_label_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    label = cut("Restart the workloads when certificates expire during the night shift", 40)
    assert label.endswith("…") and len(label) <= 40
    assert label == "Restart the workloads when certificates…"


def test_an_apology_carries_a_request_id_that_is_in_the_log(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.slack.fail_next("chat.postMessage", 500, times=3)
    with caplog.at_level("WARNING", logger="meshbot.slack"):
        bot.command("should-we")
        apology = bot.responded()[0]
    found = re.search(r"request id `([0-9a-f]{12})`", apology.params["text"])
    assert found
    assert any(getattr(r, "request_id", None) == found.group(1) for r in caplog.records)


def test_mesh_cost_names_each_control_plane_once_and_says_why_one_reserves_nothing(
    bot: Harness,
) -> None:
    assert bot.command("cost pods=200 hops=8").status_code == 200
    [answer] = bot.responded()
    text = json.dumps(answer.params.get("blocks", []))
    assert text.count("istiod") == 1  # shared by both Istio modes, shown once
    assert "Istio (sidecar mode) and Istio ambient mode" in text
    assert "cilium-operator, requests no resources by default" in text
    assert "cilium-operator, 0 MB" not in text and "cilium-operator: 0 MB" not in text
