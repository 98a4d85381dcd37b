"""The cost estimate reproduces the article's arithmetic and says what it assumes."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.cost import CostParameters, Estimate, FleetSpec, PlaneEstimate, estimate
from knowledge.library import Library


@pytest.fixture(scope="module")
def params(library: Library) -> CostParameters:
    return library.rules.cost


def _plane(result: Estimate, plane: str) -> PlaneEstimate:
    return next(p for p in result.planes if p.plane == plane)


def test_200_pods_reproduce_the_articles_fleet_arithmetic(params: CostParameters) -> None:
    result = estimate(FleetSpec(pods=200, rps_per_pod=1000, hops=8, basis="article"), params)
    sidecar = _plane(result, "istio-sidecar")
    assert sidecar.memory_mb == 12_000
    assert sidecar.cpu_vcpu == pytest.approx(40)
    assert _plane(result, "linkerd").memory_mb == 3_000
    assert sidecar.latency_ms_per_request is not None
    assert sidecar.latency_ms_per_request.low == 16
    assert sidecar.latency_ms_per_request.high == 40


def test_nodes_default_to_the_articles_density_and_say_so(params: CostParameters) -> None:
    result = estimate(FleetSpec(pods=200), params)
    assert result.nodes == 10
    assert any("10 nodes assumed" in a for a in result.assumptions)
    assert _plane(result, "istio-ambient").proxies == 10
    assert _plane(result, "cilium").proxies == 10


def test_every_plane_and_the_baseline_are_estimated_by_default(params: CostParameters) -> None:
    result = estimate(FleetSpec(pods=50), params)
    assert [p.plane for p in result.planes] == [
        "istio-sidecar",
        "linkerd",
        "istio-ambient",
        "cilium",
        "none",
    ]
    none = _plane(result, "none")
    assert (none.proxies, none.memory_mb, none.cpu_vcpu, none.monthly_usd) == (0, 0, 0, 0)


def test_memory_is_flat_in_traffic_and_cpu_follows_it(params: CostParameters) -> None:
    quiet = _plane(estimate(FleetSpec(pods=100, rps_per_pod=10), params), "istio-sidecar")
    busy = _plane(estimate(FleetSpec(pods=100, rps_per_pod=2000), params), "istio-sidecar")
    assert quiet.memory_mb == busy.memory_mb
    assert quiet.cpu_vcpu is not None
    assert busy.cpu_vcpu == pytest.approx(quiet.cpu_vcpu * 200)


def test_per_node_planes_scale_with_nodes_not_pods(params: CostParameters) -> None:
    few = _plane(estimate(FleetSpec(pods=200, nodes=5), params), "istio-ambient")
    many = _plane(estimate(FleetSpec(pods=200, nodes=20), params), "istio-ambient")
    assert few.memory_mb is not None
    assert many.memory_mb == pytest.approx(few.memory_mb * 4)


@pytest.mark.parametrize("basis", ["article", "upstream"])
def test_one_table_never_mixes_article_figures_with_upstream_ones(
    params: CostParameters, basis: Literal["article", "upstream"]
) -> None:
    result = estimate(FleetSpec(pods=100, l7_namespaces=2, basis=basis), params)
    assert result.basis == basis
    used = [f.used.source for p in result.planes for f in p.figures]
    assert used
    assert all((source == "article") == (basis == "article") for source in used)


def test_upstream_is_the_default_and_shows_istios_measured_sidecar_latency(
    params: CostParameters,
) -> None:
    sidecar = _plane(estimate(FleetSpec(pods=100, hops=8), params), "istio-sidecar")
    assert sidecar.latency_ms_per_hop is not None and sidecar.latency_ms_per_request is not None
    assert sidecar.latency_ms_per_hop.high == pytest.approx(0.298)
    assert sidecar.latency_ms_per_request.high == pytest.approx(8 * 0.298)


def test_the_caller_can_prefer_another_source_within_the_basis_and_both_are_named(
    params: CostParameters,
) -> None:
    latest = _plane(estimate(FleetSpec(pods=100), params), "istio-sidecar")
    older = _plane(
        estimate(FleetSpec(pods=100, prefer_source="istio-perf-docs-1.22"), params),
        "istio-sidecar",
    )
    assert latest.cpu_vcpu is not None and older.cpu_vcpu is not None
    assert older.cpu_vcpu > latest.cpu_vcpu
    assert "istio-perf-docs-1.22" in " ".join(latest.assumptions)
    article_side = _plane(
        estimate(FleetSpec(pods=100, basis="article", prefer_source="istio-perf-docs"), params),
        "istio-sidecar",
    )
    assert {f.used.source for f in article_side.figures} == {"article"}


def test_a_plane_with_no_published_figure_shows_none_instead_of_a_borrowed_one(
    params: CostParameters,
) -> None:
    result = estimate(FleetSpec(pods=100, hops=8, latency_slo_ms=20), params)
    cilium, linkerd = _plane(result, "cilium"), _plane(result, "linkerd")
    assert (cilium.memory_mb, cilium.cpu_vcpu, cilium.latency_ms_per_request) == (None, None, None)
    assert cilium.fits_slo is None
    assert linkerd.cpu_vcpu is None and linkerd.latency_ms_per_hop is None
    assert any("measure it" in a for a in linkerd.assumptions)


def test_ambient_shows_what_its_daemonsets_reserve_beside_what_ztunnel_uses(
    params: CostParameters,
) -> None:
    ambient = _plane(estimate(FleetSpec(pods=200, nodes=10), params), "istio-ambient")
    assert ambient.memory_mb == pytest.approx(10 * 12)
    assert ambient.reserved_memory_mb == pytest.approx(10 * (537 + 105))
    assert ambient.reserved_vcpu == pytest.approx(10 * 0.3)


def test_node_level_planes_are_never_priced_at_the_fargate_rate(params: CostParameters) -> None:
    listed = estimate(FleetSpec(pods=200), params)
    assert _plane(listed, "istio-ambient").monthly_usd is None
    assert _plane(listed, "cilium").monthly_usd is None
    assert _plane(listed, "istio-sidecar").monthly_usd is not None
    assert any("cannot run on Fargate" in a for a in listed.assumptions)
    mine = estimate(FleetSpec(pods=200, usd_per_vcpu_month=10, usd_per_gb_month=1), params)
    ambient = _plane(mine, "istio-ambient")
    assert ambient.reserved_vcpu is not None and ambient.reserved_memory_mb is not None
    assert ambient.cpu_vcpu is not None
    # Priced on what must be provisioned: the larger of use and requests.
    assert ambient.monthly_usd == pytest.approx(
        max(ambient.cpu_vcpu, ambient.reserved_vcpu) * 10 + ambient.reserved_memory_mb / 1000
    )


def test_l7_namespaces_add_waypoints_to_ambient_only(params: CostParameters) -> None:
    base = estimate(FleetSpec(pods=200), params)
    with_l7 = estimate(FleetSpec(pods=200, l7_namespaces=3, l7_traffic_share=0.5), params)
    ambient, ambient_l7 = _plane(base, "istio-ambient"), _plane(with_l7, "istio-ambient")
    assert ambient_l7.proxies == ambient.proxies + 3
    assert ambient.memory_mb is not None and ambient_l7.memory_mb is not None
    assert ambient_l7.memory_mb > ambient.memory_mb
    assert ambient.cpu_vcpu is not None and ambient_l7.cpu_vcpu is not None
    assert ambient_l7.cpu_vcpu > ambient.cpu_vcpu
    assert _plane(with_l7, "linkerd") == _plane(base, "linkerd")


def test_slo_fit_compares_the_latency_added_per_request(params: CostParameters) -> None:
    result = estimate(FleetSpec(pods=10, hops=8, latency_slo_ms=20, basis="article"), params)
    assert _plane(result, "istio-sidecar").fits_slo is False
    assert _plane(result, "linkerd").fits_slo is True
    measured = estimate(FleetSpec(pods=10, hops=8, latency_slo_ms=2), params)
    assert _plane(measured, "istio-sidecar").fits_slo is False  # 8 × 0.298 ms > 2 ms
    assert estimate(FleetSpec(pods=10), params).planes[0].fits_slo is None


def test_control_plane_is_a_separate_line_with_its_sources(params: CostParameters) -> None:
    result = estimate(FleetSpec(pods=200, planes=["istio-sidecar", "none"]), params)
    assert [p.plane for p in result.planes] == ["istio-sidecar", "none"]
    (istiod,) = result.control_plane
    assert istiod.name == "istiod"
    assert istiod.memory_mb > 0 and istiod.sources


def test_prices_default_to_a_cited_list_and_can_be_overridden(params: CostParameters) -> None:
    listed = estimate(FleetSpec(pods=200, planes=["istio-sidecar"]), params)
    assert any(params.usd_per_vcpu_month.source in a for a in listed.assumptions)
    mine = estimate(
        FleetSpec(pods=200, planes=["istio-sidecar"], usd_per_vcpu_month=10, usd_per_gb_month=1),
        params,
    )
    # 40 vCPU used (above the 20 requested); 26.8 GB requested (above the 12 GB used).
    assert mine.planes[0].monthly_usd == pytest.approx(40 * 10 + 26.8 * 1)


@pytest.mark.parametrize(
    "fields",
    [
        {"pods": 0},
        {"pods": -5},
        {"pods": 1_000_001},
        {"pods": 10, "nodes": 0},
        {"pods": 10, "hops": 0},
        {"pods": 10, "planes": ["consul"]},
        {"pods": 10, "planes": []},
        {"pods": 10, "l7_traffic_share": 2},
        {"pods": 10, "latency_slo_ms": -1},
        {"pods": 10, "colour": "blue"},
    ],
)
def test_absurd_fleets_are_refused_with_a_reason(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as refused:
        FleetSpec.model_validate(fields)
    assert refused.value.errors()[0]["msg"]


@given(
    pods=st.integers(1, 100_000),
    more=st.integers(0, 100_000),
    rps=st.floats(0, 50_000),
    extra_rps=st.floats(0, 50_000),
)
def test_memory_and_cpu_are_never_negative_and_grow_with_pods_and_traffic(
    params: CostParameters, pods: int, more: int, rps: float, extra_rps: float
) -> None:
    small = estimate(FleetSpec(pods=pods, nodes=10, rps_per_pod=rps), params)
    large = estimate(FleetSpec(pods=pods + more, nodes=10, rps_per_pod=rps + extra_rps), params)
    for a, b in zip(small.planes, large.planes, strict=True):
        for before, after in (
            (a.memory_mb, b.memory_mb),
            (a.cpu_vcpu, b.cpu_vcpu),
            (a.monthly_usd, b.monthly_usd),
        ):
            assert (before is None) == (after is None)
            if before is not None and after is not None:
                assert 0 <= before <= after + 0.01
