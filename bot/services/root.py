"""The composition root: everything a running meshbot shares, built once per process.

It lives here, not in ``bot.web``, so the HTTP app, the Slack app and the CLI can all take it
without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.metrics import Metrics
from bot.services.decisions import Decisions
from bot.services.misses import MissLog
from bot.settings import Settings
from bot.store import DecisionStore, Feedback, SlackEvents, SlackPrompts
from knowledge import Library, Scanner


@dataclass(frozen=True)
class Services:
    settings: Settings
    library: Library
    store: DecisionStore
    metrics: Metrics
    decisions: Decisions = field(init=False)
    scanner: Scanner = field(init=False)
    slack_events: SlackEvents = field(init=False)
    slack_prompts: SlackPrompts = field(init=False)
    feedback: Feedback = field(init=False)
    misses: MissLog = field(init=False)

    def __post_init__(self) -> None:
        """The parts built from the others: each once, shared by every front door."""
        feedback = Feedback(self.store)
        parts = {
            "decisions": Decisions(self.store, self.library.rules, self.metrics),
            "scanner": Scanner(self.library.kb),
            "slack_events": SlackEvents(self.store),
            "slack_prompts": SlackPrompts(self.store),
            "feedback": feedback,
            "misses": MissLog(feedback),
        }
        for name, part in parts.items():
            object.__setattr__(self, name, part)
