"""Messages and mentions: a reply in a decision thread answers it; anything else said to the
bot (a mention, a DM) is a question for the knowledge base."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.listeners._base import Deferred, from_a_bot, thread_of
from bot.slack.listeners.answers import Answers
from bot.slack.listeners.decision import DecisionThreads


class Conversation:
    def __init__(self, threads: DecisionThreads, answers: Answers) -> None:
        self.threads = threads
        self.answers = answers

    async def on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if from_a_bot(event, context):
            return
        team = context.team_id or ""
        if event.get("thread_ts") and await self.threads.reply_by_mention(event, team):
            return
        thread = thread_of(event) or ""
        await self.answers.in_thread(event["channel"], event.get("text", ""), thread, event["user"])

    async def on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if (
            from_a_bot(event, context)
            or event.get("subtype")
            or "<@" + str(context.bot_user_id) in event.get("text", "")
        ):
            return  # edits, joins and our own posts; mentions arrive as app_mention
        if event.get("thread_ts") and await self.threads.reply(event, context.team_id or ""):
            return
        if event.get("channel_type") == "im":
            thread = thread_of(event) or ""
            text = event.get("text", "")
            await self.answers.in_thread(event["channel"], text, thread, event["user"])


def register(app: AsyncApp, later: Deferred, threads: DecisionThreads, answers: Answers) -> None:
    conversation = Conversation(threads, answers)
    app.event("app_mention")(later(conversation.on_mention))
    app.event("message")(later(conversation.on_message))
