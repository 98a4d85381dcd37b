"""The article's decision sequence as a pure state machine.

``next_step(answers, rules)`` looks only at the answers given so far (a dict, so the order
they came in cannot matter) and returns either the next question worth asking or the verdict.
A question is worth asking only while its answer can still change the verdict or the plane:
step 1 can end the conversation, teams too few for the polyglot rule make the languages
question moot, and a verdict of no mesh needs no plane.

The rules' numbers come from the knowledge base's thresholds (``thr.*``); every reason in the
verdict names the entry it rests on and that entry's sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from engine.answers import Question, Value
from engine.cost import CostParameters, Estimate, FleetSpec, PlaneId, estimate
from engine.questions import QUESTIONS
from engine.rules import Limit
from engine.versions import version_key

Answers = Mapping[str, Value]
VerdictKind = Literal["mesh", "no-mesh", "borderline"]

CRITERIA = {
    "scale": "crit.scale-multi-team",
    "compliance": "crit.zero-trust-compliance",
    "polyglot": "crit.polyglot",
    "progressive-delivery": "crit.progressive-delivery",
}
ANTI_PATTERNS = {
    "small-single-team": "anti.small-single-team",
    "deploy-together": "anti.monorepo-coupled-deploys",
    "latency-sensitive": "anti.latency-sensitive",
    "want-to-be-ready": "anti.want-to-be-ready",
}
#: Entries the engine reads rules from; the knowledge base must define them all.
THRESHOLDS = (
    "thr.small-fleet-stop",
    "thr.gray-zone",
    "thr.scale-criterion",
    "thr.polyglot",
    "thr.criteria-needed",
    "thr.latency-slo",
    "thr.cilium-kernel",
    "thr.cilium-windows",
)
PLANE_FACTS = (
    "fact.linkerd-better-starting-point",
    "fact.entry-points-complexity-vs-overhead",
    "fact.cilium-or-ambient-choice",
    "fact.istio-when-full-xds",
    "fact.sidecarless-ready-for-new-workloads",
    "fact.istio-recommends-ambient",
    "step.choose-plane",
)


class PitfallBrief(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    title: str
    planes: tuple[PlaneId, ...]
    prepare: str


class DecisionRules(BaseModel):
    """Everything the decision reads from the knowledge base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    thresholds: dict[str, list[Limit]]
    pitfalls: list[PitfallBrief]
    sources: dict[str, list[str]]  # entry id → the sources it cites
    source_titles: dict[str, str]  # source id → "title <url>", for records people read
    cost: CostParameters
    #: Kernel branches ("4.19") past upstream end of life on the day the rules were built, with
    #: the day support ended; the oldest branch still supported marks anything older as past too.
    kernels_past_eol: dict[str, dt.date | None] = {}
    oldest_supported_kernel: str | None = None


class Reason(BaseModel):
    text: str
    entry: str
    sources: list[str]


class PlaneChoice(BaseModel):
    plane: PlaneId
    name: str
    reason: Reason


class Verdict(BaseModel):
    verdict: VerdictKind
    plane: PlaneId | None
    alternatives: list[PlaneChoice]
    criteria_met: list[str]
    criteria_count: int
    criteria_total: int
    criteria_needed: int
    anti_patterns: list[str]
    reasons: list[Reason]
    pitfalls: list[str]
    first_steps: list[str]
    estimate: Estimate | None
    stopped_at_step: int | None


def next_step(answers: Answers, rules: DecisionRules) -> Question | Verdict:
    assessment = _Assessment(answers, rules)
    if assessment.stopped:
        return assessment.verdict()
    for question in QUESTIONS:
        if question.id not in answers and assessment.worth_asking(question.id):
            return question
    return assessment.verdict()


def assess(answers: Answers, rules: DecisionRules) -> Verdict:
    """The verdict on the answers so far, whether or not questions remain (unknowns count as
    not met): what a "what if" or a half-finished conversation shows."""
    return _Assessment(answers, rules).verdict()


def relevant_answers(answers: Answers, rules: DecisionRules) -> dict[str, Value]:
    """The answers the verdict rests on; an answer made moot by a later change is dropped."""
    assessment = _Assessment(answers, rules)
    return {
        q.id: answers[q.id] for q in QUESTIONS if q.id in answers and assessment.worth_asking(q.id)
    }


