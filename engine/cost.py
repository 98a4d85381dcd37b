"""Fleet cost estimates per data plane.

The arithmetic is the article's and deliberately plain, so a team can redo it on a whiteboard:

- memory used = proxies × memory per proxy (flat: a proxy holds its config whatever the
  traffic), or pods × a per-pod equivalent where that is how the figure is given (Cilium);
- CPU used = total req/s ÷ 1,000 × vCPU per 1,000 req/s (it follows traffic, not proxy count);
- reserved = the data-plane components' chart requests × pods or nodes;
- latency added to a request = hops × p99 per hop, as a low–high range;
- money = what the cluster must provision (the larger of used and reserved) × list prices.

One methodology per table: every plane is estimated on the same ``basis``, either the article's
own figures or upstream ones (project docs, benchmarks, charts). A plane with no figure on that
basis shows none, rather than borrowing one measured another way. Node-level planes run as
DaemonSets, which Fargate cannot run, so they are never priced at the Fargate list price.
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
Basis = Literal["article", "upstream"]
DEFAULT_BASIS: Basis = "upstream"
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
    basis: Basis = Field(
        DEFAULT_BASIS,
        description="Whose figures every plane is estimated with: 'article' (the article's own, "
        "to reproduce its arithmetic) or 'upstream' (project docs, benchmarks, charts).",
    )
    prefer_source: str | None = Field(
        None,
        description="Within the basis, a source id whose figures to use where it has one "
        "(e.g. istio-perf-docs-1.22).",
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
    memory_mb: float | None = Field(description="Used; None when the basis has no figure.")
    cpu_vcpu: float | None = Field(description="Used; None when the basis has no figure.")
    reserved_memory_mb: float | None = Field(
        description="Requested by the data plane's charts; None where no chart data is recorded."
    )
    reserved_vcpu: float | None = Field(description="Requested by the data plane's charts.")
    monthly_usd: float | None = Field(
        description="None for a node-level plane without a node price (it cannot run on Fargate)."
    )
    latency_ms_per_hop: Range | None
    latency_ms_per_request: Range | None
    fits_slo: bool | None = Field(description="None when no SLO was given or no figure exists.")
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
    basis: Basis
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
    assumptions.append(_BASIS_NOTES[spec.basis])
    node_priced = spec.usd_per_vcpu_month is not None and spec.usd_per_gb_month is not None
    if not node_priced:
        assumptions.append(
            "Node-level planes (DaemonSets) cannot run on Fargate, so they are not priced at the "
            "Fargate list price; pass your nodes' price per vCPU-month and GB-month to price them."
        )
    fleet = _Fleet(spec, nodes, rps, vcpu_price, gb_price, node_priced)
    planes = [p for p in PLANES if spec.planes is None or p in spec.planes]
    return Estimate(
        inputs=spec,
        basis=spec.basis,
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


_BASIS_NOTES: dict[Basis, str] = {
    "article": "Basis: the article's own figures for every plane (its 2025 arithmetic, "
    "reproducible); where the article gives no figure, none is shown.",
    "upstream": "Basis: upstream figures for every plane (project benchmarks, docs and charts, "
    "each with its version); where no project publishes a figure, none is shown — measure it.",
}


def on_basis(figure: Figure, basis: Basis) -> bool:
    """Whether a figure belongs to a basis: the article's, or anyone else's (upstream)."""
    return (figure.source == "article") == (basis == "article")


def _pick(
    figures: Sequence[Figure], name: str, basis: Basis, prefer: str | None
) -> FigureUsed | None:
    """The figure to use on this basis (the preferred source's if it has one), or None."""
    candidates = [f for f in figures if on_basis(f, basis)]
    if not candidates:
        return None
    used = next((f for f in candidates if prefer and f.source == prefer), candidates[0])
    others = [f for f in figures if f is not used]
    return FigureUsed(quantity=name, used=used, alternatives=others)


class _Fleet:
    """One fleet, priced; turns a profile into its estimate."""

    def __init__(
        self, spec: FleetSpec, nodes: int, rps: float, vcpu: float, gb: float, node_priced: bool
    ) -> None:
        self.spec = spec
        self.nodes = nodes
        self.kilo_rps = spec.pods * rps / 1000
        self.vcpu_price = vcpu
        self.gb_price = gb
        self.node_priced = node_priced

    def _usd(self, cpu: float, memory_mb: float) -> float:
        return round(cpu * self.vcpu_price + memory_mb / MB_PER_GB * self.gb_price, 2)

    def _count(self, unit: str) -> int:
        return {
            "pod": self.spec.pods,
            "node": self.nodes,
            "namespace": self.spec.l7_namespaces,
        }.get(unit, 0)

    def plane(self, plane: PlaneId, profile: DataPlaneProfile) -> PlaneEstimate:
        if profile.deployment_unit == "none":
            return self._baseline(plane, profile)
        basis, prefer = self.spec.basis, self.spec.prefer_source
        memory = _pick(profile.memory_mb_per_proxy, "memory per proxy (MB)", basis, prefer)
        cpu = _pick(profile.vcpu_per_1k_rps, "vCPU per 1,000 req/s", basis, prefer)
        hop = _pick(profile.p99_ms_per_hop, "p99 latency per hop (ms)", basis, prefer)
        figures = [f for f in (memory, cpu, hop) if f is not None]
        proxies = self._count(profile.deployment_unit)
        notes = [f"{proxies} proxies, one per {profile.deployment_unit}: {profile.proxy}."]
        memory_mb: float | None = None
        if memory is not None:
            per = self.spec.pods if profile.memory_basis == "pod" else proxies
            memory_mb = per * memory.used.midpoint
            if profile.memory_basis == "pod":
                notes.append(
                    f"Memory is a per-pod equivalent: {self.spec.pods} pods × {memory.used}."
                )
        cpu_vcpu = None if cpu is None else self.kilo_rps * cpu.used.midpoint
        if profile.l7_proxy is not None and self.spec.l7_namespaces:
            extra, l7_notes, l7_figures = self._l7(profile)
            memory_mb = None if memory_mb is None or extra[0] is None else memory_mb + extra[0]
            cpu_vcpu = None if cpu_vcpu is None or extra[1] is None else cpu_vcpu + extra[1]
            proxies += self._count(profile.l7_proxy.deployment_unit)
            notes += l7_notes
            figures += l7_figures
        reserved_vcpu = sum(r.vcpu * self._count(r.per) for r in profile.reserved)
        reserved_mb = sum(r.memory_mb * self._count(r.per) for r in profile.reserved)
        if not profile.reserved:
            notes.append("Reserved: no chart requests recorded for this plane.")
        notes += [
            f"Reserved: {r.component} requests {r.vcpu:g} vCPU and {r.memory_mb:g} MB per {r.per} "
            f"({r.source})." + (f" {r.note}" if r.note else "")
            for r in profile.reserved
        ]
        per_hop, per_request, fits = self._latency(hop, notes)
        missing = [
            name for name, f in (("memory", memory), ("CPU", cpu), ("latency", hop)) if not f
        ]
        if missing:
            notes.append(
                f"No {', '.join(missing)} figure for {profile.name} on the {basis} basis: "
                "not estimated."
            )
        notes += [f"{f.quantity}: {_cited(f.used)}" + _others(f) for f in figures]
        return PlaneEstimate(
            plane=plane,
            name=profile.name,
            proxies=proxies,
            proxies_per=profile.deployment_unit,
            memory_mb=None if memory_mb is None else round(memory_mb, 3),
            cpu_vcpu=None if cpu_vcpu is None else round(cpu_vcpu, 3),
            reserved_memory_mb=round(reserved_mb, 3) if profile.reserved else None,
            reserved_vcpu=round(reserved_vcpu, 3) if profile.reserved else None,
            monthly_usd=self._plane_usd(
                profile, cpu_vcpu, memory_mb, reserved_vcpu, reserved_mb, notes
            ),
            latency_ms_per_hop=per_hop,
            latency_ms_per_request=per_request,
            fits_slo=fits,
            assumptions=notes,
            sources=sorted({f.used.source for f in figures} | {r.source for r in profile.reserved}),
            figures=figures,
        )

    def _baseline(self, plane: PlaneId, profile: DataPlaneProfile) -> PlaneEstimate:
        """No mesh adds nothing, on any basis."""
        zero = Range(low=0, high=0)
        slo = self.spec.latency_slo_ms
        return PlaneEstimate(
            plane=plane,
            name=profile.name,
            proxies=0,
            proxies_per="none",
            memory_mb=0,
            cpu_vcpu=0,
            reserved_memory_mb=0,
            reserved_vcpu=0,
            monthly_usd=0,
            latency_ms_per_hop=zero,
            latency_ms_per_request=zero,
            fits_slo=None if slo is None else True,
            assumptions=["No proxies: the baseline without a mesh."],
            sources=list(profile.sources[:1]),
            figures=[],
        )

    def _latency(
        self, hop: FigureUsed | None, notes: list[str]
    ) -> tuple[Range | None, Range | None, bool | None]:
        slo = self.spec.latency_slo_ms
        if hop is None:
            if slo is not None:
                notes.append(
                    "No published per-hop latency on this basis: measure it against the SLO."
                )
            return None, None, None
        low, high = hop.used.bounds
        per_hop = Range(low=low, high=high)
        per_request = Range(low=low * self.spec.hops, high=high * self.spec.hops)
        fits = None if slo is None else per_request.high <= slo
        if slo is not None and per_request.low <= slo < per_request.high:
            notes.append(f"Fits the {slo:g} ms SLO only at the low end of the per-hop range.")
        if slo is not None:
            notes.append("The SLO is compared with the latency the mesh adds, nothing else.")
        return per_hop, per_request, fits

    def _plane_usd(
        self,
        profile: DataPlaneProfile,
        cpu: float | None,
        memory_mb: float | None,
        reserved_vcpu: float,
        reserved_mb: float,
        notes: list[str],
    ) -> float | None:
        """Price what must be provisioned: requests, or use where use is larger and known."""
        if profile.deployment_unit == "node" and not self.node_priced:
            notes.append(
                "Not priced: its DaemonSets need EC2 (or other) nodes, not Fargate; "
                "give a node price."
            )
            return None
        if cpu is None or memory_mb is None:
            notes.append(
                "Priced on its requests only (use not known on this basis): a lower bound."
            )
        return self._usd(max(cpu or 0, reserved_vcpu), max(memory_mb or 0, reserved_mb))

    def _l7(
        self, profile: DataPlaneProfile
    ) -> tuple[tuple[float | None, float | None], list[str], list[FigureUsed]]:
        assert profile.l7_proxy is not None
        l7 = profile.l7_proxy
        basis, prefer = self.spec.basis, self.spec.prefer_source
        memory = _pick(l7.memory_mb_per_proxy, f"{l7.name} memory (MB)", basis, prefer)
        cpu = _pick(l7.vcpu_per_1k_rps, f"{l7.name} vCPU per 1,000 req/s", basis, prefer)
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
            (
                None if memory is None else count * memory.used.midpoint,
                None if cpu is None else share * self.kilo_rps * cpu.used.midpoint,
            ),
            notes,
            [f for f in (memory, cpu) if f is not None],
        )

    def control_plane(self, plane: PlaneId, profile: DataPlaneProfile) -> ControlPlaneEstimate:
        """Control planes are priced on their chart requests (an upstream fact on any basis: the
        article gives no control-plane figure); the sizing statements are shown beside them."""
        assert profile.control_plane is not None
        cp = profile.control_plane
        prefer = self.spec.prefer_source
        memory = _pick(cp.memory_mb, "control-plane memory (MB)", "upstream", prefer)
        cpu = _pick(cp.vcpu, "control-plane vCPU", "upstream", prefer)
        assert memory is not None and cpu is not None  # the knowledge check requires one each
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
