"""Fleet cost estimates per data plane.

The arithmetic is the article's and deliberately plain, so a team can redo it on a whiteboard:

- memory = proxies × memory per proxy (flat: a proxy holds its config whatever the traffic),
  or pods × a per-pod equivalent where that is how the figure is given (Cilium);
- CPU = total req/s ÷ 1,000 × vCPU per 1,000 req/s (it follows traffic, not proxy count);
- latency added to a request = hops × p99 per hop, as a low–high range;
- money = vCPU × price per vCPU-month + GB × price per GB-month.

Every figure comes in through ``CostParameters`` with its source; when sources disagree the
first (the article's) is used unless the caller names another, and both are reported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.profiles import DataPlaneProfile
from engine.quantities import Figure

PlaneId = Literal["istio-sidecar", "linkerd", "istio-ambient", "cilium", "none"]
PLANES: tuple[PlaneId, ...] = ("istio-sidecar", "linkerd", "istio-ambient", "cilium", "none")
MB_PER_GB = 1000  # the article counts decimal gigabytes in its fleet arithmetic


class FleetSpec(BaseModel):
    """The fleet to estimate. Unset optional fields take the article's defaults, said so in
    the assumptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pods: int = Field(ge=1, le=1_000_000, description="Meshed pods.")
    nodes: int | None = Field(
        None, ge=1, le=1_000_000, description="Default: the article's density."
    )
    rps_per_pod: float | None = Field(
        None,
        ge=0,
        le=1_000_000,
        description="Requests/s through each pod. Default: 'moderate load'.",
    )
    hops: int = Field(1, ge=1, le=1000, description="Service calls on one user request's path.")
    l7_namespaces: int = Field(0, ge=0, le=100_000, description="Namespaces needing L7 features.")
    l7_traffic_share: float | None = Field(
        None, ge=0, le=1, description="Share of requests through a waypoint. Default: all of them."
    )
    latency_slo_ms: float | None = Field(None, gt=0, le=3_600_000)
    usd_per_vcpu_month: float | None = Field(None, ge=0, le=100_000)
    usd_per_gb_month: float | None = Field(None, ge=0, le=100_000)
    planes: list[PlaneId] | None = Field(None, min_length=1, description="Default: all.")
    prefer_source: str | None = Field(
        None, description="Source id whose figures to use where it has one (e.g. istio-perf-docs)."
    )


