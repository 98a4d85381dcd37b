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
import logging
import re
import weakref
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import Metrics
from bot.services.answering import search
from bot.services.decisions import Decisions, NotFinished, Outcome
from bot.services.estimating import InvalidFleet, cost
from bot.services.links import page_url
from bot.services.scanning import scan_off_loop
from bot.slack import messages, payloads
from bot.slack.blocks import Message
from bot.slack.commands import FleetError, fleet, parse
from bot.slack.conversation import Scope, wording
from bot.slack.ids import COMMAND, SCAN_SHORTCUT, ActionId
from bot.slack.mrkdwn import escape
from bot.slack.payloads import (
    AnswerPayload,
    DecisionRef,
    EntryRef,
    FeedbackPayload,
    MorePayload,
)
from bot.slack.work import DRAIN_SECONDS, Background, Busy
from bot.store import DecisionStore, Feedback, SlackPrompts
from engine.answers import Question
from engine.decision import Verdict
from knowledge import Answer, InvalidQuestion, Library, Scanner, ScanTimeout, find_comparison

log = logging.getLogger("meshbot.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
#: Set by a middleware for each request: bolt's client carrying that workspace's token.
REQUEST_CLIENT: ContextVar[AsyncWebClient] = ContextVar("request_client")
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
        public_url: str | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self.metrics = metrics
        self.app_client = client
        self.work = work or Background()
        self.decisions = Decisions(store, library.rules, metrics)
        self.prompts = SlackPrompts(store)
        self._asking_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self.feedback = Feedback(store)
        self.scanner = Scanner(library.kb)
        self.scan_timeout_seconds = scan_timeout_seconds
        self.public_url = public_url  # links runbooks and decisions to their web pages

    def _page_of(self, result: Answer) -> str | None:
        best = result.results[0] if result.answered else None
        return page_url(self.public_url, best.kind, best.id) if best else None

    @property
    def client(self) -> AsyncWebClient:
        """The client for the workspace of the request being handled (bolt authorises each
        request; with several workspaces installed each has its own token)."""
        return REQUEST_CLIENT.get(self.app_client)

    def register(self, app: AsyncApp) -> None:
        later = self.deferred
        app.command(COMMAND)(later(self.on_mesh))
        app.action(ActionId.ANSWER.pattern())(later(self.on_answer_button))
        app.action(ActionId.ANSWER_MANY)(later(self.on_answer_many))
        app.action(ActionId.ANSWER_PICK)(later(self.on_answer_pick))
        app.action(ActionId.PICK.pattern())(self.on_ack_only)
        app.action(ActionId.CHANGE)(later(self.on_change))
        app.action(ActionId.START_OVER)(later(self.on_start_over))
        app.action(ActionId.POST_RECORD)(later(self.on_post_record))
        app.action(ActionId.SHARE_SUMMARY)(later(self.on_share_summary))
        app.action(ActionId.SHOW_ENTRY.pattern())(later(self.on_show_entry))
        app.action(ActionId.MORE)(later(self.on_more))
        app.action(ActionId.FEEDBACK.pattern())(later(self.on_feedback))
        app.action(ActionId.HOME_START)(later(self.on_home_start))
        app.action(ActionId.HOME_PITFALLS)(later(self.on_home_pitfalls))
        app.event("app_mention")(later(self.on_mention))
        app.event("message")(later(self.on_message))
        app.event("app_home_opened")(later(self.on_home_opened))
        app.shortcut(SCAN_SHORTCUT)(later(self.on_scan_shortcut))

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
                result = search(self.library.searcher, self.metrics, parsed.rest, kinds=kinds)
            except InvalidQuestion as error:
                await self.ephemeral(channel, user, str(error))
                return
            await self.post(channel, messages.answer(result, f"<@{user}>", self._page_of(result)))
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
        tables = self.library.kb.comparisons()
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
            result = cost(fleet(rest), self.library.rules.cost)
        except FleetError as error:
            await self.ephemeral(channel, user, str(error))
            return
        except InvalidFleet as error:
            await self.ephemeral(
                channel, user, f"{error}. For example: `/mesh cost pods=200 hops=8`"
            )
            return
        await self.post(channel, messages.cost(result))

    # -- the decision in a thread --------------------------------------------------------

    async def start_decision(self, team: str, channel: str, user: str) -> None:
        root_ts = await self.post(channel, messages.root(user))
        scope = str(Scope(team, channel, root_ts))
        session = await asyncio.to_thread(self.decisions.start, scope, f"slack:{user}")
        first = self.decisions.step(session)
        assert isinstance(first, Question)
        await self._ask(channel, root_ts, session.id, first, session.version)

    async def show_outcome(
        self,
        outcome: Outcome,
        channel: str,
        thread_ts: str,
        user: str,
        message_ts: str | None,
        reopening: bool = False,
    ) -> None:
        """Mark the question answered, then ask the next one or give the verdict — or tell the
        person why their answer did not count."""
        if outcome.status != "ok":
            await self.ephemeral(channel, user, wording(outcome, reopening), thread_ts)
            return
        session = outcome.session
        if outcome.question is not None:
            target = message_ts or await self._prompt(session.id, session.version - 1)
            done = messages.answered(session.id, outcome.question, outcome.shown, user)
            if target is not None:
                await self.client.chat_update(channel=channel, ts=target, **done.payload())
        following = outcome.next or self.decisions.step(session)
        if isinstance(following, Verdict):
            page = page_url(self.public_url, "decision", session.id)
            verdict = messages.verdict(session.id, following, self.library.rules, page)
            await self.post(channel, verdict, thread_ts)
            return
        await self._ask(channel, thread_ts, session.id, following, session.version)

    def _asking(self, session_id: str) -> asyncio.Lock:
        """Held while a decision's question is posted and its ts stored, so a reply that
        arrives in between waits for the ts instead of polling the store for it."""
        lock = self._asking_locks.get(session_id)
        if lock is None:
            lock = self._asking_locks[session_id] = asyncio.Lock()
        return lock

    async def _ask(
        self, channel: str, thread_ts: str, session_id: str, question: Question, version: int
    ) -> None:
        async with self._asking(session_id):
            ts = await self.post(
                channel, messages.question(session_id, question, version), thread_ts
            )
            await asyncio.to_thread(self.prompts.set, session_id, ts, version)

    async def _prompt(self, session_id: str, version: int) -> str | None:
        """The message that asked the question open at ``version`` (a reply names no message).
        On this replica the ts is stored before a reply can read it (``_asking``); a reply
        handled by another replica within milliseconds of the question may find none, and
        then only the old question stays unmarked, which is logged."""
        async with self._asking(session_id):
            prompt = await asyncio.to_thread(self.prompts.get, session_id)
        if prompt is None or prompt.version != version:
            log.warning("question message unknown; left as it was", extra={"session": session_id})
            return None
        return prompt.ts

    async def _answer(self, body: dict[str, Any], reply: object) -> None:
        data = payloads.parse(body, AnswerPayload)
        channel = body["channel"]["id"]
        message = body["message"]
        user = body["user"]["id"]
        outcome = await asyncio.to_thread(
            self.decisions.answer, data.session, data.question, reply, user, data.version, True
        )
        await self.show_outcome(outcome, channel, message["thread_ts"], user, message["ts"])

    async def on_answer_button(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._answer(body, payloads.parse(body, AnswerPayload).value)

    async def on_answer_pick(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A select's option carries the same value a button would."""
        await ack()
        await self._answer(body, payloads.parse(body, AnswerPayload).value)

    async def on_answer_many(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        question = payloads.parse(body, AnswerPayload).question
        picked: list[str] = []
        for block in body.get("state", {}).get("values", {}).values():
            for action_id, element in block.items():
                if action_id == ActionId.PICK.at(question):
                    picked = [o["value"] for o in element.get("selected_options") or []]
        await self._answer(body, picked)

    async def on_ack_only(self, ack: AsyncAck) -> None:
        await ack()

    async def on_change(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = payloads.parse(body, DecisionRef)
        await self._reopen(body, data.session, data.question)

    async def on_start_over(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._reopen(body, payloads.parse(body, DecisionRef).session, None)

    async def _reopen(self, body: dict[str, Any], session_id: str, question: str | None) -> None:
        outcome = await asyncio.to_thread(self.decisions.reopen, session_id, question)
        message = body["message"]
        thread_ts = message.get("thread_ts") or message["ts"]
        channel, user = body["channel"]["id"], body["user"]["id"]
        await self.show_outcome(outcome, channel, thread_ts, user, None, reopening=True)

    async def on_thread_reply(self, event: dict[str, Any], team: str) -> bool:
        """A reply in a decision thread answers the open question; False if not our thread."""
        channel, thread_ts = event["channel"], event["thread_ts"]
        scope = str(Scope(team, channel, thread_ts))
        session = await asyncio.to_thread(self.decisions.find, scope)
        if session is None or session.finished:
            return session is not None
        step = self.decisions.step(session)
        if isinstance(step, Verdict):
            return True
        outcome = await asyncio.to_thread(
            self.decisions.answer,
            session.id,
            step.id,
            event.get("text", ""),
            event["user"],
            None,
            True,
        )
        await self.show_outcome(outcome, channel, thread_ts, event["user"], None)
        return True

    async def _finished(self, body: dict[str, Any]) -> tuple[str, str, Verdict, str]:
        """The decision a record or summary button belongs to: its thread, verdict, record."""
        session_id = payloads.parse(body, DecisionRef).session
        today = dt.datetime.now(dt.UTC).date()
        try:
            session, verdict, record = await asyncio.to_thread(
                self.decisions.record, session_id, today
            )
        except NotFinished as error:
            raise LookupError("the decision is not finished") from error
        scope = Scope.parse(session.scope)
        return scope.channel, scope.thread_ts, verdict, record

    async def on_post_record(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        channel, root_ts, _, record = await self._finished(body)
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
        entry_id = payloads.parse(body, EntryRef).entry
        await self._post_entry(body, entry_id, 0)

    async def on_more(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = payloads.parse(body, MorePayload)
        await self._post_entry(body, data.entry, data.part)

    async def _post_entry(self, body: dict[str, Any], entry_id: str, part: int) -> None:
        hit = self.library.searcher.entry(entry_id)
        if hit is None:
            raise LookupError(f"no entry {entry_id!r}")
        page = page_url(self.public_url, hit.kind, hit.id)
        shown = messages.entry(hit, page) if part == 0 else messages.rest_of(hit, part)
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        await self.post(body["channel"]["id"], shown, thread)

    async def on_feedback(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = payloads.parse(body, FeedbackPayload)
        user = body["user"]["id"]
        await asyncio.to_thread(
            self.feedback.record, data.entry, data.helpful, data.question, f"slack:{user}"
        )
        self.metrics.feedback.labels("yes" if data.helpful else "no").inc()
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        await self.ephemeral(body["channel"]["id"], user, "Thanks — noted.", thread)

    async def answer_in_thread(self, channel: str, text: str, thread_ts: str, user: str) -> None:
        question = _MENTION.sub("", text).strip()
        if not question:
            await self.post(channel, messages.help_text(), thread_ts)
            return
        try:
            result = search(self.library.searcher, self.metrics, question)
        except InvalidQuestion as error:
            await self.post(channel, messages.notice(escape(str(error))), thread_ts)
            return
        await self.post(
            channel, messages.answer(result, f"<@{user}>", self._page_of(result)), thread_ts
        )

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
        scope = Scope(context.team_id or "", event["channel"], event["thread_ts"])
        session = await asyncio.to_thread(self.decisions.find, str(scope))
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
        pitfalls = [(p.code, p.title) for p in self.library.kb.pitfalls()]
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