class _Assessment:
    """What the answers so far establish. Unknown answers stay None: never guessed."""

    def __init__(self, answers: Answers, rules: DecisionRules) -> None:
        self.answers = answers
        self.rules = rules
        self.reasons: list[Reason] = []
        languages = answers.get("languages")
        self.measures: dict[str, float | str] = {
            name: value
            for name, value in (
                ("services", answers.get("services")),
                ("teams", answers.get("teams")),
                ("languages", len(languages) if isinstance(languages, list) else None),
                ("latency-slo-ms", answers.get("latency_slo_ms")),
                ("kernel-version", answers.get("kernel")),
                ("windows-nodes", _as_count(answers.get("windows_nodes"))),
            )
            if isinstance(value, int | float | str) and not isinstance(value, bool)
        }
        self.stopped = self._holds("thr.small-fleet-stop") is True
        self.criteria = {
            "scale": self._holds("thr.scale-criterion"),
            "compliance": _as_bool(answers.get("compliance")),
            # The criterion is language diversity; step 3 adds the team count (see _explain).
            "polyglot": self._holds("thr.polyglot", {"languages"}),
            "progressive-delivery": _as_bool(answers.get("canary_everywhere")),
        }
        self.needed = int(float(self._limit("thr.criteria-needed", "criteria-met").value))

    # -- rules ---------------------------------------------------------------------------

    def _limit(self, threshold: str, measure: str) -> Limit:
        return next(lim for lim in self.rules.thresholds[threshold] if lim.measure == measure)

    def _holds(self, threshold: str, measures: set[str] | None = None) -> bool | None:
        """Whether a rule holds; None while a measure it needs is unknown."""
        limits = [
            lim
            for lim in self.rules.thresholds[threshold]
            if measures is None or lim.measure in measures
        ]
        if any(lim.measure not in self.measures for lim in limits):
            return None
        return all(lim.holds(self.measures[lim.measure]) for lim in limits)

    def _reason(self, text: str, entry: str) -> Reason:
        reason = Reason(text=text, entry=entry, sources=self.rules.sources.get(entry, []))
        self.reasons.append(reason)
        return reason

    @property
    def met(self) -> list[str]:
        return [name for name, met in self.criteria.items() if met]

    @property
    def anti_patterns(self) -> list[str]:
        found = {
            "small-single-team": self.stopped,
            "deploy-together": _as_bool(self.answers.get("deploy_together")) is True,
            "latency-sensitive": self._holds("thr.latency-slo") is True,
            "want-to-be-ready": self.answers.get("motivation") == "be-ready",
        }
        return [name for name, present in found.items() if present]

    def _unmeasured_latency(self) -> bool:
        """A single-digit-millisecond SLO is the article's "no mesh unless you measure it"."""
        return (
            "latency-sensitive" in self.anti_patterns
            and _as_bool(self.answers.get("latency_measured")) is not True
        )

    def provisional(self) -> VerdictKind:
        """The verdict on what is known; unknown criteria count as not met."""
        if self.stopped:
            return "no-mesh"
        count, anti = len(self.met), set(self.anti_patterns)
        if "deploy-together" in anti:  # the coordination problem a mesh solves is absent
            return "no-mesh"
        if self._unmeasured_latency():
            return "no-mesh"
        if count >= self.needed:
            return "borderline" if "want-to-be-ready" in anti else "mesh"
        if count == self.needed - 1 and "want-to-be-ready" not in anti:
            return "borderline"
        return "no-mesh"

    def _could_reach(self) -> int:
        """The most criteria that could still be met, counting every unknown as met."""
        return sum(met is not False for met in self.criteria.values())

    def worth_asking(self, question: str) -> bool:
        if question in {"services", "teams"}:
            return True
        if self.stopped:
            return False
        if question in {"compliance", "languages", "canary_everywhere"}:
            return True
        if question in {"motivation", "deploy_together", "latency_slo_ms"}:
            return self._could_reach() >= self.needed - 1
        if question == "latency_measured":
            return (
                "latency-sensitive" in self.anti_patterns and self._could_reach() >= self.needed - 1
            )
        if question in {"rps_per_pod", "call_depth"}:
            pods = self.answers.get("pods")
            return self.provisional() != "no-mesh" and isinstance(pods, int) and pods > 0
        if self.provisional() == "no-mesh":
            return False
        if question in {"kernel", "windows_nodes"}:
            return self._cilium_candidate() and (
                question == "kernel" or self._holds("thr.cilium-kernel") is not False
            )
        return True  # platform_capacity, main_concern, istio_features, pods

    # -- the plane -----------------------------------------------------------------------

    def _needs_istio(self) -> bool:
        features = self.answers.get("istio_features")
        return bool(features) or self.answers.get("main_concern") == "features"

    def _overhead_first(self) -> bool:
        return (
            self.answers.get("main_concern") == "sidecar-overhead"
            or "latency-sensitive" in self.anti_patterns
        )

    def _needs_sidecar_mode(self) -> bool:
        """Multi-cluster federation is the feature Istio's quickstart still sends to sidecars."""
        features = self.answers.get("istio_features")
        return isinstance(features, list) and "multi-cluster-federation" in features

    def _cilium_candidate(self) -> bool:
        return self._overhead_first() and not self._needs_istio()

    def _cilium_blocker(self) -> str | None:
        if self._holds("thr.cilium-kernel") is False:
            return "thr.cilium-kernel"
        if self._holds("thr.cilium-windows") is False:
            return "thr.cilium-windows"
        return None

    def _choose_plane(self) -> tuple[PlaneId, list[tuple[PlaneId, str, str]]]:
        """The plane and the alternatives, each with why (text, entry): the first row of
        ``PLANE_TABLE`` whose conditions match these answers."""
        blocker = self._cilium_blocker()
        facts = (
            self._overhead_first(),
            self._needs_istio(),
            blocker is not None,
            _as_bool(self.answers.get("platform_capacity")) is False,
            self._needs_sidecar_mode(),
        )
        row = next(r for r in PLANE_TABLE if r.matches(facts))
        for text, entry in row.reasons:
            self._reason(text, entry or blocker or "")
        return row.plane, list(row.alternatives)

    # -- the verdict ---------------------------------------------------------------------

    def verdict(self) -> Verdict:
        kind = self.provisional()
        self._explain(kind)
        plane: PlaneId | None = None
        alternatives: list[PlaneChoice] = []
        if kind != "no-mesh":
            plane, others = self._choose_plane()
            alternatives = [
                PlaneChoice(
                    plane=other,
                    name=self.rules.cost.profiles[other].name,
                    reason=Reason(
                        text=text, entry=entry, sources=self.rules.sources.get(entry, [])
                    ),
                )
                for other, text, entry in others
            ]
        pitfalls = [p for p in self.rules.pitfalls if plane in p.planes]
        own = self.rules.cost.profiles[plane].first_steps if plane is not None else []
        return Verdict(
            verdict=kind,
            plane=plane,
            alternatives=alternatives,
            criteria_met=[CRITERIA[name] for name in self.met],
            criteria_count=len(self.met),
            criteria_total=len(CRITERIA),
            criteria_needed=self.needed,
            anti_patterns=[ANTI_PATTERNS[name] for name in self.anti_patterns],
            reasons=self.reasons,
            pitfalls=[p.code for p in pitfalls],
            first_steps=[*own, *(f"{p.prepare} ({p.code})" for p in pitfalls)],
            estimate=self._estimate(plane, alternatives),
            stopped_at_step=1 if self.stopped else None,
        )

    def _explain(self, kind: VerdictKind) -> None:
        if self.stopped:
            self._reason(
                "Fewer services than the threshold with a single owning team: the article's step 1 "
                "stops here.",
                "thr.small-fleet-stop",
            )
            self._reason(
                "What a mesh would give you, you can get more cheaply without one.",
                "anti.small-single-team",
            )
            return
        for name, met in self.criteria.items():
            state = {True: "met", False: "not met", None: "not asked"}[met]
            self._reason(f"Criterion {state}: {name.replace('-', ' ')}.", CRITERIA[name])
        self._reason(
            f"{len(self.met)} of {len(CRITERIA)} criteria met; a mesh needs {self.needed} or more.",
            "thr.criteria-needed",
        )
        if self._holds("thr.polyglot") is True:
            self._reason(
                "More than two languages and more than three teams: in-app resilience is "
                "probably fragmenting already, which is where a mesh starts to pay off.",
                "step.assess-graph-diversity",
            )
        if self._holds("thr.gray-zone") is True:
            self._reason(
                "Your service count is in the gray zone where a mesh may or may not pay off.",
                "thr.gray-zone",
            )
        for name in self.anti_patterns:
            self._reason(f"Anti-pattern present: {name.replace('-', ' ')}.", ANTI_PATTERNS[name])
        if self._unmeasured_latency():
            self._reason(
                "A single-digit-millisecond SLO: no mesh unless you measure that it fits. "
                "Measure the added p99 on your own traffic and call depth, then answer again.",
                "anti.latency-sensitive",
            )
        self._explain_kernel()
        if kind == "borderline":
            self._reason(
                "Borderline: re-run this when a criterion changes, and meanwhile cover the gap "
                "without a mesh.",
                "cmp.without-mesh",
            )

    def _explain_kernel(self) -> None:
        """Flag a kernel past upstream end of life whatever the verdict: a risk of its own."""
        kernel = self.answers.get("kernel")
        if not isinstance(kernel, str):
            return
        branch = ".".join(kernel.split(".")[:2])
        oldest = self.rules.oldest_supported_kernel
        if branch in self.rules.kernels_past_eol:
            ended = self.rules.kernels_past_eol[branch]
            when = f" (support ended {ended.isoformat()})" if ended else ""
            self._reason(
                f"Kernel {branch} is past upstream end of life{when}; plan a node OS upgrade "
                "whatever you decide about the mesh.",
                "thr.cilium-kernel",
            )
        elif oldest is not None and version_key(branch) < version_key(oldest):
            self._reason(
                f"Kernel {branch} is older than the oldest longterm kernel still supported "
                f"upstream ({oldest}); plan a node OS upgrade whatever you decide.",
                "thr.cilium-kernel",
            )

    def _estimate(self, plane: PlaneId | None, alternatives: list[PlaneChoice]) -> Estimate | None:
        pods = self.answers.get("pods")
        if plane is None or not isinstance(pods, int) or isinstance(pods, bool) or pods < 1:
            return None
        slo = self.answers.get("latency_slo_ms")
        planes: list[PlaneId] = [plane, *(a.plane for a in alternatives), "none"]
        spec = FleetSpec(
            pods=min(pods, 1_000_000),
            rps_per_pod=_positive(self.answers.get("rps_per_pod"), 1_000_000),
            hops=_positive(self.answers.get("call_depth"), 1000) or 1,
            latency_slo_ms=_positive(slo, 3_600_000),
            planes=list(dict.fromkeys(planes)),
        )
        return estimate(spec, self.rules.cost)