class CostParameters(BaseModel):
    """What the estimate computes with; assembled from the knowledge base."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profiles: dict[str, DataPlaneProfile]
    pods_per_node: Figure
    default_rps_per_pod: Figure
    usd_per_vcpu_month: Figure
    usd_per_gb_month: Figure


class Range(BaseModel):
    low: float
    high: float


class FigureUsed(BaseModel):
    """Which figure an estimate used, and what the other sources say, so both are named."""

    quantity: str
    used: Figure
    alternatives: list[Figure]


class PlaneEstimate(BaseModel):
    plane: PlaneId
    name: str
    proxies: int
    proxies_per: str = Field(description="pod, node, namespace or none")
    memory_mb: float
    cpu_vcpu: float
    monthly_usd: float
    latency_ms_per_hop: Range
    latency_ms_per_request: Range
    fits_slo: bool | None = Field(description="None when no SLO was given.")
    assumptions: list[str]
    sources: list[str]
    figures: list[FigureUsed]


class ControlPlaneEstimate(BaseModel):
    plane: PlaneId
    name: str
    components: str
    memory_mb: float
    cpu_vcpu: float
    monthly_usd: float
    sources: list[str]
    figures: list[FigureUsed]


class Estimate(BaseModel):
    inputs: FleetSpec
    nodes: int
    rps_per_pod: float
    planes: list[PlaneEstimate]
    control_plane: list[ControlPlaneEstimate]
    assumptions: list[str]


def estimate(spec: FleetSpec, params: CostParameters) -> Estimate:
    assumptions: list[str] = []
    nodes = spec.nodes
    if nodes is None:
        density = params.pods_per_node.midpoint
        nodes = math.ceil(spec.pods / density)
        assumptions.append(
            f"{nodes} nodes assumed: {spec.pods} pods at {density:g} pods per node, the density of "
            f"the article's example ({params.pods_per_node.source}); pass nodes to override."
        )
    rps = spec.rps_per_pod
    if rps is None:
        rps = params.default_rps_per_pod.midpoint
        assumptions.append(
            f"{rps:g} req/s per pod assumed, the article's 'moderate load' "
            f"({params.default_rps_per_pod.source}); CPU scales with it, memory does not."
        )
    vcpu_price = _price(spec.usd_per_vcpu_month, params.usd_per_vcpu_month, "vCPU", assumptions)
    gb_price = _price(spec.usd_per_gb_month, params.usd_per_gb_month, "GB", assumptions)
    assumptions.append(f"1 GB = {MB_PER_GB} MB, as the article counts in its fleet arithmetic.")
    fleet = _Fleet(spec, nodes, rps, vcpu_price, gb_price)
    planes = [p for p in PLANES if spec.planes is None or p in spec.planes]
    return Estimate(
        inputs=spec,
        nodes=nodes,
        rps_per_pod=rps,
        planes=[fleet.plane(plane, params.profiles[plane]) for plane in planes],
        control_plane=[
            fleet.control_plane(plane, params.profiles[plane])
            for plane in planes
            if params.profiles[plane].control_plane is not None
        ],
        assumptions=assumptions,
    )


def _price(given: float | None, default: Figure, unit: str, assumptions: list[str]) -> float:
    if given is not None:
        return given
    assumptions.append(f"USD {default.midpoint:g} per {unit}-month ({default.source}).")
    return default.midpoint


def _pick(figures: Sequence[Figure], name: str, prefer: str | None) -> FigureUsed:
    used = next((f for f in figures if prefer and f.source == prefer), figures[0])
    return FigureUsed(quantity=name, used=used, alternatives=[f for f in figures if f is not used])


class _Fleet:
    """One fleet, priced; turns a profile into its estimate."""

    def __init__(self, spec: FleetSpec, nodes: int, rps: float, vcpu: float, gb: float) -> None:
        self.spec = spec
        self.nodes = nodes
        self.kilo_rps = spec.pods * rps / 1000
        self.vcpu_price = vcpu
        self.gb_price = gb

    def _usd(self, cpu: float, memory_mb: float) -> float:
        return round(cpu * self.vcpu_price + memory_mb / MB_PER_GB * self.gb_price, 2)

    def _count(self, unit: str) -> int:
        return {
            "pod": self.spec.pods,
            "node": self.nodes,
            "namespace": self.spec.l7_namespaces,
        }.get(unit, 0)

    def plane(self, plane: PlaneId, profile: DataPlaneProfile) -> PlaneEstimate:
        prefer = self.spec.prefer_source
        memory = _pick(profile.memory_mb_per_proxy, "memory per proxy (MB)", prefer)
        cpu = _pick(profile.vcpu_per_1k_rps, "vCPU per 1,000 req/s", prefer)
        hop = _pick(profile.p99_ms_per_hop, "p99 latency per hop (ms)", prefer)
        figures = [memory, cpu, hop]
        proxies = self._count(profile.deployment_unit)
        basis = self.spec.pods if profile.memory_basis == "pod" else proxies
        memory_mb = basis * memory.used.midpoint
        cpu_vcpu = self.kilo_rps * cpu.used.midpoint
        notes = (
            [f"{proxies} proxies, one per {profile.deployment_unit}: {profile.proxy}."]
            if profile.deployment_unit != "none"
            else ["No proxies: the baseline without a mesh."]
        )
        if profile.memory_basis == "pod":
            notes.append(f"Memory is a per-pod equivalent: {self.spec.pods} pods × {memory.used}.")
        if profile.l7_proxy is not None and self.spec.l7_namespaces:
            extra, l7_notes, l7_figures = self._l7(profile)
            memory_mb += extra[0]
            cpu_vcpu += extra[1]
            proxies += self._count(profile.l7_proxy.deployment_unit)
            notes += l7_notes
            figures += l7_figures
        low, high = hop.used.bounds
        per_hop = Range(low=low, high=high)
        per_request = Range(low=per_hop.low * self.spec.hops, high=per_hop.high * self.spec.hops)
        slo = self.spec.latency_slo_ms
        fits = None if slo is None else per_request.high <= slo
        if slo is not None and per_request.low <= slo < per_request.high:
            notes.append(f"Fits the {slo:g} ms SLO only at the low end of the per-hop range.")
        if slo is not None:
            notes.append("The SLO is compared with the latency the mesh adds, nothing else.")
        notes += [f"{f.quantity}: {_cited(f.used)}" + _others(f) for f in figures]
        return PlaneEstimate(
            plane=plane,
            name=profile.name,
            proxies=proxies,
            proxies_per=profile.deployment_unit,
            memory_mb=round(memory_mb, 3),
            cpu_vcpu=round(cpu_vcpu, 3),
            monthly_usd=self._usd(cpu_vcpu, memory_mb),
            latency_ms_per_hop=per_hop,
            latency_ms_per_request=per_request,
            fits_slo=fits,
            assumptions=notes,
            sources=sorted({f.used.source for f in figures}),
            figures=figures,
        )

    def _l7(
        self, profile: DataPlaneProfile
    ) -> tuple[tuple[float, float], list[str], list[FigureUsed]]:
        assert profile.l7_proxy is not None
        l7 = profile.l7_proxy
        prefer = self.spec.prefer_source
        memory = _pick(l7.memory_mb_per_proxy, f"{l7.name} memory (MB)", prefer)
        cpu = _pick(l7.vcpu_per_1k_rps, f"{l7.name} vCPU per 1,000 req/s", prefer)
        count = self._count(l7.deployment_unit)
        share = self.spec.l7_traffic_share
        notes = [f"{count} {l7.name} proxies, one per {l7.deployment_unit} needing L7 features."]
        if share is None:
            share = 1.0
            notes.append(
                f"Every request is assumed to pass a {l7.name} (an upper bound); pass "
                "l7_traffic_share to narrow it. Its latency is left out: none is published."
            )
        return (
            (count * memory.used.midpoint, share * self.kilo_rps * cpu.used.midpoint),
            notes,
            [memory, cpu],
        )

    def control_plane(self, plane: PlaneId, profile: DataPlaneProfile) -> ControlPlaneEstimate:
        assert profile.control_plane is not None
        cp = profile.control_plane
        prefer = self.spec.prefer_source
        memory = _pick(cp.memory_mb, "control-plane memory (MB)", prefer)
        cpu = _pick(cp.vcpu, "control-plane vCPU", prefer)
        return ControlPlaneEstimate(
            plane=plane,
            name=cp.name,
            components=cp.components,
            memory_mb=memory.used.midpoint,
            cpu_vcpu=cpu.used.midpoint,
            monthly_usd=self._usd(cpu.used.midpoint, memory.used.midpoint),
            sources=sorted({memory.used.source, cpu.used.source}),
            figures=[memory, cpu],
        )


def _cited(figure: Figure) -> str:
    return f"{figure} from {figure.source}" + (" (an estimate)" if figure.estimate else "")


def _others(used: FigureUsed) -> str:
    if not used.alternatives:
        return ""
    return " (also: " + "; ".join(_cited(f) for f in used.alternatives) + ")"
