"""The shape of a data-plane profile: what the cost engine needs to know about each plane."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.quantities import Figure
from engine.versions import AppliesTo

DeploymentUnit = Literal["pod", "node", "namespace", "none"]


class L7Proxy(BaseModel):
    """An extra proxy some planes add only where L7 features are needed (Ambient's waypoints)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    deployment_unit: Literal["namespace", "node"]
    memory_mb_per_proxy: list[Figure] = Field(min_length=1)
    vcpu_per_1k_rps: list[Figure] = Field(min_length=1)


class Reserved(BaseModel):
    """What one component of the data plane asks the scheduler for (its chart's requests).

    The cluster sets this capacity aside whatever the proxy actually uses, and Fargate bills it,
    so an honest estimate shows it beside the measured use.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    component: str
    per: Literal["pod", "node"]
    vcpu: float = Field(ge=0)
    memory_mb: float = Field(ge=0)
    source: str
    note: str | None = None


class ControlPlane(BaseModel):
    """The plane's own control components, costed as a separate line: they are paid once per
    cluster, not per pod, and teams forget them when comparing per-proxy figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    components: str
    memory_mb: list[Figure] = Field(min_length=1)
    vcpu: list[Figure] = Field(min_length=1)


class DataPlaneProfile(BaseModel):
    """Resource and latency figures for one data plane.

    Each figure is a list of alternatives, one per source. Figures whose source is the article
    form the article basis; all others (project docs, benchmarks, charts) the upstream basis. An
    estimate uses one basis for every plane, so a measured figure for one plane is never set
    beside the article's figure for another.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    proxy: str
    deployment_unit: DeploymentUnit
    summary: str
    memory_mb_per_proxy: list[Figure] = Field(min_length=1)
    vcpu_per_1k_rps: list[Figure] = Field(
        [], description="May be empty: no published figure on either basis (the gap is shown)."
    )
    p99_ms_per_hop: list[Figure] = []
    reserved: list[Reserved] = Field(
        [], description="Chart requests of the data-plane components, per pod or per node."
    )
    memory_basis: Literal["proxy", "pod"] = Field(
        "proxy",
        description="What memory_mb_per_proxy is counted per: each proxy, or each pod served "
        "(Cilium's figure is a per-pod equivalent).",
    )
    l7_proxy: L7Proxy | None = None
    control_plane: ControlPlane | None = None
    requirements: list[str] = []
    first_steps: list[str] = Field(
        [],
        description="What to prepare for when this plane is recommended (its own pitfalls).",
    )
    features: dict[str, str] = {}
    keywords: list[str] = []
    sources: list[str] = Field(min_length=1)
    reviewed: dt.date = Field(description="Last checked against its sources.")
    applies_to: list[AppliesTo] = []