_LINKERD_WHY = "The lower-complexity entry point, if Istio's features are not needed."
_OVERHEAD = "overhead (memory, CPU, latency) comes first"
_FULL_ISTIO = (
    "Istio: you need its full feature surface, and your team can own it.",
    "fact.istio-when-full-xds",
)
_ANY = None
#: Stands for the threshold that rules Cilium out (kernel, Windows nodes), as a reason's entry.
_BLOCKER = None

Conditions = tuple[bool, bool, bool, bool, bool]


@dataclass(frozen=True)
class PlaneRow:
    """One row of the plane choice: when it applies, the plane, why, and the alternatives."""

    when: tuple[bool | None, bool | None, bool | None, bool | None, bool | None]
    plane: PlaneId
    reasons: tuple[tuple[str, str | None], ...]  # (text, entry; None: the blocking threshold)
    alternatives: tuple[tuple[PlaneId, str, str], ...]

    def matches(self, facts: Conditions) -> bool:
        return all(
            want is None or want == fact for want, fact in zip(self.when, facts, strict=True)
        )


#: The plane choice at a glance; the first matching row wins, and ``_ANY`` matches anything.
#:   when = (overhead first, needs Istio's features, Cilium ruled out by the nodes,
#:           small platform team, needs sidecar-only features such as multi-cluster federation)
PLANE_TABLE: tuple[PlaneRow, ...] = (
    PlaneRow(
        (True, True, _ANY, _ANY, _ANY),
        "istio-ambient",
        (
            (
                f"Cilium or Istio ambient, since {_OVERHEAD}; you need Istio's feature surface, "
                "so ambient.",
                "fact.cilium-or-ambient-choice",
            ),
        ),
        (
            (
                "istio-sidecar",
                "All of Istio's features, at sidecar cost.",
                "fact.istio-when-full-xds",
            ),
        ),
    ),
    PlaneRow(
        (True, False, True, _ANY, _ANY),
        "istio-ambient",
        (
            (
                f"Cilium would fit, since {_OVERHEAD}, but your nodes rule it out; Istio ambient "
                "is the other low-overhead plane.",
                _BLOCKER,
            ),
        ),
        (("linkerd", _LINKERD_WHY, "fact.linkerd-better-starting-point"),),
    ),
    PlaneRow(
        (True, False, False, _ANY, _ANY),
        "cilium",
        (
            (
                f"Cilium's eBPF data plane, since {_OVERHEAD} and neither the kernel nor Windows "
                "nodes nor a need for Istio's features stands in the way.",
                "fact.cilium-or-ambient-choice",
            ),
        ),
        (
            (
                "istio-ambient",
                "Low overhead too, with Istio's API and features.",
                "fact.cilium-or-ambient-choice",
            ),
        ),
    ),
    PlaneRow(
        (False, True, _ANY, True, _ANY),
        "istio-ambient",
        (
            (
                "Istio ambient: the lower-overhead entry point for a small platform team, and it "
                "keeps the Istio features you need.",
                "fact.entry-points-complexity-vs-overhead",
            ),
        ),
        (("linkerd", _LINKERD_WHY, "fact.linkerd-better-starting-point"),),
    ),
    PlaneRow(
        (False, False, _ANY, True, _ANY),
        "linkerd",
        (
            (
                "Linkerd: the lower-complexity entry point for a team that cannot own a complex "
                "system.",
                "fact.entry-points-complexity-vs-overhead",
            ),
        ),
        (
            (
                "istio-ambient",
                "The lower-overhead entry point.",
                "fact.entry-points-complexity-vs-overhead",
            ),
        ),
    ),
    PlaneRow(
        (False, True, _ANY, False, True),
        "istio-sidecar",
        (
            _FULL_ISTIO,
            (
                "Sidecar mode for now: Istio recommends ambient to new users, but multi-cluster "
                "federation is where ambient is still catching up; check the current release "
                "notes before ruling ambient out.",
                "fact.istio-recommends-ambient",
            ),
        ),
        (
            (
                "istio-ambient",
                "Istio's own recommendation for new users, once it covers your clusters.",
                "fact.istio-recommends-ambient",
            ),
        ),
    ),
    PlaneRow(
        (False, True, _ANY, False, False),
        "istio-ambient",
        (
            _FULL_ISTIO,
            (
                "Ambient mode: Istio recommends that new users start with ambient (JWT and "
                "external authorization run in waypoints); sidecars remain for what ambient "
                "lacks.",
                "fact.istio-recommends-ambient",
            ),
        ),
        (
            (
                "istio-sidecar",
                "Sidecar mode, for the advanced features ambient does not cover yet.",
                "fact.istio-when-full-xds",
            ),
        ),
    ),
    PlaneRow(
        (False, False, _ANY, False, _ANY),
        "linkerd",
        (
            (
                "Linkerd: for mTLS, golden metrics and basic traffic shifting it is the better "
                "starting point for most teams.",
                "fact.linkerd-better-starting-point",
            ),
        ),
        (
            (
                "istio-ambient",
                "If you later need Istio's features, at lower overhead than sidecars.",
                "fact.entry-points-complexity-vs-overhead",
            ),
        ),
    ),
)


def _positive(value: Value, most: int) -> int | None:
    """A whole-number answer above zero, capped at what the estimate accepts; else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, most)
    return None


def _as_bool(value: Value) -> bool | None:
    return value if isinstance(value, bool) else None


def _as_count(value: Value) -> int | None:
    """Windows nodes as a count for the rule ``windows-nodes == 0``."""
    return None if not isinstance(value, bool) else int(value)


__all__ = [
    "ANTI_PATTERNS",
    "PLANE_FACTS",
    "PLANE_TABLE",
    "THRESHOLDS",
    "DecisionRules",
    "PitfallBrief",
    "PlaneRow",
    "Verdict",
    "assess",
    "next_step",
    "relevant_answers",
]
