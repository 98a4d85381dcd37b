"""The bot's listeners, one module per feature, each with a ``register`` (the layout of bolt's
starter template, ``listeners/__init__.py``):

    command    /mesh, routed by a table of subcommands
    decision   the decision in a thread: answers, change, start over, record, summary
    answers    questions (ask, pitfall, compare, cost, mentions, DMs), runbooks, feedback
    scan       /mesh scan and the message shortcut
    home       App Home
    events     messages and mentions, sent to a decision thread or to answers

Every listener acknowledges first and works after, in the bounded pool (``Deferred``), so
Slack's 3-second limit is never at risk; every call to Slack goes through ``Transport``.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services.root import Services
from bot.slack.listeners import answers, command, decision, events, home, scan
from bot.slack.listeners._base import Deferred
from bot.slack.transport import Transport
from bot.slack.work import Background


def register(app: AsyncApp, services: Services, transport: Transport, work: Background) -> None:
    later = Deferred(transport, work)
    mesh = command.register(app, transport, later)  # first: see its docstring
    threads = decision.register(app, services, transport, later)
    knowledge = answers.register(app, services, transport, later)
    scans = scan.register(app, services, transport, later)
    home.register(app, services, transport, later, threads)
    events.register(app, later, threads, knowledge)
    mesh.route(
        {
            "should-we": lambda _, asked: threads.start(asked),
            "ask": knowledge.ask,
            "pitfall": knowledge.ask,
            "compare": knowledge.compare,
            "cost": knowledge.cost,
            "scan": scans.command,
        }
    )
