"""One function per rule id. Each looks at the resources (and what they say together: which
namespaces are injected, STRICT or ambient) and yields what it found, with the field to point at.
The rule's words, severity and links come from knowledge/data/rules.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.scanner.resources import Resource

IGNORE = "meshbot.dev/ignore"
EXPECTED_LATENCY = "meshbot.dev/expected-latency"
PERMISSIVE_SINCE = "meshbot.dev/permissive-since"
PROXY_UID = 1337
MESH_WIDE = "*"


@dataclass(frozen=True)
class Match:
    """What a check found: the resource, the detail for the message, and the field to point at
    (named apart from a search hit, ``knowledge.search.Hit``)."""

    resource: Resource
    detail: str
    loc: tuple[int | str, ...] = ()


@dataclass
class Context:
    """What the manifests say as a whole, which single resources cannot tell."""

    root_validity_seconds: float
    injected: set[str] = field(default_factory=set)
    ambient: set[str] = field(default_factory=set)
    waypoints: set[str] = field(default_factory=set)
    strict: set[str] = field(default_factory=set)
    permissive: set[str] = field(default_factory=set)
    native_sidecars: bool = False
    slow: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def of(cls, resources: Sequence[Resource], root_validity_seconds: float) -> Context:
        context = cls(root_validity_seconds)
        for r in resources:
            labels = r.labels()
            if r.kind == "Namespace":
                if labels.get("istio-injection") == "enabled" or "istio.io/rev" in labels:
                    context.injected.add(r.name)
                if labels.get("istio.io/dataplane-mode") == "ambient":
                    context.ambient.add(r.name)
                if "istio.io/use-waypoint" in labels:
                    context.waypoints.add(r.name)
            elif (
                r.kind == "Gateway" and _get(r.data, "spec", "gatewayClassName") == "istio-waypoint"
            ):
                context.waypoints.add(r.namespace)
            elif r.kind == "PeerAuthentication" and not _get(r.data, "spec", "selector"):
                scope = MESH_WIDE if r.namespace == "istio-system" else r.namespace
                mode = _get(r.data, "spec", "mtls", "mode")
                (context.strict if mode == "STRICT" else context.permissive).add(scope)
            elif r.kind == "IstioOperator":
                env = _mapping(_get(r.data, "spec", "values", "pilot", "env"))
                context.native_sidecars |= str(env.get("ENABLE_NATIVE_SIDECARS")).lower() == "true"
            elif r.kind == "Service" and EXPECTED_LATENCY in r.annotations():
                seconds = duration(r.annotations()[EXPECTED_LATENCY])
                if seconds is not None:
                    context.slow[(r.namespace, r.name)] = seconds
        return context


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The mappings in a list: manifests put anything anywhere, and the scan must not mind."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _indexed(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, mapping) for the mappings in a list, so a finding can point at its item."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|y)?")
#: Longer than any duration anyone writes; checked before the regex so it never sees more.
_DURATION_CHARS = 32
#: Seconds per unit, for manifest durations (``90s``) and knowledge quantities (``10 years``).
_SECONDS: dict[str | None, float] = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "y": 365 * 86400,
    None: 1,
    "hours": 3600,
    "days": 86400,
    "years": 365 * 86400,
}
_SECONDS.update({"hour": _SECONDS["hours"], "day": _SECONDS["days"], "year": _SECONDS["years"]})


def seconds(amount: float, unit: str | None) -> float | None:
    """``amount`` of ``unit`` in seconds; None when the unit is not a duration."""
    factor = _SECONDS.get(unit)
    return amount * factor if factor is not None else None


def duration(text: object) -> float | None:
    """Seconds in ``90s``, ``2m``, ``87600h``, ``1.5s``; None when it is not a duration.

    The text comes from strangers' manifests: it is stripped and its length checked before the
    regex, which then has no trailing ``\\s*`` to backtrack against (``\\s*`` then ``\\s*$``
    was quadratic on a long run of spaces, and ``re`` holds the GIL throughout)."""
    stripped = str(text).strip()
    if len(stripped) > _DURATION_CHARS:
        return None
    found = _DURATION.fullmatch(stripped)
    return seconds(float(found.group(1)), found.group(2)) if found else None


@dataclass(frozen=True)
class _Pod:
    """A workload's pod template, with the path to it and its annotations and labels."""

    resource: Resource
    template: dict[str, Any]
    path: tuple[str, ...]
    annotations: dict[str, str]
    labels: dict[str, str]


