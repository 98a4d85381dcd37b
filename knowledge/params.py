"""The knowledge base as the engine's parameters: profiles, prices, thresholds, pitfalls.

The engine imports nothing of ours, so this is the one place that knows which entries it
reads. A knowledge base missing one of them is invalid, reported like any other problem.
"""

from __future__ import annotations

import datetime as dt

from engine.cost import PLANES, CostParameters
from engine.decision import PLANE_FACTS, THRESHOLDS, DecisionRules, PitfallBrief
from engine.quantities import Figure
from engine.versions import version_key
from knowledge.base import BUILTIN_DIR, KnowledgeBase
from knowledge.errors import InvalidKnowledgeBase, Problem

PODS_PER_NODE = "fact.article-pods-per-node"
DEFAULT_RPS = "fact.moderate-load-rps"
PRICES = {"vcpu": "price.vcpu-month", "memory-gb": "price.memory-gb-month"}


def problems(kb: KnowledgeBase) -> list[Problem]:
    """Each entry the engine reads that the knowledge base lacks."""
    required = {
        "profiles.yaml": PLANES,
        "thresholds.yaml": THRESHOLDS,
        "facts.yaml": (
            PODS_PER_NODE,
            DEFAULT_RPS,
            *(f for f in PLANE_FACTS if f.startswith("fact.")),
        ),
        "prices.yaml": tuple(PRICES.values()),
    }
    return [
        Problem(BUILTIN_DIR / file, 1, f"the engine needs entry {entry!r}, which is missing")
        for file, entries in required.items()
        for entry in entries
        if kb.get(entry) is None
    ]


def _figure(kb: KnowledgeBase, entry: str) -> Figure:
    model = kb.entries[entry].model
    quantity = model.quantity
    return Figure(**quantity.model_dump(), source=model.sources[0])


def cost_parameters(kb: KnowledgeBase) -> CostParameters:
    missing = problems(kb)
    if missing:
        raise InvalidKnowledgeBase(missing)
    return CostParameters(
        profiles={plane: kb.entries[plane].model for plane in PLANES},
        pods_per_node=_figure(kb, PODS_PER_NODE),
        default_rps_per_pod=_figure(kb, DEFAULT_RPS),
        usd_per_vcpu_month=kb.entries[PRICES["vcpu"]].model.usd_per_month,
        usd_per_gb_month=kb.entries[PRICES["memory-gb"]].model.usd_per_month,
    )


def decision_rules(kb: KnowledgeBase, today: dt.date | None = None) -> DecisionRules:
    cost = cost_parameters(kb)
    day = today or dt.date.today()
    kernels = kb.releases.get("kernel")
    past = [r for r in kernels.releases if r.eol_on(day)] if kernels else []
    supported = [r for r in kernels.releases if not r.eol_on(day)] if kernels else []
    oldest = min(supported, key=lambda r: version_key(r.version), default=None)
    return DecisionRules(
        kernels_past_eol={r.version: r.end_of_life for r in past},
        oldest_supported_kernel=oldest.version if oldest else None,
        thresholds={t: list(kb.entries[t].model.limits) for t in THRESHOLDS},
        pitfalls=[
            PitfallBrief(code=p.code, title=p.title, planes=tuple(p.planes), prepare=p.prepare)
            for p in kb.pitfalls()
            if p.prepare
        ],
        sources={entry: list(located.model.sources) for entry, located in kb.entries.items()},
        source_titles={
            sid: f"{source.title}, {source.publisher}" + (f" <{source.url}>" if source.url else "")
            for sid, source in kb.sources.items()
        },
        cost=cost,
    )
