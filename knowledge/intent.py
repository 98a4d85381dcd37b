"""What kind of answer a question wants, read before ranking.

Three readings change the answer, each with plain rules a reviewer can check:

- a **comparison** ("X vs Y", "lighter than", "difference between", "or … for") of two or more
  meshes is answered by a comparison table covering all of them, not by a fact about one side;
- a **fleet figure** ("how much CPU would 200 sidecars need at 1k rps each") is computed by
  ``engine.cost`` and answered with the figure and its basis, not looked up;
- an **error string** is matched against each runbook's exact signals; one that several
  runbooks list (``upstream connect error or disconnect/reset before headers``) is answered by
  listing them, never by one confident runbook whose first step may be wrong for the cause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.cost import CostParameters, Estimate, FleetSpec, PlaneEstimate, PlaneId, estimate

_COMPARATIVE = re.compile(
    r"\b(vs\.?|versus|compared?|comparison|difference|differences|differ|better|worse|"
    r"lighter|heavier|cheaper|faster|slower|smaller|bigger|instead of|alternatives?|"
    r"options|which (mesh|one|is))\b|\bor\b.*\bfor\b"
)
_MESH_NAMES = re.compile(r"\b(istio|linkerd|cilium|ambient|sidecars?|sidecarless|no mesh)\b")
_COUNT = re.compile(
    r"\b(\d{1,7}(?:[.,]\d+)?)\s*(k)?\s+(?:[a-z-]+\s+){0,2}?"
    r"(sidecars?|pods?|proxies|proxy|workloads?|replicas?|services?)\b"
)
_RPS = re.compile(
    r"\b(\d{1,7}(?:[.,]\d+)?)\s*(k)?\s*(?:rps|req/s|requests? (?:per|a|/) ?(?:second|sec|s))\b"
)
_QUANTITY = re.compile(r"\b(cpus?|vcpus?|cores?|memory|ram|gb|mb|cost|costs|price|\$|usd|money)\b")
_ASKS_AMOUNT = re.compile(r"\b(how (much|many)|what (would|will|does)|need|cost|estimate)\b")
_PLANES: tuple[tuple[str, PlaneId], ...] = (
    (r"\bambient\b|\bztunnel", "istio-ambient"),
    (r"\blinkerd", "linkerd"),
    (r"\bcilium", "cilium"),
    (r"\bistio|\benvoy|\bsidecars?\b", "istio-sidecar"),
)


def compared_meshes(text: str) -> frozenset[str]:
    """What a comparison sets against each other: "is linkerd lighter than istio" gives
    {istio, linkerd}. Empty unless the question has a comparative word *and* names two or more
    (a pasted log line that says "faster than linkerd-proxy" compares nothing)."""
    lowered = text.lower()
    if not _COMPARATIVE.search(lowered):
        return frozenset()
    named = frozenset(name.removesuffix("s") for name in _MESH_NAMES.findall(lowered))
    return named if len(named) >= 2 else frozenset()


@dataclass(frozen=True)
class FleetFigure:
    """A computed answer: the sentence to lead with, and which profile it came from."""

    plane: PlaneId
    summary: str


def _number(digits: str, thousands: str | None) -> float:
    value = float(digits.replace(",", ""))
    return value * 1000 if thousands else value


def fleet_figure(text: str, params: CostParameters) -> FleetFigure | None:
    """The engine's answer to a question that gives a fleet size and asks for an amount."""
    lowered = text.lower()
    count, quantity = _COUNT.search(lowered), _QUANTITY.search(lowered)
    if count is None or quantity is None or not _ASKS_AMOUNT.search(lowered):
        return None
    pods = round(_number(count.group(1), count.group(2)))
    rps = _RPS.search(lowered)
    plane: PlaneId = next(
        (p for pattern, p in _PLANES if re.search(pattern, lowered)), "istio-sidecar"
    )
    try:
        spec = FleetSpec(
            pods=pods,
            rps_per_pod=_number(rps.group(1), rps.group(2)) if rps else None,
            planes=[plane],
        )
    except ValueError:  # a fleet beyond the engine's bounds is not a question it answers
        return None
    result = estimate(spec, params)
    sentence = _fleet_sentence(result, result.planes[0], quantity.group(1))
    return None if sentence is None else FleetFigure(plane, sentence)


def _fleet_sentence(result: Estimate, plane: PlaneEstimate, asked: str) -> str | None:
    """One sentence with the figure asked for, then its basis: which per-proxy figure, whose.
    None when the engine has no figure for what was asked (the search answers instead)."""
    pods, rps = result.inputs.pods, result.rps_per_pod
    basis_of: tuple[str, ...]
    if asked in {"memory", "ram", "gb", "mb"}:
        value, basis_of = plane.memory_mb, ("memory",)
        figure = None if value is None else f"{value / 1000:,.1f} GB of memory"
    elif asked in {"cost", "costs", "price", "$", "usd", "money"}:
        value, basis_of = plane.monthly_usd, ("memory", "vCPU")
        figure = None if value is None else f"${value:,.0f} a month"
    else:
        value, basis_of = plane.cpu_vcpu, ("vCPU",)
        figure = None if value is None else f"{value:,.1f} vCPU"
    if figure is None:
        return None
    basis = [
        f"{used.used} {used.quantity.split(' ', 1)[-1]} ({used.used.source})"
        for used in plane.figures
        if used.quantity.startswith(basis_of)
    ]
    basis_text = f", at {'; '.join(basis)}" if basis else ""
    return (
        f"{pods:,} pods on {plane.name} at {rps:,.0f} req/s each need about {figure} "
        f"for {plane.proxies:,} proxies (one per {plane.proxies_per}){basis_text}. "
        f"Computed by the cost engine; `meshbot estimate --pods {pods}` shows every data plane."
    )
