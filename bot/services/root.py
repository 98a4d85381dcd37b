"""The composition root: everything a running meshbot shares, built once per process.

It lives here, not in ``bot.web``, so the HTTP app, the Slack app and the CLI can all take it
without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.metrics import Metrics
from bot.services.decisions import Decisions
from bot.settings import Settings
from bot.store import DecisionStore
from knowledge import Library, Scanner


@dataclass(frozen=True)
class Services:
    settings: Settings
    library: Library
    store: DecisionStore
    metrics: Metrics
    decisions: Decisions = field(init=False)
    scanner: Scanner = field(init=False)

    def __post_init__(self) -> None:
        decisions = Decisions(self.store, self.library.rules, self.metrics)
        object.__setattr__(self, "decisions", decisions)
        object.__setattr__(self, "scanner", Scanner(self.library.kb))
