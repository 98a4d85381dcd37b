"""Prometheus metrics: the golden signals per route, plus what meshbot itself is doing.

One registry per app, so that several apps in one process (tests) never share counters. The
registry also carries the client library's default collectors (``process_*`` for memory, CPU and
open files; ``python_*`` for the interpreter and its garbage collector), which the global
registry would have had: the README's memory budget is watched with
``process_resident_memory_bytes``.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Counter(
            "meshbot_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "meshbot_http_errors",
            "HTTP requests answered with a 5xx status.",
            ["route", "method"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "meshbot_http_request_duration_seconds",
            "Time to answer, by route.",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.knowledge_entries = Gauge(
            "meshbot_knowledge_entries",
            "Entries in the knowledge base, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.slack_work = Gauge(
            "meshbot_slack_work_pending",
            "Slack jobs acknowledged and not finished (running or waiting for a slot).",
            registry=self.registry,
        )
        self.searches = Counter("meshbot_searches", "Questions searched.", registry=self.registry)
        self.unanswered = Counter(
            "meshbot_searches_unanswered",
            "Searches with no confident answer (the bot said it does not know).",
            registry=self.registry,
        )
        self.feedback = Counter(
            "meshbot_answer_feedback",
            "Thumbs up and down on answers, by whether the answer helped.",
            ["helpful"],
            registry=self.registry,
        )
        self.decisions_started = Counter(
            "meshbot_decisions_started", "Decision conversations started.", registry=self.registry
        )
        self.decisions_finished = Counter(
            "meshbot_decisions_finished",
            "Decision conversations that reached a verdict.",
            registry=self.registry,
        )