def _pods(resources: Sequence[Resource]) -> Iterator[_Pod]:
    for r in resources:
        template = r.pod_template()
        if template is None:
            continue
        pod, path = template
        metadata = _mapping(pod.get("metadata"))
        yield _Pod(
            r,
            pod,
            path,
            {str(k): str(v) for k, v in _mapping(metadata.get("annotations")).items()},
            {str(k): str(v) for k, v in _mapping(metadata.get("labels")).items()},
        )


# -- MESH-P001: upgrade storms ---------------------------------------------------------------


def legacy_injection_label(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        labels = r.labels()
        legacy = labels.get("istio-injection") == "enabled" and "istio.io/rev" not in labels
        if r.kind == "Namespace" and legacy:
            yield Match(r, "", ("metadata", "labels", "istio-injection"))


def both_injection_labels(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        labels = r.labels()
        if r.kind == "Namespace" and "istio-injection" in labels and "istio.io/rev" in labels:
            yield Match(r, "", ("metadata", "labels", "istio-injection"))


# -- MESH-P002: STRICT mTLS and probes -------------------------------------------------------


def strict_without_permissive(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind != "PeerAuthentication" or _get(r.data, "spec", "selector"):
            continue
        if _get(r.data, "spec", "mtls", "mode") != "STRICT" or PERMISSIVE_SINCE in r.annotations():
            continue
        scope = MESH_WIDE if r.namespace == "istio-system" else r.namespace
        if scope not in context.permissive:
            where = "the whole mesh" if scope == MESH_WIDE else f"namespace {r.namespace}"
            yield Match(r, where, ("spec", "mtls", "mode"))


def probe_rewrite_off_under_strict(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    for pod in _pods(resources):
        rewrite = pod.annotations.get("sidecar.istio.io/rewriteAppHTTPProbers", "")
        strict = pod.resource.namespace in context.strict or MESH_WIDE in context.strict
        if rewrite.lower() == "false" and strict:
            loc = (*pod.path, "metadata", "annotations", "sidecar.istio.io/rewriteAppHTTPProbers")
            yield Match(pod.resource, pod.resource.namespace, loc)


# -- MESH-P003: init containers before the sidecar -------------------------------------------


def init_containers_before_sidecar(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    for pod in _pods(resources):
        inits = _dicts(_get(pod.template, "spec", "initContainers"))
        inject = pod.annotations.get(
            "sidecar.istio.io/inject", pod.labels.get("sidecar.istio.io/inject")
        )
        in_injected_namespace = pod.resource.namespace in context.injected and inject != "false"
        if not inits or not (inject == "true" or in_injected_namespace):
            continue
        native = pod.annotations.get("sidecar.istio.io/nativeSidecar") == "true"
        excluded = any(
            k.startswith("traffic.sidecar.istio.io/excludeOutbound") for k in pod.annotations
        )
        exposed = [
            str(c.get("name"))
            for c in inits
            if _get(c, "securityContext", "runAsUser") != PROXY_UID
        ]
        if exposed and not (native or context.native_sidecars or excluded):
            yield Match(pod.resource, ", ".join(exposed), (*pod.path, "spec", "initContainers"))


# -- MESH-P004: timeouts cutting off slow operations -----------------------------------------


def _routes_to_slow(
    resources: Sequence[Resource], context: Context
) -> Iterator[tuple[Resource, int, float, str, Any]]:
    for r in resources:
        if r.kind != "VirtualService":
            continue
        for index, route in _indexed(_get(r.data, "spec", "http")):
            for destination in _dicts(route.get("route")):
                host = str(_get(destination, "destination", "host") or "")
                name, _, rest = host.partition(".")
                namespace = rest.split(".")[0] if rest else r.namespace
                latency = context.slow.get((namespace, name))
                if latency is not None:
                    yield r, index, latency, host, route.get("timeout")
                    break


def timeout_below_declared_latency(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    for r, index, latency, host, timeout in _routes_to_slow(resources, context):
        seconds = duration(timeout) if timeout is not None else None
        if seconds is not None and seconds < latency:
            detail = f"{timeout} on the route to {host}, which declares {latency:g} s"
            yield Match(r, detail, ("spec", "http", index, "timeout"))


def slow_route_without_timeout(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r, index, _, host, timeout in _routes_to_slow(resources, context):
        if timeout is None:
            yield Match(r, host, ("spec", "http", index))


# -- MESH-P005: certificate expiry -----------------------------------------------------------


def shortened_root_validity(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind == "IstioOperator":
            env = _mapping(_get(r.data, "spec", "values", "pilot", "env"))
            ttl = env.get("CITADEL_SELF_SIGNED_CA_CERT_TTL")
            loc: tuple[int | str, ...] = ("spec", "values", "pilot", "env")
            if ttl is not None and (duration(ttl) or 0) < context.root_validity_seconds:
                yield Match(r, str(ttl), (*loc, "CITADEL_SELF_SIGNED_CA_CERT_TTL"))
        template = r.pod_template() if r.kind == "Deployment" else None
        if template is None:
            continue
        pod, path = template
        for c_index, container in _indexed(_get(pod, "spec", "containers")):
            for e_index, env_var in _indexed(container.get("env")):
                if env_var.get("name") != "CITADEL_SELF_SIGNED_CA_CERT_TTL":
                    continue
                ttl = env_var.get("value")
                if (duration(ttl) or 0) < context.root_validity_seconds:
                    yield Match(r, str(ttl), (*path, "spec", "containers", c_index, "env", e_index))


def no_certificate_expiry_alert(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind != "PrometheusRule":
            continue
        exprs = [
            str(rule.get("expr", ""))
            for group in _dicts(_get(r.data, "spec", "groups"))
            for rule in _dicts(group.get("rules"))
            if "alert" in rule
        ]
        about_mesh = any(re.search(r"istio|envoy|pilot|citadel|linkerd", e) for e in exprs)
        if about_mesh and not any(_mentions_cert_expiry(e) for e in exprs):
            yield Match(r, "", ("spec", "groups"))


def _mentions_cert_expiry(expr: str) -> bool:
    """ "cert" and "expir" on one line: what ``cert.*expir|expir.*cert`` matched, without its
    backtracking (quadratic on a long run of "cert", and ``re`` holds the GIL throughout)."""
    return any("cert" in line and "expir" in line for line in expr.split("\n"))


# -- Ambient: L7 without a waypoint ----------------------------------------------------------


def _l7_rules(policy: Resource) -> bool:
    for rule in _dicts(_get(policy.data, "spec", "rules")):
        for target in _dicts(rule.get("to")):
            operation = _mapping(_get(target, "operation"))
            if any(
                operation.get(k) for k in ("methods", "paths", "hosts", "notPaths", "notMethods")
            ):
                return True
        if any(str(c.get("key", "")).startswith("request.") for c in _dicts(rule.get("when"))):
            return True
    return False


def ambient_l7_without_waypoint(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.namespace not in context.ambient or r.namespace in context.waypoints:
            continue
        if r.kind == "AuthorizationPolicy" and _l7_rules(r):
            yield Match(r, "HTTP conditions in its rules", ("spec", "rules"))
        elif r.kind in {"VirtualService", "HTTPRoute"}:
            yield Match(r, "HTTP routing", ("spec",))


# -- Ports whose protocol Istio must guess (from issue reports) -----------------------------

#: Istio's explicit protocol names: a port named `<protocol>` or `<protocol>-<suffix>`.
PROTOCOLS = {
    "http",
    "http2",
    "https",
    "grpc",
    "grpc-web",
    "tcp",
    "tls",
    "udp",
    "mongo",
    "mysql",
    "redis",
}


def undeclared_port_protocol(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind != "Service" or r.namespace not in context.injected:
            continue
        for index, port in _indexed(_get(r.data, "spec", "ports")):
            name = str(port.get("name") or "").lower()
            declared = name in PROTOCOLS or name.split("-")[0] in PROTOCOLS
            if declared or port.get("appProtocol") or str(port.get("protocol")).upper() == "UDP":
                continue
            shown = f"port {port.get('port')} ({name or 'unnamed'})"
            yield Match(r, shown, ("spec", "ports", index))


CHECKS: dict[str, Callable[[Sequence[Resource], Context], Iterator[Match]]] = {
    "MESH-P001-R01": legacy_injection_label,
    "MESH-P001-R02": both_injection_labels,
    "MESH-P002-R01": strict_without_permissive,
    "MESH-P002-R02": probe_rewrite_off_under_strict,
    "MESH-P003-R01": init_containers_before_sidecar,
    "MESH-P004-R01": timeout_below_declared_latency,
    "MESH-P004-R02": slow_route_without_timeout,
    "MESH-P005-R01": shortened_root_validity,
    "MESH-P005-R02": no_certificate_expiry_alert,
    "MESH-X001-R01": ambient_l7_without_waypoint,
    "MESH-X002-R01": undeclared_port_protocol,
}
