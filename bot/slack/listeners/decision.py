"""The decision in a thread: start it, take answers from buttons, selects and replies, change
or start over, and post the record or a summary. The flow itself is ``Services.decisions``
(shared with the HTTP API); this module only turns Slack payloads into calls and outcomes into
messages. Store calls run in a worker thread, so the event loop never waits on the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.services.decisions import NotFinished, Outcome
from bot.services.links import page_url
from bot.services.root import Services
from bot.slack import forms, messages, payloads
from bot.slack.conversation import Scope, wording
from bot.slack.ids import ActionId, ViewId
from bot.slack.listeners._base import MENTION, Deferred, ack_only, thread_of
from bot.slack.payloads import AnswerPayload, DecisionRef, FormRef, InvalidPayload
from bot.slack.transport import Asked, Transport
from bot.store.decisions import DecisionSession
from engine.answers import Question
from engine.decision import Verdict, questions_left

log = logging.getLogger("meshbot.slack")
#: The comparison that says what to use instead of a mesh, capability by capability.
WITHOUT_MESH = "cmp.without-mesh"


class DecisionThreads:
    def __init__(self, services: Services, transport: Transport, later: Deferred) -> None:
        self.services = services
        self.decisions = services.decisions
        self.prompts = services.slack_prompts
        self.transport = transport
        self.later = later
        self._asking_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def start(self, asked: Asked) -> None:
        """``/mesh should-we`` or App Home's button: a root message, then the first question.
        The bot must own the thread, so in a channel it is not in it says how to invite it."""
        root_ts = await self.transport.post_as_member(asked, messages.root(asked.user))
        if root_ts is None:
            return
        channel, user = asked.channel, asked.user
        scope = str(Scope(asked.team, channel, root_ts))
        session = await asyncio.to_thread(self.decisions.start, scope, f"slack:{user}")
        first = self.decisions.step(session)
        assert isinstance(first, Question)
        await self._ask(channel, root_ts, session, first)

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
            await self.transport.ephemeral(channel, user, wording(outcome, reopening), thread_ts)
            return
        session = outcome.session
        if outcome.question is not None:
            target = message_ts or await self._prompt(session.id, session.version - 1)
            done = messages.answered(session.id, outcome.question, outcome.shown, user)
            if target is not None:
                await self.transport.update(channel, target, done)
        await self._go_on(session, outcome.next, channel, thread_ts)

    async def _go_on(
        self,
        session: DecisionSession,
        following: Question | Verdict | None,
        channel: str,
        thread_ts: str,
    ) -> None:
        """After an answer: ask the next question, or give the verdict."""
        following = following or self.decisions.step(session)
        if isinstance(following, Verdict):
            await self._decided(session, following, channel, thread_ts)
            return
        await self._ask(channel, thread_ts, session, following)

    async def _decided(
        self, session: DecisionSession, verdict: Verdict, channel: str, thread_ts: str
    ) -> None:
        """The verdict in the thread, and the outcome on the thread's root for the channel."""
        rules = self.services.library.rules
        people = list(dict.fromkeys(session.answered_by.values()))
        page = page_url(self.services.settings.public_url, "decision", session.id)
        shown = messages.verdict(
            session.id, verdict, rules, people, session.updated_at, self._instead(), page
        )
        await self.transport.post(channel, shown, thread_ts)
        starter = session.started_by.removeprefix("slack:")
        await self.transport.update(
            channel, thread_ts, messages.outcome_root(starter, verdict, rules)
        )

    def _instead(self) -> list[tuple[str, str]]:
        """What to use instead of a mesh, capability by capability (``cmp.without-mesh``)."""
        for table in self.services.library.kb.comparisons():
            if table.id == WITHOUT_MESH:
                column = table.columns[0].id
                return [(row.label, row.cells[column].text) for row in table.rows]
        return []

    def _asking(self, session_id: str) -> asyncio.Lock:
        """Held while a decision's question is posted and its ts stored, so a reply that
        arrives in between waits for the ts instead of polling the store for it."""
        lock = self._asking_locks.get(session_id)
        if lock is None:
            lock = self._asking_locks[session_id] = asyncio.Lock()
        return lock

    async def _ask(
        self, channel: str, thread_ts: str, session: DecisionSession, question: Question
    ) -> None:
        number = len(session.answers) + 1
        about = len(session.answers) + questions_left(session.answers, self.services.library.rules)
        async with self._asking(session.id):
            asked = messages.question(session.id, question, session.version, number, about)
            ts = await self.transport.post(channel, asked, thread_ts)
            await asyncio.to_thread(self.prompts.set, session.id, ts, session.version)

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

    # -- answers ---------------------------------------------------------------------------

    async def _answer(self, body: dict[str, Any], reply: object) -> None:
        data = payloads.parse(body, AnswerPayload)
        channel, message, user = body["channel"]["id"], body["message"], body["user"]["id"]
        outcome = await asyncio.to_thread(
            self.decisions.answer, data.session, data.question, reply, user, data.version, True
        )
        await self.show_outcome(outcome, channel, message["thread_ts"], user, message["ts"])

    async def on_answer(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A choice button, or a select's option: either carries the answer as its value."""
        await ack()
        await self._answer(body, payloads.parse(body, AnswerPayload).value)

    async def on_answer_many(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """ "Done" under a multi-select: the answer is what the select holds now."""
        await ack()
        question = payloads.parse(body, AnswerPayload).question
        picked: list[str] = []
        for block in body.get("state", {}).get("values", {}).values():
            for action_id, element in block.items():
                if action_id == ActionId.PICK.at(question):
                    picked = [o["value"] for o in element.get("selected_options") or []]
        await self._answer(body, picked)

    async def reply(self, event: dict[str, Any], team: str) -> bool:
        """A reply in a decision thread answers the open question; False if not our thread."""
        channel, thread_ts = event["channel"], event["thread_ts"]
        session = await asyncio.to_thread(self.decisions.find, str(Scope(team, channel, thread_ts)))
        if session is None or session.finished:
            return session is not None
        step = self.decisions.step(session)
        if isinstance(step, Verdict):
            return True
        user, text = event["user"], event.get("text", "")
        outcome = await asyncio.to_thread(
            self.decisions.answer, session.id, step.id, text, user, None, True
        )
        await self.show_outcome(outcome, channel, thread_ts, user, None)
        return True

    async def reply_by_mention(self, event: dict[str, Any], team: str) -> bool:
        """An @mention in an open decision thread is a reply to it, not a new question."""
        scope = Scope(team, event["channel"], event["thread_ts"])
        session = await asyncio.to_thread(self.decisions.find, str(scope))
        if session is None or session.finished:
            return False
        stripped = {**event, "text": MENTION.sub("", event.get("text", "")).strip()}
        return await self.reply(stripped, team)

    # -- every remaining question at once, in a form ----------------------------------------

    async def on_answer_form(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """ "Answer all in a form": for the person who started the decision, a modal with
        every question still to answer; anyone else is told to answer in the thread."""
        await ack()
        session_id = payloads.parse(body, DecisionRef).session
        channel, user = body["channel"]["id"], body["user"]["id"]
        thread_ts = thread_of(body["message"]) or ""
        session = await asyncio.to_thread(self.decisions.get, session_id)
        if session.started_by != f"slack:{user}":
            await self.transport.ephemeral(channel, user, self._owner_only(session), thread_ts)
            return
        remaining = self.decisions.remaining(session)
        if not remaining:
            await self.transport.ephemeral(channel, user, "Nothing is left to answer.", thread_ts)
            return
        ref = FormRef(
            session=session.id, version=session.version, channel=channel, thread_ts=thread_ts
        )
        await self.transport.open_view(body["trigger_id"], forms.decision_form(ref, remaining))

    @staticmethod
    def _owner_only(session: DecisionSession) -> str:
        owner = session.started_by.removeprefix("slack:")
        return (
            f"Only <@{owner}>, who started this decision, can answer it all at once in a form; "
            "answer the questions here in the thread."
        )

    async def on_form_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Every field is read before acknowledging (Slack shows errors only in the
        acknowledgement; reading is bounded and touches nothing), then the answers are
        recorded after it, in the pool."""
        try:
            ref = payloads.read(view.get("private_metadata"), FormRef)
        except InvalidPayload:
            log.warning("a decision form came back without its metadata; ignored")
            await ack()
            return
        form = forms.read_decision_form(view)
        if form.errors:
            await ack(response_action="errors", errors=form.errors)
            return
        await ack()
        user = body["user"]["id"]
        where = {"channel": ref.channel, "user": user, "thread_ts": ref.thread_ts}
        await self.later.submit(self._record_form(ref, form.replies, user), where)

    async def _record_form(self, ref: FormRef, replies: dict[str, object], user: str) -> None:
        """The form's answers through the thread's own path, in order and compare-and-set;
        then the thread shows them and goes on (the next question, or the verdict)."""
        session = await asyncio.to_thread(self.decisions.get, ref.session)
        channel, thread_ts = ref.channel, ref.thread_ts
        if session.started_by != f"slack:{user}":
            await self.transport.ephemeral(channel, user, self._owner_only(session), thread_ts)
            return
        outcomes = await asyncio.to_thread(
            self.decisions.answer_all, ref.session, replies, user, ref.version
        )
        given = [(o.question, o.shown) for o in outcomes if o.status == "ok" and o.question]
        if not given:
            told = wording(outcomes[-1], reopening=True) if outcomes else "Nothing was recorded."
            await self.transport.ephemeral(channel, user, told, thread_ts)
            return
        first, *rest = given
        target = await self._prompt(ref.session, ref.version)
        if target is not None:
            await self.transport.update(
                channel, target, messages.answered(ref.session, *first, user)
            )
        if rest:
            shown = messages.answered_in_form(ref.session, rest, user)
            await self.transport.post(channel, shown, thread_ts)
        if outcomes[-1].status != "ok":
            await self.transport.ephemeral(channel, user, wording(outcomes[-1]), thread_ts)
        last = next(o for o in reversed(outcomes) if o.status == "ok")
        await self._go_on(last.session, last.next, channel, thread_ts)

    # -- change, start over ------------------------------------------------------------------

    async def on_change(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        data = payloads.parse(body, DecisionRef)
        await self._reopen(body, data.session, data.question)

    async def on_start_over(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._reopen(body, payloads.parse(body, DecisionRef).session, None)

    async def _reopen(self, body: dict[str, Any], session_id: str, question: str | None) -> None:
        outcome = await asyncio.to_thread(self.decisions.reopen, session_id, question)
        thread_ts = thread_of(body["message"]) or ""
        channel, user = body["channel"]["id"], body["user"]["id"]
        await self.show_outcome(outcome, channel, thread_ts, user, None, reopening=True)

    # -- the finished decision -------------------------------------------------------------

    async def _finished(self, body: dict[str, Any]) -> tuple[Scope, Verdict, str]:
        """The decision a record or summary button belongs to: its thread, verdict, record."""
        session_id = payloads.parse(body, DecisionRef).session
        today = dt.datetime.now(dt.UTC).date()
        try:
            session, verdict, record = await asyncio.to_thread(
                self.decisions.record, session_id, today
            )
        except NotFinished as error:
            raise LookupError("the decision is not finished") from error
        return Scope.parse(session.scope), verdict, record

    async def on_post_record(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        scope, _, record = await self._finished(body)
        await self.transport.upload(
            scope.channel,
            scope.thread_ts,
            content=record,
            filename="service-mesh-decision.md",
            title="Service mesh decision record",
            initial_comment=f"Decision record, posted by <@{body['user']['id']}>",
        )

    async def on_share_summary(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        scope, verdict, _ = await self._finished(body)
        link = await self.transport.permalink(scope.channel, scope.thread_ts)
        summary = messages.summary(verdict, self.services.library.rules, link)
        await self.transport.post(scope.channel, summary)


def register(
    app: AsyncApp, services: Services, transport: Transport, later: Deferred
) -> DecisionThreads:
    threads = DecisionThreads(services, transport, later)
    app.action(ActionId.ANSWER.pattern())(later(threads.on_answer))
    app.action(ActionId.ANSWER_PICK)(later(threads.on_answer))
    app.action(ActionId.ANSWER_MANY)(later(threads.on_answer_many))
    app.action(ActionId.PICK.pattern())(ack_only)
    app.action(ActionId.CHANGE)(later(threads.on_change))
    app.action(ActionId.START_OVER)(later(threads.on_start_over))
    app.action(ActionId.POST_RECORD)(later(threads.on_post_record))
    app.action(ActionId.SHARE_SUMMARY)(later(threads.on_share_summary))
    app.action(ActionId.ANSWER_FORM)(later(threads.on_answer_form))
    app.view(ViewId.DECISION_FORM)(threads.on_form_submitted)
    return threads
