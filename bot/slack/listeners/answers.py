"""Questions answered anywhere: ``/mesh ask|pitfall|compare|cost``, a mention or a DM, a runbook
button, "Show more", and whether an answer helped. Searching goes through
``bot.services.answering`` (the same search and counting as the HTTP API)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.services.answering import search
from bot.services.estimating import InvalidFleet, cost
from bot.services.links import page_url
from bot.services.root import Services
from bot.slack import messages, payloads
from bot.slack.blocks import Message
from bot.slack.commands import Command, FleetError, fleet
from bot.slack.ids import ActionId
from bot.slack.listeners._base import MENTION, Deferred, thread_of
from bot.slack.mrkdwn import escape
from bot.slack.payloads import EntryRef, FeedbackPayload, MorePayload
from bot.slack.transport import Asked, Transport
from knowledge import Answer, InvalidQuestion, find_comparison

PITFALLS_ONLY = frozenset({"pitfall"})


class Answers:
    def __init__(self, services: Services, transport: Transport) -> None:
        self.services = services
        self.library = services.library
        self.transport = transport

    # -- /mesh subcommands (routed by listeners.command) ----------------------------------

    def _page_of(self, result: Answer) -> str | None:
        """The web page of the best match, when it has one and the public URL is set."""
        best = result.results[0] if result.answered else None
        return page_url(self.services.settings.public_url, best.kind, best.id) if best else None

    async def ask(self, command: Command, asked: Asked) -> None:
        """``/mesh ask`` and ``/mesh pitfall`` (runbooks only): an answer the channel sees; a
        pitfall as its incident card first."""
        if not command.rest:
            hint = f"Tell me what to look up: `/mesh {command.name} <text>`"
            await self.transport.note(asked, hint)
            return
        kinds = PITFALLS_ONLY if command.name == "pitfall" else frozenset()
        try:
            result = search(self.library.searcher, self.services.metrics, command.rest, kinds=kinds)
        except InvalidQuestion as error:
            await self.transport.note(asked, escape(str(error)))
            return
        self.services.misses.keep(result)
        await self.transport.answer(asked, self.answer_for(result, f"<@{asked.user}>"), True)

    def answer_for(self, result: Answer, asked_by: str) -> Message:
        """An incident card when the best match is a pitfall, else the answer in full."""
        best = result.results[0].id if result.answered else None
        pitfall = next((p for p in self.library.kb.pitfalls() if p.code == best), None)
        page = self._page_of(result)
        if pitfall is not None:
            return messages.incident_card(pitfall, result, asked_by, page)
        return messages.answer(result, asked_by, page)

    async def compare(self, command: Command, asked: Asked) -> None:
        tables = self.library.kb.comparisons()
        if not command.rest:
            listing = messages.comparisons_list([(t.id, t.title) for t in tables])
            await self.transport.answer(asked, listing)
            return
        found = find_comparison(self.library.kb, command.rest.split())
        if found is None:
            names = ", ".join(f"`{t.id}`" for t in tables)
            note = f"No table compares `{escape(command.rest)}`. Tables: {names}"
            await self.transport.note(asked, note)
            return
        await self.transport.answer(asked, messages.comparison(found), True)

    async def cost(self, command: Command, asked: Asked) -> None:
        try:
            result = cost(fleet(command.rest), self.library.rules.cost)
        except FleetError as error:
            await self.transport.note(asked, escape(str(error)))
            return
        except InvalidFleet as error:
            note = f"{escape(str(error))}. For example: `/mesh cost pods=200 hops=8`"
            await self.transport.note(asked, note)
            return
        await self.transport.answer(asked, messages.cost(result), True)

    # -- a question in a thread or a DM ---------------------------------------------------

    async def in_thread(self, channel: str, text: str, thread_ts: str, user: str) -> None:
        question = MENTION.sub("", text).strip()
        if not question:
            await self.transport.post(channel, messages.help_text(), thread_ts)
            return
        try:
            result = search(self.library.searcher, self.services.metrics, question)
        except InvalidQuestion as error:
            await self.transport.post(channel, messages.notice(escape(str(error))), thread_ts)
            return
        self.services.misses.keep(result)
        await self.transport.post(channel, self.answer_for(result, f"<@{user}>"), thread_ts)

    # -- buttons ---------------------------------------------------------------------------

    async def on_show_entry(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._post_entry(body, payloads.parse(body, EntryRef).entry, 0)

    async def on_more(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = payloads.parse(body, MorePayload)
        await self._post_entry(body, data.entry, data.part)

    async def _post_entry(self, body: dict[str, Any], entry_id: str, part: int) -> None:
        hit = self.library.searcher.entry(entry_id)
        if hit is None:
            raise LookupError(f"no entry {entry_id!r}")
        page = page_url(self.services.settings.public_url, hit.kind, hit.id)
        shown = messages.entry(hit, page) if part == 0 else messages.rest_of(hit, part)
        thread = thread_of(body.get("message") or {})
        await self.transport.post_or_reply(body, shown, thread)

    async def on_feedback(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A 👍 or 👎: the person's vote on this answer, replacing any earlier one of theirs."""
        await ack()
        data = payloads.parse(body, FeedbackPayload)
        user = body["user"]["id"]
        await asyncio.to_thread(
            self.services.feedback.record, data.entry, data.helpful, data.question, f"slack:{user}"
        )
        self.services.metrics.feedback.labels("yes" if data.helpful else "no").inc()
        thread = thread_of(body.get("message") or {})
        noted = "Thanks — noted. Click the other one if you change your mind."
        await self.transport.ephemeral(body["channel"]["id"], user, noted, thread)


def register(app: AsyncApp, services: Services, transport: Transport, later: Deferred) -> Answers:
    answers = Answers(services, transport)
    app.action(ActionId.SHOW_ENTRY.pattern())(later(answers.on_show_entry))
    app.action(ActionId.MORE)(later(answers.on_more))
    app.action(ActionId.FEEDBACK.pattern())(later(answers.on_feedback))
    return answers
