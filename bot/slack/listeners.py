"""What the bot does with each command, button, message and event.

Every listener acknowledges first and works after, so Slack's 3-second limit is never at risk.
Store calls run in a worker thread (``asyncio.to_thread``) so the event loop never waits on the
database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import json
import logging
import re
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import misses
from bot.scanning import scan_off_loop
from bot.slack import messages
from bot.slack.blocks import Message
from bot.slack.commands import FleetError, fleet, parse
from bot.slack.conversation import Conversations, Outcome
from bot.slack.mrkdwn import escape
from bot.slack.work import DRAIN_SECONDS, Background, Busy
from bot.store import DecisionStore
from bot.web.metrics import Metrics
from engine.adr import render_adr
from engine.answers import Question
from engine.cost import FleetSpec, estimate
from engine.decision import Verdict
from knowledge.comparisons import find_comparison
from knowledge.errors import InvalidQuestion, ScanTimeout
from knowledge.library import Library
from knowledge.scanner.scan import Scanner
from knowledge.search import Answer

log = logging.getLogger("meshbot.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
#: Set by a middleware for each request: bolt's client carrying that workspace's token.
REQUEST_CLIENT: ContextVar[AsyncWebClient] = ContextVar("request_client")
PROMPT_WAIT_STEPS = 40  # × 50 ms
Listener = Callable[..., Coroutine[Any, Any, None]]


class Bot:
    def __init__(
        self,
        library: Library,
        store: DecisionStore,
        metrics: Metrics,
        client: AsyncWebClient,
        scan_timeout_seconds: float,
        work: Background | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.metrics = metrics
        self.app_client = client
        self.work = work or Background()
        self.conversations = Conversations(store, library.rules)
        self.scanner = Scanner(library.kb)
        self.scan_timeout_seconds = scan_timeout_seconds

    @property
    def client(self) -> AsyncWebClient:
        """The client for the workspace of the request being handled (bolt authorises each
        request; with several workspaces installed each has its own token)."""
        return REQUEST_CLIENT.get(self.app_client)

    def register(self, app: AsyncApp) -> None:
        later = self.deferred
        app.command("/mesh")(later(self.on_mesh))
        app.action(re.compile(r"^answer(:.+)?$"))(later(self.on_answer_button))
        app.action("answer_many")(later(self.on_answer_many))
        app.action("answer_pick")(later(self.on_answer_pick))
        app.action(re.compile(r"^pick:"))(self.on_ack_only)
        app.action("change")(later(self.on_change))
        app.action("start_over")(later(self.on_start_over))
        app.action("post_record")(later(self.on_post_record))
        app.action("share_summary")(later(self.on_share_summary))
        app.action(re.compile(r"^show_entry:"))(later(self.on_show_entry))
        app.action("more")(later(self.on_more))
        app.action(re.compile(r"^feedback:"))(later(self.on_feedback))
        app.action("home_start")(later(self.on_home_start))
        app.action("home_pitfalls")(later(self.on_home_pitfalls))
        app.event("app_mention")(later(self.on_mention))
        app.event("message")(later(self.on_message))
        app.event("app_home_opened")(later(self.on_home_opened))
        app.shortcut("scan_message")(later(self.on_scan_shortcut))

    def deferred(self, listener: Listener) -> Listener:
        """Acknowledge at once, then run ``listener`` in the bounded background pool, so no
        acknowledgement waits behind work and shutdown can finish what was acknowledged.
        bolt reads the wrapped listener's parameters (``inspect.unwrap``), so each listener
        still receives exactly what it names; its own ``ack()`` becomes a no-op."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            if "ack" in kwargs:
                await kwargs["ack"]()
                kwargs["ack"] = _acknowledged
            where = where_of(kwargs.get("body") or kwargs.get("command") or kwargs)

            async def report(error: BaseException | None) -> None:
                await self.apologise(where, "failed" if error else "restarting")

            try:
                self.work.submit(listener(**kwargs), report)
            except Busy:
                await self.apologise(where, "busy")

        return run

    async def apologise(self, where: dict[str, str], reason: str = "failed") -> None:
        """Never leave a person in silence: an ephemeral note where they asked."""
        if "channel" not in where or "user" not in where:
            return
        self.reuse_connections()
        await self.client.chat_postEphemeral(
            channel=where["channel"],
            user=where["user"],
            thread_ts=where.get("thread_ts"),
            **messages.apology(reason).payload(),
        )

    # -- sending -------------------------------------------------------------------------

    def reuse_connections(self) -> None:
        """One aiohttp session for every Web API call: slack_sdk otherwise opens a new one (and
        a new connection) per call. Created on first use, inside the running event loop."""
        if self.app_client.session is None:
            self.app_client.session = aiohttp.ClientSession()

    async def close(self) -> None:
        """At shutdown: finish (or report) acknowledged work, then close the connections."""
        await self.work.drain(DRAIN_SECONDS)
        if self.app_client.session is not None:
            await self.app_client.session.close()

    async def post(self, channel: str, message: Message, thread_ts: str | None = None) -> str:
        self.reuse_connections()
        response = await self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, **message.payload()
        )
        return str(response["ts"])

    async def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None:
        note = messages.notice(text)
        self.reuse_connections()
        await self.client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, **note.payload()
        )

    async def _search(self, question: str, kinds: frozenset[str] = frozenset()) -> Answer:
        result = self.library.searcher.search(question, limit=5, kinds=kinds)
        self.metrics.searches.inc()
        if not result.answered:
            self.metrics.unanswered.inc()
            await misses.keep(self.store, result)
        return result

    # -- /mesh ---------------------------------------------------------------------------

    async def on_mesh(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        channel, user, team = command["channel_id"], command["user_id"], command["team_id"]
        parsed = parse(command.get("text", ""))
        if parsed.name == "help":
            help_message = messages.help_text(parsed.suggestion, parsed.unknown)
            await self.client.chat_postEphemeral(
                channel=channel, user=user, **help_message.payload()
            )
        elif parsed.name == "should-we":
            await self.start_decision(team, channel, user)
        elif parsed.name in {"ask", "pitfall"}:
            if not parsed.rest:
                await self.ephemeral(
                    channel, user, f"Tell me what to look up: `/mesh {parsed.name} <text>`"
                )
                return
            kinds = frozenset({"pitfall"}) if parsed.name == "pitfall" else frozenset()
            try:
                result = await self._search(parsed.rest, kinds)
            except InvalidQuestion as error:
                await self.ephemeral(channel, user, str(error))
                return
            await self.post(channel, messages.answer(result, f"<@{user}>"))
        elif parsed.name == "compare":
            await self.compare(channel, user, parsed.rest)
        elif parsed.name == "cost":
            await self.cost(channel, user, parsed.rest)
        elif parsed.name == "scan":
            if not parsed.rest.strip():
                await self.ephemeral(channel, user, "Paste the YAML after `/mesh scan`.")
                return
            await self.post(channel, await self._scan(parsed.rest))

    async def compare(self, channel: str, user: str, rest: str) -> None:
        tables = list(self.library.kb.of_kind("comparison"))
        if not rest:
            listing = messages.comparisons_list([(t.id, t.title) for t in tables])
            await self.post(channel, listing)
            return
        found = find_comparison(self.library.kb, rest.split())
        if found is None:
            await self.ephemeral(
                channel,
                user,
                f"No table compares `{escape(rest)}`. Tables: "
                + ", ".join(f"`{t.id}`" for t in tables),
            )
            return
        await self.post(channel, messages.comparison(found))

    async def cost(self, channel: str, user: str, rest: str) -> None:
        try:
            spec = FleetSpec.model_validate(fleet(rest))
        except FleetError as error:
            await self.ephemeral(channel, user, str(error))
            return
        except ValidationError as error:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
            await self.ephemeral(
                channel, user, f"{problems}. For example: `/mesh cost pods=200 hops=8`"
            )
            return
        await self.post(channel, messages.cost(estimate(spec, self.library.rules.cost)))

    # -- the decision in a thread --------------------------------------------------------

    async def start_decision(self, team: str, channel: str, user: str) -> None:
        root_ts = await self.post(channel, messages.root(user))
        session = await asyncio.to_thread(self.conversations.start, team, channel, root_ts, user)
        self.metrics.decisions_started.inc()
        first = self.conversations.step(session)
        assert isinstance(first, Question)
        ts = await self.post(
            channel, messages.question(session.id, first, session.version), root_ts
        )
        await asyncio.to_thread(self.store.set_prompt, session.id, ts, session.version)

    async def show_outcome(
        self, outcome: Outcome, channel: str, thread_ts: str, user: str, message_ts: str | None
    ) -> None:
        """Mark the question answered, then ask the next one or give the verdict — or tell the
        person why their answer did not count."""
        if outcome.status != "ok":
            await self.ephemeral(channel, user, outcome.message, thread_ts)
            return
        session = outcome.session
        if outcome.question is not None:
            target = message_ts or await self._prompt(session.id, session.version - 1)
            done = messages.answered(session.id, outcome.question, outcome.shown, user)
            if target is not None:
                await self.client.chat_update(channel=channel, ts=target, **done.payload())
        following = outcome.next or self.conversations.step(session)
        if isinstance(following, Verdict):
            self.metrics.decisions_finished.inc()
            verdict = messages.verdict(session.id, following, self.library.rules)
            await self.post(channel, verdict, thread_ts)
            return
        asked = messages.question(session.id, following, session.version)
        ts = await self.post(channel, asked, thread_ts)
        await asyncio.to_thread(self.store.set_prompt, session.id, ts, session.version)

    async def _prompt(self, session_id: str, version: int) -> str | None:
        """The message that asked the question open at ``version``. A reply names no message,
        and a quick one can arrive before that message's ts is stored: wait for it briefly."""
        for _ in range(PROMPT_WAIT_STEPS):
            session = await asyncio.to_thread(self.store.get, session_id)
            if session.prompt_version == version:
                return session.prompt_ts
            await asyncio.sleep(0.05)
        log.warning("question message unknown; left as it was", extra={"session": session_id})
        return None

    async def _answer(
        self, body: dict[str, Any], reply: object, data: dict[str, Any] | None = None
    ) -> None:
        data = data or json.loads(body["actions"][0]["value"])
        channel = body["channel"]["id"]
        message = body["message"]
        user = body["user"]["id"]
        outcome = await asyncio.to_thread(
            self.conversations.answer, data["s"], data["q"], reply, user, data.get("n")
        )
        await self.show_outcome(outcome, channel, message["thread_ts"], user, message["ts"])

    async def on_answer_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._answer(body, json.loads(body["actions"][0]["value"]).get("v"))

    async def on_answer_pick(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A select's option carries the same value a button would."""
        await ack()
        data = json.loads(body["actions"][0]["selected_option"]["value"])
        await self._answer(body, data.get("v"), data)

    async def on_answer_many(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        question = json.loads(body["actions"][0]["value"])["q"]
        picked: list[str] = []
        for block in body.get("state", {}).get("values", {}).values():
            for action_id, element in block.items():
                if action_id == f"pick:{question}":
                    picked = [o["value"] for o in element.get("selected_options") or []]
        await self._answer(body, picked)

    async def on_ack_only(self, ack: AsyncAck) -> None:
        await ack()

    async def on_change(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = json.loads(body["actions"][0]["value"])
        await self._reopen(body, data["s"], data["q"])

    async def on_start_over(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._reopen(body, json.loads(body["actions"][0]["value"])["s"], None)

    async def _reopen(self, body: dict[str, Any], session_id: str, question: str | None) -> None:
        outcome = await asyncio.to_thread(self.conversations.reopen, session_id, question)
        message = body["message"]
        thread_ts = message.get("thread_ts") or message["ts"]
        await self.show_outcome(outcome, body["channel"]["id"], thread_ts, body["user"]["id"], None)

    async def on_thread_reply(self, event: dict[str, Any], team: str) -> bool:
        """A reply in a decision thread answers the open question; False if not our thread."""
        channel, thread_ts = event["channel"], event["thread_ts"]
        session = await asyncio.to_thread(self.conversations.find, team, channel, thread_ts)
        if session is None or session.finished:
            return session is not None
        step = self.conversations.step(session)
        if isinstance(step, Verdict):
            return True
        outcome = await asyncio.to_thread(
            self.conversations.answer,
            session.id,
            step.id,
            event.get("text", ""),
            event["user"],
            None,
        )
        await self.show_outcome(outcome, channel, thread_ts, event["user"], None)
        return True

    async def _finished(self, body: dict[str, Any]) -> tuple[str, str, Verdict, dict[str, Any]]:
        session_id = json.loads(body["actions"][0]["value"])["s"]
        session = await asyncio.to_thread(self.store.get, session_id)
        step = self.conversations.step(session)
        _, _, channel, root_ts = session.scope.split(":", 3)
        if not isinstance(step, Verdict):
            raise LookupError("the decision is not finished")
        return channel, root_ts, step, session.answers

    async def on_post_record(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        channel, root_ts, verdict, answers = await self._finished(body)
        today = dt.datetime.now(dt.UTC).date()
        record = render_adr(verdict, answers, self.library.rules, today)
        await self.client.files_upload_v2(
            channel=channel,
            thread_ts=root_ts,
            content=record,
            filename="service-mesh-decision.md",
            title="Service mesh decision record",
            initial_comment=f"Decision record, posted by <@{body['user']['id']}>",
        )

    async def on_share_summary(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        channel, root_ts, verdict, _ = await self._finished(body)
        link = await self.client.chat_getPermalink(channel=channel, message_ts=root_ts)
        summary = messages.summary(verdict, self.library.rules, str(link["permalink"]))
        await self.post(channel, summary)

    # -- questions anywhere --------------------------------------------------------------

    async def on_show_entry(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        entry_id = json.loads(body["actions"][0]["value"])["e"]
        await self._post_entry(body, entry_id, 0)

    async def on_more(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = json.loads(body["actions"][0]["value"])
        await self._post_entry(body, data["entry"], int(data["part"]))

    async def _post_entry(self, body: dict[str, Any], entry_id: str, part: int) -> None:
        hit = self.library.searcher.entry(entry_id)
        if hit is None:
            raise LookupError(f"no entry {entry_id!r}")
        shown = messages.entry(hit) if part == 0 else messages.rest_of(hit, part)
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        await self.post(body["channel"]["id"], shown, thread)

    async def on_feedback(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = json.loads(body["actions"][0]["value"])
        user = body["user"]["id"]
        await asyncio.to_thread(
            self.store.record_feedback,
            data["e"],
            bool(data["h"]),
            data.get("q", ""),
            f"slack:{user}",
        )
        self.metrics.feedback.labels("yes" if data["h"] else "no").inc()
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        await self.ephemeral(body["channel"]["id"], user, "Thanks — noted.", thread)

    async def answer_in_thread(self, channel: str, text: str, thread_ts: str, user: str) -> None:
        question = _MENTION.sub("", text).strip()
        if not question:
            await self.post(channel, messages.help_text(), thread_ts)
            return
        try:
            result = await self._search(question)
        except InvalidQuestion as error:
            await self.post(channel, messages.notice(escape(str(error))), thread_ts)
            return
        await self.post(channel, messages.answer(result, f"<@{user}>"), thread_ts)

    async def on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if _from_a_bot(event, context):
            return
        thread = event.get("thread_ts") or event["ts"]
        if event.get("thread_ts") and await self.on_thread_reply_mention(event, context):
            return
        await self.answer_in_thread(event["channel"], event.get("text", ""), thread, event["user"])

    async def on_thread_reply_mention(
        self, event: dict[str, Any], context: AsyncBoltContext
    ) -> bool:
        """An @mention in a decision thread is a reply to the decision, not a new question."""
        session = await asyncio.to_thread(
            self.conversations.find, context.team_id or "", event["channel"], event["thread_ts"]
        )
        if session is None or session.finished:
            return False
        stripped = {**event, "text": _MENTION.sub("", event.get("text", "")).strip()}
        return await self.on_thread_reply(stripped, context.team_id or "")

    async def on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if (
            _from_a_bot(event, context)
            or event.get("subtype")
            or "<@" + str(context.bot_user_id) in event.get("text", "")
        ):
            return  # edits, joins and our own posts; mentions arrive as app_mention
        if event.get("thread_ts") and await self.on_thread_reply(event, context.team_id or ""):
            return
        if event.get("channel_type") == "im":
            thread = event.get("thread_ts") or event["ts"]
            await self.answer_in_thread(
                event["channel"], event.get("text", ""), thread, event["user"]
            )

    async def _scan(self, text: str) -> Message:
        """Scan YAML pasted into Slack: code fences and Slack's escaping taken off first; off
        the event loop, within the request limits and time budget."""
        plain = html.unescape(text).replace("```", "\n")
        try:
            report = await scan_off_loop(
                self.scanner, [(Path("slack.yaml"), plain)], self.scan_timeout_seconds
            )
        except ScanTimeout as error:
            return messages.notice(f"{error}: run `meshbot scan` on these manifests instead.")
        return messages.scan_findings(report)

    async def on_scan_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """The message shortcut "Scan for mesh pitfalls": findings in the message's thread."""
        await ack()
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        await self.post(body["channel"]["id"], await self._scan(message.get("text", "")), thread)

    # -- App Home --------------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        recent = await asyncio.to_thread(self.store.recent, f"slack:{user}")
        shown = [
            (
                "finished" if s.finished else f"{len(s.answers)} answers so far",
                s.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            for s in recent
        ]
        await self.client.views_publish(user_id=user, view=messages.home(shown))

    async def _dm(self, user: str) -> str:
        opened = await self.client.conversations_open(users=user)
        return str(opened["channel"]["id"])

    async def on_home_start(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = body["user"]["id"]
        await self.start_decision(
            body["user"].get("team_id") or body["team"]["id"], await self._dm(user), user
        )

    async def on_home_pitfalls(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        pitfalls = [(p.code, p.title) for p in self.library.kb.of_kind("pitfall")]
        listing = messages.pitfall_list(pitfalls)
        await self.post(await self._dm(body["user"]["id"]), listing)


def _from_a_bot(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    return bool(event.get("bot_id")) or event.get("user") == context.bot_user_id


async def _acknowledged(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``ack`` once ``Bot.deferred`` has acknowledged."""


def team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or body.get("team", {})
    return team.get("id") if isinstance(team, dict) else team


def where_of(body: dict[str, Any]) -> dict[str, str]:
    """Channel, user and thread of any kind of payload (command, action, event)."""
    event = body.get("event") or {}
    channel = (
        body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    )
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    message = body.get("message") or {}
    thread = message.get("thread_ts") or event.get("thread_ts") or event.get("ts")
    found = {"channel": channel, "user": user, "thread_ts": thread}
    return {key: str(value) for key, value in found.items() if value}
