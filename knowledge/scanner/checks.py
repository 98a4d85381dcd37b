"""One function per rule id. Each looks at the resources (and what they say together: which
namespaces are injected, STRICT or ambient) and yields what it found, with the field to point at.
The rule's words, severity and links come from knowledge/data/rules.yaml."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.scanner.certificates import Certificate, from_base64_pem, from_pem
from knowledge.scanner.resources import Resource
from knowledge.scanner.versions import Version, Versions, shown

IGNORE = "meshbot.dev/ignore"
EXPECTED_LATENCY = "meshbot.dev/expected-latency"
PERMISSIVE_SINCE = "meshbot.dev/permissive-since"
#: Istio's root namespace unless MeshConfig ``rootNamespace`` says otherwise: a
#: PeerAuthentication there without a selector applies to the whole mesh.
DEFAULT_ROOT_NAMESPACE = "istio-system"
#: The kinds ``Context.of`` reads, besides those the rules declare.
CONTEXT_KINDS = frozenset(
    {"Namespace", "IstioOperator", "PeerAuthentication", "Gateway", "Service"}
)


@dataclass(frozen=True)
class Fact:
    """Something a finding relies on that its own resource does not say, and who says it:
    ``namespace shop is injected: Namespace/shop at k8s/ns.yaml:4`` — so a reader can check
    the premise, or correct it (``--assume-injected``, ``--context``)."""

    text: str
    #: Who says it: a command-line option, or a resource and the field in it (``Fact.of``).
    said_by: str | tuple[Resource, tuple[int | str, ...]]

    def __str__(self) -> str:
        return f"{self.text}: {self.source}"

    @property
    def source(self) -> str:
        """``Kind/name at file:line``, worked out only when shown: most facts never are, and a
        line can cost composing the resource's document again (``ParsedFile``)."""
        if isinstance(self.said_by, str):
            return self.said_by
        r, loc = self.said_by
        return f"{r.kind}/{r.name} at {r.path}:{r.line(*loc)}"

    @classmethod
    def of(cls, text: str, resource: Resource, *loc: int | str) -> Fact:
        return cls(text, (resource, loc))


@dataclass(frozen=True)
class Match:
    """What a check found: the resource, the detail for the message, the field to point at,
    and the facts from elsewhere it relies on (named apart from a search hit,
    ``knowledge.search.Hit``)."""

    resource: Resource
    detail: str
    loc: tuple[int | str, ...] = ()
    because: tuple[Fact, ...] = ()


@dataclass(frozen=True)
class Mode:
    """A PeerAuthentication's mTLS mode and the policy that sets it."""

    mode: str
    fact: Fact


@dataclass
class Context:
    """What the manifests say as a whole, which single resources cannot tell."""

    root_validity_seconds: float
    #: Namespaces whose pods Istio injects (``istio-injection=enabled``, or ``istio.io/rev``
    #: without ``istio-injection=disabled``), and Linkerd (``linkerd.io/inject: enabled``).
    injected: dict[str, Fact] = field(default_factory=dict)
    linkerd: dict[str, Fact] = field(default_factory=dict)
    #: Namespaces' ``config.linkerd.io/opaque-ports``, inherited by their Services.
    linkerd_opaque: dict[str, str] = field(default_factory=dict)
    ambient: dict[str, Fact] = field(default_factory=dict)
    waypoints: set[str] = field(default_factory=set)
    root_namespace: str = DEFAULT_ROOT_NAMESPACE
    #: The mesh-wide mTLS mode (a PeerAuthentication without selector in the root namespace),
    #: each namespace's (one without selector there), and workload policies (with a selector).
    mesh_mtls: Mode | None = None
    namespace_mtls: dict[str, Mode] = field(default_factory=dict)
    workload_mtls: list[tuple[str, dict[str, str], Mode]] = field(default_factory=list)
    #: Namespaces with a PERMISSIVE policy of any scope (or a PERMISSIVE ``portLevelMtls``
    #: entry): plaintext callers kept on purpose, a phase or an exception in progress.
    permissive: dict[str, Fact] = field(default_factory=dict)
    #: istiod's ``ENABLE_NATIVE_SIDECARS`` when an IstioOperator sets it to true or false
    #: (unset or ``auto``: Istio decides by its version and the kubelets', see ``_native``).
    native_sidecars: tuple[bool, Fact] | None = None
    slow: dict[tuple[str, str], tuple[float, Fact]] = field(default_factory=dict)
    #: The instant certificate lifetimes are measured against: the scan's, so a test can fix it.
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    #: The versions the cluster runs, as stated on the command line or in the request.
    versions: Versions = field(default_factory=Versions)

    @classmethod
    def of(
        cls,
        resources: Sequence[Resource],
        root_validity_seconds: float,
        assumed: Sequence[Resource | str] = (),
        now: dt.datetime | None = None,
        versions: Versions | None = None,
    ) -> Context:
        """The context of ``resources``, plus ``assumed`` namespace facts from outside the
        manifests: Namespace resources (``--namespaces``, a ``kubectl get ns -o yaml``) and
        names of namespaces injected by labels applied elsewhere (``--assume-injected``);
        ``now`` (default: the clock) and the stated ``versions``."""
        context = cls(root_validity_seconds, versions=versions or Versions())
        if now is not None:
            context.now = now
        for name in assumed:
            if isinstance(name, str):
                context.injected[name] = Fact(f"namespace {name} is injected", "--assume-injected")
        for r in [*(a for a in assumed if not isinstance(a, str)), *resources]:
            if r.kind == "Namespace":
                context._namespace(r)
            elif r.kind == "IstioOperator":
                context._operator(r)
        for r in resources:
            if r.kind == "PeerAuthentication":
                context._peer_authentication(r)
            elif (
                r.kind == "Gateway" and _get(r.data, "spec", "gatewayClassName") == "istio-waypoint"
            ):
                context.waypoints.add(r.namespace)
            elif r.kind == "Service" and EXPECTED_LATENCY in r.annotations():
                seconds = duration(r.annotations()[EXPECTED_LATENCY])
                if seconds is not None:
                    fact = Fact.of(
                        f"service {r.name} declares {seconds:g} s",
                        r,
                        "metadata",
                        "annotations",
                        EXPECTED_LATENCY,
                    )
                    context.slow[(r.namespace, r.name)] = (seconds, fact)
        return context

    def _namespace(self, r: Resource) -> None:
        labels = r.labels()
        legacy = labels.get("istio-injection")
        if legacy == "enabled" or ("istio.io/rev" in labels and legacy is None):
            label = "istio-injection" if legacy == "enabled" else "istio.io/rev"
            self.injected[r.name] = Fact.of(
                f"namespace {r.name} is injected", r, "metadata", "labels", label
            )
        if r.annotations().get("linkerd.io/inject") == "enabled":
            self.linkerd[r.name] = Fact.of(
                f"namespace {r.name} is injected by Linkerd",
                r,
                "metadata",
                "annotations",
                "linkerd.io/inject",
            )
        if "config.linkerd.io/opaque-ports" in r.annotations():
            self.linkerd_opaque[r.name] = r.annotations()["config.linkerd.io/opaque-ports"]
        if labels.get("istio.io/dataplane-mode") == "ambient":
            self.ambient[r.name] = Fact.of(
                f"namespace {r.name} is ambient", r, "metadata", "labels", "istio.io/dataplane-mode"
            )
        if "istio.io/use-waypoint" in labels:
            self.waypoints.add(r.name)

    def _operator(self, r: Resource) -> None:
        """istiod's settings: ``ENABLE_NATIVE_SIDECARS`` as Helm values (``spec.values.pilot
        .env``) or as the istiod container's env (``spec.components.pilot.k8s.env``, the list
        an IstioOperator usually sets it in), and the root namespace."""
        env = _mapping(_get(r.data, "spec", "values", "pilot", "env"))
        found: tuple[object, tuple[int | str, ...]] | None = None
        if "ENABLE_NATIVE_SIDECARS" in env:
            loc = ("spec", "values", "pilot", "env", "ENABLE_NATIVE_SIDECARS")
            found = env["ENABLE_NATIVE_SIDECARS"], loc
        k8s_env = ("spec", "components", "pilot", "k8s", "env")
        for index, item in _indexed(_get(r.data, *k8s_env)):
            if item.get("name") == "ENABLE_NATIVE_SIDECARS":
                found = item.get("value"), (*k8s_env, index, "value")
        if found is not None and str(found[0]).lower() in {"true", "false"}:
            on = str(found[0]).lower() == "true"
            text = f"istiod's ENABLE_NATIVE_SIDECARS is {'true' if on else 'false'}"
            self.native_sidecars = (on, Fact.of(text, r, *found[1]))
        root = _get(r.data, "spec", "meshConfig", "rootNamespace")
        if isinstance(root, str) and root:
            self.root_namespace = root

    def _peer_authentication(self, r: Resource) -> None:
        mode = str(_get(r.data, "spec", "mtls", "mode") or "UNSET").upper()
        selector = _get(r.data, "spec", "selector")
        where = "mesh-wide" if r.namespace == self.root_namespace and not selector else "its"
        fact = Fact.of(f"{where} mTLS mode is {mode}", r, "spec", "mtls", "mode")
        ports = _mapping(_get(r.data, "spec", "portLevelMtls"))
        permissive_ports = [p for p, v in ports.items() if _get(v, "mode") == "PERMISSIVE"]
        if mode == "PERMISSIVE":
            self.permissive.setdefault(r.namespace, fact)
        elif permissive_ports:
            loc = ("spec", "portLevelMtls", permissive_ports[0])
            text = f"port {permissive_ports[0]} is PERMISSIVE"
            self.permissive.setdefault(r.namespace, Fact.of(text, r, *loc))
        if selector:
            labels = {str(k): str(v) for k, v in _mapping(_get(selector, "matchLabels")).items()}
            self.workload_mtls.append((r.namespace, labels, Mode(mode, fact)))
        elif r.namespace == self.root_namespace:
            self.mesh_mtls = Mode(mode, fact)
        else:
            self.namespace_mtls[r.namespace] = Mode(mode, fact)

    def mtls_at(self, namespace: str, labels: dict[str, str]) -> Mode | None:
        """The mode in force for a pod, as Istio resolves it: the workload policy, else the
        namespace's, else the mesh-wide one; UNSET inherits from the next one up. None: no
        policy says (Istio's default, PERMISSIVE)."""
        chain = [
            mode
            for ns, selector, mode in self.workload_mtls
            if ns == namespace and selector.items() <= labels.items()
        ]
        chain += [m for m in (self.namespace_mtls.get(namespace), self.mesh_mtls) if m]
        return next((m for m in chain if m.mode != "UNSET"), None)


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


#: One number and its unit: Go's ``time.ParseDuration`` units (what Istio, Gateway API and
#: cert-manager durations are), plus days and years for knowledge quantities.
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|y)")
_DURATION = re.compile(r"(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h|d|y))+|\d+(?:\.\d+)?")
#: Longer than any duration anyone writes; checked before the regex so it never sees more.
_DURATION_CHARS = 32
#: Seconds per unit, for manifest durations (``90s``) and knowledge quantities (``10 years``).
_SECONDS: dict[str | None, float] = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
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
    """Seconds in ``90s``, ``2m``, ``1.5s``, or Go's several-unit form ``87600h0m0s`` (how
    istiod and cert-manager print durations); a bare number is seconds; None otherwise.

    The text comes from strangers' manifests: it is stripped and its length checked before the
    regex, whose units never overlap a digit, so it cannot backtrack far on 32 characters."""
    stripped = str(text).strip()
    if len(stripped) > _DURATION_CHARS or not _DURATION.fullmatch(stripped):
        return None
    if stripped.replace(".", "", 1).isdigit():
        return float(stripped)
    return sum(float(amount) * _SECONDS[unit] for amount, unit in _DURATION_PART.findall(stripped))


@dataclass(frozen=True)
class _Pod:
    """A workload's pod template, with the path to it and its annotations and labels."""

    resource: Resource
    template: dict[str, Any]
    path: tuple[str, ...]
    annotations: dict[str, str]
    labels: dict[str, str]

    def loc(self, *rest: int | str) -> tuple[int | str, ...]:
        return (*self.path, *rest)

    def containers(self, field_name: str) -> list[tuple[int, dict[str, Any]]]:
        return _indexed(_get(self.template, "spec", field_name))


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
    """``istio-injection=enabled`` beside ``istio.io/rev`` pins the namespace to the default
    revision. ``istio-injection=disabled`` beside it is not a mistake: Istio documents that the
    legacy label wins, so the pair reads "not injected", whatever the revision says."""
    for r in resources:
        labels = r.labels()
        enabled = labels.get("istio-injection") == "enabled"
        if r.kind == "Namespace" and enabled and "istio.io/rev" in labels:
            yield Match(r, "", ("metadata", "labels", "istio-injection"))


# -- MESH-P002: STRICT mTLS and probes -------------------------------------------------------


def strict_without_permissive(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    """A STRICT policy for a namespace or the mesh with no PERMISSIVE phase in the manifests.
    A namespace turned STRICT under a mesh-wide PERMISSIVE policy is the step Istio's mTLS
    migration task prescribes, not a finding, nor is STRICT beside PERMISSIVE exceptions
    (a workload or port kept PERMISSIVE in that namespace; any, for the mesh-wide policy).
    DISABLE and UNSET are not PERMISSIVE phases (DISABLE sends plaintext, UNSET inherits)."""
    for r in resources:
        if r.kind != "PeerAuthentication" or _get(r.data, "spec", "selector"):
            continue
        mode = str(_get(r.data, "spec", "mtls", "mode") or "").upper()
        if mode != "STRICT" or PERMISSIVE_SINCE in r.annotations():
            continue
        if r.namespace == context.root_namespace:
            if not context.permissive:  # mesh-wide STRICT with no PERMISSIVE exception
                yield Match(r, "the whole mesh", ("spec", "mtls", "mode"))
            continue
        mesh = context.mesh_mtls
        if (mesh is not None and mesh.mode == "PERMISSIVE") or r.namespace in context.permissive:
            continue
        because = (mesh.fact,) if mesh is not None else ()
        yield Match(r, f"namespace {r.namespace}", ("spec", "mtls", "mode"), because)


def probe_rewrite_off_under_strict(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    for pod in _pods(resources):
        rewrite = pod.annotations.get("sidecar.istio.io/rewriteAppHTTPProbers", "")
        if rewrite.lower() != "false":
            continue
        mode = context.mtls_at(pod.resource.namespace, pod.labels)
        if mode is not None and mode.mode == "STRICT":
            loc = pod.loc("metadata", "annotations", "sidecar.istio.io/rewriteAppHTTPProbers")
            yield Match(pod.resource, pod.resource.namespace, loc, (mode.fact,))


# -- MESH-P003: init containers before the sidecar -------------------------------------------


@dataclass(frozen=True)
class _Mesh:
    """How one mesh injects a pod: its own containers, the proxy's UID (whose traffic its
    iptables rules never redirect) and the annotations that change what is redirected."""

    name: str
    proxy: str
    redirect: str  # the init container that installs the iptables rules
    own: frozenset[str]
    proxy_uid: int
    exclusions: tuple[str, ...]


ISTIO = _Mesh(
    "Istio",
    "istio-proxy",
    "istio-init",
    frozenset({"istio-init", "istio-proxy", "istio-validation"}),
    1337,
    (
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        "traffic.sidecar.istio.io/excludeOutboundPorts",
        "traffic.sidecar.istio.io/includeOutboundIPRanges",
        "traffic.sidecar.istio.io/includeOutboundPorts",
    ),
)
LINKERD = _Mesh(
    "Linkerd",
    "linkerd-proxy",
    "linkerd-init",
    frozenset({"linkerd-init", "linkerd-proxy", "linkerd-network-validator"}),
    2102,
    ("config.linkerd.io/skip-outbound-ports",),
)
#: Commands that open no connection of their own (file and shell built-ins). An init container
#: running only these is harmless before the proxy, whatever its traffic would have been.
_OFFLINE = frozenset(
    {
        "true", "false", ":", "echo", "printf", "sleep", "chmod", "chown", "cp", "mv", "mkdir",
        "ln", "touch", "cat", "ls", "rm", "test", "[", "exit", "sync", "tee", "date", "env",
        "set", "export", "id", "whoami", "stat",
    }
)  # fmt: skip
_SHELLS = frozenset({"sh", "bash", "ash", "dash", "busybox"})
#: Longest init script read; a longer one is taken to do something worth the race.
_SCRIPT_CHARS = 2000
_SEGMENTS = re.compile(r"&&|\|\||[;|&\n]")


def _opens_no_connection(container: dict[str, Any]) -> bool:
    """Whether the init container provably stays off the network: its command (or shell
    script) runs only commands from ``_OFFLINE`` and never names bash's ``/dev/tcp``.
    No command at all means the image's entrypoint, which could do anything."""
    words = [str(w) for w in (_list(container.get("command")) + _list(container.get("args")))]
    if not words or sum(len(w) for w in words) > _SCRIPT_CHARS:
        return False
    flags = [i for i, w in enumerate(words[:3]) if w.startswith("-") and "c" in w[1:]]
    if words[0].rsplit("/", 1)[-1] in _SHELLS and flags:  # sh -c, sh -ec, bash -exc …
        script = " ".join(words[flags[0] + 1 :])
    else:
        script = " ".join(words)
    if "/dev/tcp" in script or "/dev/udp" in script or "$(" in script or "`" in script:
        return False
    commands = [segment.split() for segment in _SEGMENTS.split(script)]
    return all(not c or c[0].rsplit("/", 1)[-1] in _OFFLINE for c in commands)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _injected_by(pod: _Pod, context: Context) -> tuple[_Mesh, tuple[Fact, ...]] | None:
    """The mesh that puts a proxy in this pod, and why we think so (None: no mesh does).

    A pod that already carries a proxy (``kubectl get -o yaml`` output, ``istioctl
    kube-inject``) is injected whatever its namespace says. Otherwise the pod's own
    ``sidecar.istio.io/inject`` label (or annotation) decides, then its namespace; a namespace
    labelled ``istio-injection=disabled`` is never injected (Istio's sidecar-injection docs)."""
    names = {
        str(c.get("name"))
        for _, c in [*pod.containers("containers"), *pod.containers("initContainers")]
    }
    r = pod.resource
    for mesh in (ISTIO, LINKERD):
        if mesh.proxy in names or mesh.redirect in names:
            return mesh, (
                Fact.of(f"the pod already has {mesh.name}'s containers", r, *pod.loc("spec")),
            )
    inject = pod.labels.get(
        "sidecar.istio.io/inject", pod.annotations.get("sidecar.istio.io/inject")
    )
    if inject == "true":
        return ISTIO, (Fact.of("the pod asks for Istio's sidecar", r, *pod.loc("metadata")),)
    if inject != "false" and r.namespace in context.injected:
        return ISTIO, (context.injected[r.namespace],)
    linkerd = pod.annotations.get("linkerd.io/inject")
    if linkerd in {"enabled", "ingress"}:
        return LINKERD, (Fact.of("the pod asks for Linkerd's proxy", r, *pod.loc("metadata")),)
    if linkerd != "disabled" and r.namespace in context.linkerd:
        return LINKERD, (context.linkerd[r.namespace],)
    return None


#: Istio's automatic native sidecars: from 1.27 (``ENABLE_NATIVE_SIDECARS`` defaults to ``auto``),
#: where every node's kubelet is 1.33 or later (``DetectNativeSidecar``, istio/istio 1.27.0).
NATIVE_AUTO_ISTIO: Version = (1, 27)
NATIVE_AUTO_KUBELET: Version = (1, 33)


def _native(mesh: _Mesh, pod: _Pod, context: Context) -> tuple[bool, tuple[Fact, ...]]:
    """Whether the proxy starts as a Kubernetes native sidecar, before the app's init
    containers, and the facts that say it does not when it does not.

    Istio: the pod's ``sidecar.istio.io/nativeSidecar`` annotation, else istiod's
    ``ENABLE_NATIVE_SIDECARS`` when an IstioOperator sets it, else its ``auto`` default: native
    from Istio 1.27 where every node's kubelet is 1.33 or later. No manifest shows those
    versions; without ``--mesh-version istio=…`` and ``--kubelet-version`` classic sidecars are
    assumed, and the finding says so. Linkerd: the alpha (2.15) or beta (2.19) annotation."""
    a = pod.annotations
    if mesh is not ISTIO:
        return any(
            a.get(f"config.{stage}.linkerd.io/proxy-enable-native-sidecar") == "true"
            for stage in ("alpha", "beta")
        ), ()
    explicit = a.get("sidecar.istio.io/nativeSidecar")
    if explicit is not None:
        return explicit == "true", ()
    if context.native_sidecars is not None:
        on, fact = context.native_sidecars
        return on, () if on else (fact,)
    istio, kubelet = context.versions.istio, context.versions.kubelet
    if istio is not None and istio < NATIVE_AUTO_ISTIO:
        return False, (Fact(f"Istio {shown(istio)} injects classic sidecars", "--mesh-version"),)
    if kubelet is not None and kubelet < NATIVE_AUTO_KUBELET:
        text = f"a kubelet at {shown(kubelet)} keeps Istio's sidecars classic (native needs 1.33+)"
        return False, (Fact(text, "--kubelet-version"),)
    if istio is not None and kubelet is not None:
        return True, ()
    missing = " and ".join(
        flag
        for flag, value in (("--mesh-version istio=…", istio), ("--kubelet-version", kubelet))
        if value is None
    )
    text = "assumed classic sidecars (Istio 1.27+ picks native ones only if every kubelet is 1.33+)"
    return False, (Fact(text, f"state the versions with {missing}"),)


def _exposed(mesh: _Mesh, pod: _Pod) -> list[str]:
    """The init containers that run while traffic is redirected to a proxy not yet started.

    As written in an injected pod, those before the mesh's iptables container
    (``istio-init``, ``linkerd-init``) run before the redirect exists, and those after a proxy
    written as a native sidecar run once it is up. Skipped too: the mesh's own containers, the
    app's own native sidecars (``restartPolicy: Always``: long-running, restarted rather than
    blocking the pod, not the run-to-completion step this pitfall is about), containers running
    as the proxy's UID (never redirected), and those that open no connection."""
    inits = [c for _, c in pod.containers("initContainers")]
    names = [str(c.get("name")) for c in inits]
    if mesh.redirect in names:
        inits = inits[names.index(mesh.redirect) + 1 :]
    pod_uid = _get(pod.template, "spec", "securityContext", "runAsUser")
    exposed = []
    for c in inits:
        name = str(c.get("name"))
        if name == mesh.proxy:
            break
        uid = _get(c, "securityContext", "runAsUser") or pod_uid
        sidecar = c.get("restartPolicy") == "Always"
        if name in mesh.own or sidecar or uid == mesh.proxy_uid or _opens_no_connection(c):
            continue
        exposed.append(name)
    return exposed


def init_containers_before_sidecar(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    for pod in _pods(resources):
        injected = _injected_by(pod, context)
        if injected is None:
            continue
        mesh, because = injected
        a = pod.annotations
        if mesh is ISTIO and a.get("sidecar.istio.io/interceptionMode", "").upper() == "NONE":
            continue  # no iptables redirect: init traffic goes straight out
        native, assumed = _native(mesh, pod, context)
        if native or any(k in a for k in mesh.exclusions):
            continue
        exposed = _exposed(mesh, pod)
        if exposed:
            loc = pod.loc("spec", "initContainers")
            detail = f"{', '.join(exposed)} ({mesh.name})"
            yield Match(pod.resource, detail, loc, (*because, *assumed))


# -- MESH-P004: timeouts cutting off slow operations -----------------------------------------


@dataclass(frozen=True)
class _Route:
    """One route to a service that declares its latency, with the timeout it is given."""

    resource: Resource
    loc: tuple[int | str, ...]  # the route
    timeout_loc: tuple[int | str, ...]
    host: str
    latency: float
    fact: Fact
    timeout: Any


#: Per routing kind: the routes, their destinations, the destination's service name, the timeout.
#: Gateway API has two: ``request`` (the whole request) and ``backendRequest`` (each try to a
#: backend, never longer than ``request``); the shorter one that is set cuts the call off.
_ROUTES: dict[str, tuple[str, str, tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "VirtualService": ("http", "route", ("destination", "host"), (("timeout",),)),
    "HTTPRoute": (
        "rules",
        "backendRefs",
        ("name",),
        (("timeouts", "request"), ("timeouts", "backendRequest")),
    ),
}


def _routes_to_slow(resources: Sequence[Resource], context: Context) -> Iterator[_Route]:
    """VirtualService ``http[].timeout`` and Gateway API HTTPRoute ``rules[].timeouts.request``,
    for each route whose destination declares ``meshbot.dev/expected-latency``."""
    for r in resources:
        if r.kind not in _ROUTES:
            continue
        routes, field_name, to, timeout_paths = _ROUTES[r.kind]
        for index, route in _indexed(_get(r.data, "spec", routes)):
            for destination in _dicts(route.get(field_name)):
                host = str(_get(destination, *to) or "")
                name, _, rest = host.partition(".")
                namespace = (
                    rest.split(".")[0] if rest else str(destination.get("namespace") or r.namespace)
                )
                slow = context.slow.get((namespace, name))
                if slow is not None:
                    loc = ("spec", routes, index)
                    timeout_path, timeout = _shortest_timeout(route, timeout_paths)
                    yield _Route(r, loc, (*loc, *timeout_path), host, *slow, timeout)
                    break


def _shortest_timeout(
    route: dict[str, Any], paths: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, ...], Any]:
    """The route's timeout that ends a call first, and where it is written: of those set, the
    shortest that reads as a duration and is not ``0s`` (disabled); else the first set; else
    (the first path, None)."""
    written = [(path, _get(route, *path)) for path in paths]
    written = [(path, value) for path, value in written if value is not None]
    active = [(duration(value), path, value) for path, value in written if duration(value)]
    if active:
        _, path, value = min(active, key=lambda item: item[0] or 0.0)
        return path, value
    return written[0] if written else (paths[0], None)


def timeout_below_declared_latency(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """A timeout of ``0s`` disables it (Istio's ``HTTPRoute.timeout``, Gateway API's
    ``timeouts.request``), so it is never "below" anything."""
    for route in _routes_to_slow(resources, context):
        seconds = duration(route.timeout) if route.timeout is not None else None
        if seconds and seconds < route.latency:
            detail = (
                f"{route.timeout} on the route to {route.host}, which declares {route.latency:g} s"
            )
            yield Match(route.resource, detail, route.timeout_loc, (route.fact,))


def slow_route_without_timeout(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for route in _routes_to_slow(resources, context):
        if route.timeout is None:
            yield Match(route.resource, route.host, route.loc, (route.fact,))


# -- MESH-P005: certificate expiry -----------------------------------------------------------


def shortened_root_validity(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind == "IstioOperator":
            env = _mapping(_get(r.data, "spec", "values", "pilot", "env"))
            ttl = env.get("CITADEL_SELF_SIGNED_CA_CERT_TTL")
            loc: tuple[int | str, ...] = ("spec", "values", "pilot", "env")
            if _shorter(ttl, context.root_validity_seconds):
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
                if _shorter(ttl, context.root_validity_seconds):
                    yield Match(r, str(ttl), (*path, "spec", "containers", c_index, "env", e_index))


def _shorter(ttl: Any, limit: float) -> bool:
    """A TTL that reads as a duration shorter than ``limit`` (``87600h0m0s`` is the default
    itself; text that is not a duration says nothing)."""
    seconds = duration(ttl) if ttl is not None else None
    return seconds is not None and seconds < limit


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
        because = (context.ambient[r.namespace],)
        if r.kind == "AuthorizationPolicy" and _l7_rules(r):
            yield Match(r, "HTTP conditions in its rules", ("spec", "rules"), because)
        elif r.kind in {"VirtualService", "HTTPRoute"}:
            yield Match(r, "HTTP routing", ("spec",), because)


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


def _istio_pods(resources: Sequence[Resource], context: Context) -> list[tuple[_Pod, Fact]]:
    """Pod templates Istio injects, with the fact that says so (their namespace's label, their
    own annotation, or the proxy already in them)."""
    found = []
    for pod in _pods(resources):
        injected = _injected_by(pod, context)
        if injected is not None and injected[0] is ISTIO:
            found.append((pod, injected[1][0]))
    return found


def _service_injected(
    service: Resource, pods: Sequence[tuple[_Pod, Fact]], context: Context
) -> Fact | None:
    """Why the Service's traffic meets an Istio proxy: its namespace is injected, or its
    selector picks pods that are (a sidecar's protocol sniffing applies either way)."""
    if service.namespace in context.injected:
        return context.injected[service.namespace]
    selector = _mapping(_get(service.data, "spec", "selector"))
    if not selector:
        return None
    wanted = {str(k): str(v) for k, v in selector.items()}
    for pod, because in pods:
        same = pod.resource.namespace == service.namespace
        if same and wanted.items() <= pod.labels.items():
            return because
    return None


def undeclared_port_protocol(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    pods = _istio_pods(resources, context)
    for r in resources:
        because = _service_injected(r, pods, context) if r.kind == "Service" else None
        if because is None:
            continue
        for index, port in _indexed(_get(r.data, "spec", "ports")):
            name = str(port.get("name") or "").lower()
            declared = name in PROTOCOLS or name.split("-")[0] in PROTOCOLS
            if declared or port.get("appProtocol") or str(port.get("protocol")).upper() == "UDP":
                continue
            shown = f"port {port.get('port')} ({name or 'unnamed'})"
            yield Match(r, shown, ("spec", "ports", index), (because,))


# -- Linkerd: server-speaks-first ports left to protocol detection --------------------------

#: Linkerd's default ``proxy.opaquePorts`` (linkerd2 ``charts/linkerd-control-plane/values.yaml``).
LINKERD_OPAQUE = frozenset({25, 587, 3306, 4444, 5432, 6379, 9300, 11211})
#: Port names (or ``appProtocol``s) of protocols where the server speaks first or the client
#: sends no preamble Linkerd can detect, as that values file lists them.
SERVER_FIRST = ("mysql", "postgres", "redis", "smtp", "memcache", "galera", "elasticsearch")
#: Longest ``opaque-ports`` annotation read; longer ones are taken to cover everything.
_OPAQUE_CHARS = 1000


def _opaque(annotation: str | None, port: dict[str, Any]) -> bool:
    """Whether ``config.linkerd.io/opaque-ports`` (numbers, ``a-b`` ranges or port names,
    comma-separated) covers the port."""
    if annotation is None:
        return False
    if len(annotation) > _OPAQUE_CHARS:
        return True
    numbers = {port.get("port"), port.get("targetPort")}
    for item in (part.strip() for part in annotation.split(",")):
        low, _, high = item.partition("-")
        if item == str(port.get("name")) or item == str(port.get("targetPort")):
            return True
        ranged = low.isdecimal() and (high or low).isdecimal()
        if ranged and any(
            isinstance(n, int) and int(low) <= n <= int(high or low) for n in numbers
        ):
            return True
    return False


def server_first_port_detected(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    for r in resources:
        if r.kind != "Service" or r.namespace not in context.linkerd:
            continue
        annotation = r.annotations().get(
            "config.linkerd.io/opaque-ports", context.linkerd_opaque.get(r.namespace)
        )
        for index, port in _indexed(_get(r.data, "spec", "ports")):
            said = f"{port.get('name') or ''} {port.get('appProtocol') or ''}".lower()
            protocol = next((p for p in SERVER_FIRST if p in said), None)
            numbers = {port.get("port"), port.get("targetPort")}
            if protocol is None or numbers & LINKERD_OPAQUE or _opaque(annotation, port):
                continue
            detail = f"{protocol} on port {port.get('port')}"
            yield Match(r, detail, ("spec", "ports", index), (context.linkerd[r.namespace],))


# -- MESH-P005: mesh CA certificates written into the manifests -------------------------------

ISSUER, ANCHOR = "issuer", "trust anchor"
#: linkerd check warns when the identity issuer or a trust anchor is valid for less than this
#: (linkerd2 ``pkg/issuercerts/issuercerts.go``, ``expirationWarningThresholdInDays``).
EXPIRY_WARNING = dt.timedelta(days=60)
#: Where each mesh keeps its CA certificates, by (kind, name): per key, the mesh, the role and
#: what the certificate is called. Linkerd: ``pkg/k8s/labels.go`` and the control-plane chart's
#: ``templates/identity.yaml`` (``crt.pem`` for the linkerd.io/tls scheme; ``tls.crt`` and
#: ``ca.crt`` when cert-manager writes the Secret; the trust bundle's ``ca-bundle.crt``), and
#: the trust anchor Secret of Linkerd's cert-manager guide. Istio: ``security/pkg/pki/ca/ca.go``
#: (the plug-in ``cacerts`` Secret in either layout, and istiod's own ``istio-ca-secret``).
_CA_VALUES: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("Secret", "linkerd-identity-issuer"): {
        "crt.pem": ("Linkerd", ISSUER, "Linkerd identity issuer"),
        "tls.crt": ("Linkerd", ISSUER, "Linkerd identity issuer"),
        "ca.crt": ("Linkerd", ANCHOR, "Linkerd trust anchor"),
    },
    ("Secret", "linkerd-trust-anchor"): {"tls.crt": ("Linkerd", ANCHOR, "Linkerd trust anchor")},
    ("ConfigMap", "linkerd-identity-trust-roots"): {
        "ca-bundle.crt": ("Linkerd", ANCHOR, "Linkerd trust anchor")
    },
    ("Secret", "cacerts"): {
        "ca-cert.pem": ("Istio", ISSUER, "Istio intermediate CA"),
        "tls.crt": ("Istio", ISSUER, "Istio intermediate CA"),
        "root-cert.pem": ("Istio", ANCHOR, "Istio root CA"),
        "ca.crt": ("Istio", ANCHOR, "Istio root CA"),
    },
    ("Secret", "istio-ca-secret"): {"ca-cert.pem": ("Istio", ANCHOR, "istiod's self-signed root")},
}
#: Secrets whose certificate the mesh renews itself: istiod rotates its self-signed root
#: (``security/pkg/pki/ca/selfsignedcarootcertrotator.go``).
_SELF_ROTATED = frozenset({"istio-ca-secret"})
#: The annotation cert-manager puts on every Secret it writes for a Certificate.
CERT_MANAGER_ANNOTATION = "cert-manager.io/certificate-name"
#: The mesh CA Secrets a cert-manager Certificate may write (its ``spec.secretName``).
_CA_SECRETS = frozenset(name for kind, name in _CA_VALUES if kind == "Secret") - _SELF_ROTATED
#: cert-manager's default ``spec.duration`` (90 days, cert-manager's Certificate docs).
_CERT_MANAGER_DURATION = 90 * 86400.0


@dataclass(frozen=True)
class _Held:
    """One CA certificate written into a manifest, and what it is to its mesh."""

    resource: Resource
    loc: tuple[int | str, ...]
    mesh: str
    role: str
    label: str
    cert: Certificate

    def named(self) -> str:
        return f"{self.label} {self.cert.common_name}".strip()

    def fact(self, text: str) -> Fact:
        return Fact.of(text, self.resource, *self.loc)


def _held(resources: Sequence[Resource]) -> Iterator[_Held]:
    """Every mesh CA certificate in the Secrets and ConfigMaps (``data`` of a Secret is base64,
    ``stringData`` and a ConfigMap's ``data`` plain text)."""
    for r in resources:
        keys = _CA_VALUES.get((r.kind, r.name))
        if keys is None:
            continue
        fields = ("data", "stringData") if r.kind == "Secret" else ("data",)
        for field_name in fields:
            values = _mapping(r.data.get(field_name))
            encoded = r.kind == "Secret" and field_name == "data"
            for key, (mesh, role, label) in keys.items():
                value = values.get(key)
                if not isinstance(value, str):
                    continue
                certs = from_base64_pem(value) if encoded else from_pem(value)
                for cert in certs:
                    yield _Held(r, (field_name, key), mesh, role, label, cert)


def _managed(secret: Resource, resources: Sequence[Resource]) -> bool:
    """Whether something renews the Secret's certificate: cert-manager (its annotation on the
    Secret, or a Certificate in the manifests writing it) or istiod itself."""
    if secret.name in _SELF_ROTATED or CERT_MANAGER_ANNOTATION in secret.annotations():
        return True
    return any(
        _cert_manager(c)
        and c.namespace == secret.namespace
        and _get(c.data, "spec", "secretName") == secret.name
        for c in resources
    )


def _cert_manager(r: Resource) -> bool:
    return r.kind == "Certificate" and str(r.data.get("apiVersion", "")).startswith(
        "cert-manager.io/"
    )


def _day(moment: dt.datetime) -> str:
    return moment.date().isoformat()


def ca_certificate_out_of_validity(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """Expired, or not valid yet: the checks ``linkerd check`` makes fatal (its "within its
    validity period" checks)."""
    for held in _held(resources):
        cert = held.cert
        if cert.not_after < context.now:
            yield Match(
                held.resource, f"{held.named()}, expired on {_day(cert.not_after)}", held.loc
            )
        elif cert.not_before > context.now:
            detail = f"{held.named()}, not valid before {_day(cert.not_before)}"
            yield Match(held.resource, detail, held.loc)


def ca_certificate_expiring(resources: Sequence[Resource], context: Context) -> Iterator[Match]:
    """Valid for less than ``EXPIRY_WARNING`` with nothing renewing it."""
    for held in _held(resources):
        left = held.cert.not_after - context.now
        if dt.timedelta(0) <= left < EXPIRY_WARNING and not _managed(held.resource, resources):
            when = f"{_day(held.cert.not_after)}, in {left.days} days"
            yield Match(held.resource, f"{held.named()}, which expires on {when}", held.loc)


def linkerd_issuer_without_rotation(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """A Linkerd identity issuer written as a static Secret: Linkerd rotates workload
    certificates, never the issuer, so the Secret's expiry date is the mesh's."""
    for held in _held(resources):
        if held.mesh != "Linkerd" or held.role != ISSUER:
            continue
        if not _managed(held.resource, resources):
            detail = f"valid until {_day(held.cert.not_after)}"
            yield Match(held.resource, detail, held.loc)


def anchor_expires_before_issuer(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """An issuer that outlives every trust anchor that could have signed it (those whose
    subject is its issuer name): workload certificates stop verifying on the anchor's date,
    not the issuer's. Names are all the scanner compares, and a rotation keeps old and new
    anchors under one name in the bundle, so an issuer is flagged only when even the
    longest-lived of its candidate anchors expires first."""
    held = list(_held(resources))
    anchors = [h for h in held if h.role == ANCHOR]
    for issuer in (h for h in held if h.role == ISSUER):
        candidates = [a for a in anchors if a.mesh == issuer.mesh and issuer.cert.signed(a.cert)]
        anchor = max(candidates, key=lambda a: a.cert.not_after, default=None)
        if anchor is not None and anchor.cert.not_after < issuer.cert.not_after:
            detail = (
                f"{issuer.named()} valid until {_day(issuer.cert.not_after)}, signed by "
                f"{anchor.named()}, which expires on {_day(anchor.cert.not_after)}"
            )
            text = f"the trust anchor expires on {_day(anchor.cert.not_after)}"
            yield Match(issuer.resource, detail, issuer.loc, (anchor.fact(text),))


def _mesh_ca_certificates(resources: Sequence[Resource]) -> Iterator[Resource]:
    """cert-manager Certificates that write a mesh CA Secret."""
    for r in resources:
        if _cert_manager(r) and _get(r.data, "spec", "secretName") in _CA_SECRETS:
            yield r


def renew_before_not_below_duration(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """cert-manager requires ``duration`` > ``renewBefore`` (its Certificate docs), and its
    webhook refuses a Certificate that breaks this. An unset ``renewBefore`` is fine: renewal
    then comes two thirds through the certificate's life; ``renewBeforePercentage`` is
    relative to the issued duration, so it cannot break the rule."""
    for r in _mesh_ca_certificates(resources):
        renew = _get(r.data, "spec", "renewBefore")
        renew_seconds = duration(renew) if renew is not None else None
        if renew_seconds is None:
            continue
        written = _get(r.data, "spec", "duration")
        lifetime = duration(written) if written is not None else _CERT_MANAGER_DURATION
        if lifetime is not None and renew_seconds >= lifetime:
            shown_duration = written if written is not None else "2160h (the default)"
            detail = f"renewBefore {renew} is not shorter than duration {shown_duration}"
            yield Match(r, detail, ("spec", "renewBefore"))


def mesh_ca_certificate_not_a_ca(
    resources: Sequence[Resource], context: Context
) -> Iterator[Match]:
    """The identity issuer (or a trust anchor) signs certificates, so it must be issued as a
    CA: Linkerd's cert-manager guide says ``isCA: true`` is required."""
    for r in _mesh_ca_certificates(resources):
        spec = _mapping(r.data.get("spec"))
        if spec.get("isCA") is not True:
            yield Match(
                r, str(spec["secretName"]), ("spec", "isCA") if "isCA" in spec else ("spec",)
            )


#: For rules that can only fire on a resource whose own text holds one of these words (a pod
#: template's annotation or field), the words: a workload document holding none of them is
#: checked to be YAML and counted, not built (``Scanner.needles``). Rules absent here may fire on
#: any resource of their kinds, depending on what other resources say.
NEEDLES: dict[str, tuple[str, ...]] = {
    "MESH-P002-R02": ("sidecar.istio.io/rewriteAppHTTPProbers",),
    "MESH-P003-R01": ("initContainers",),
    "MESH-P005-R01": ("CITADEL_SELF_SIGNED_CA_CERT_TTL",),
    # Workloads matter to X002 only when they show Istio injection of their own.
    "MESH-X002-R01": ("istio-proxy", "istio-init", "sidecar.istio.io/inject"),
    **dict.fromkeys(
        (
            "MESH-P005-R03",
            "MESH-P005-R04",
            "MESH-P005-R05",
            "MESH-P005-R06",
            "MESH-P005-R07",
            "MESH-P005-R08",
        ),
        tuple(name for _, name in _CA_VALUES),
    ),
}

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
    "MESH-P005-R03": ca_certificate_out_of_validity,
    "MESH-P005-R04": ca_certificate_expiring,
    "MESH-P005-R05": linkerd_issuer_without_rotation,
    "MESH-P005-R06": anchor_expires_before_issuer,
    "MESH-P005-R07": renew_before_not_below_duration,
    "MESH-P005-R08": mesh_ca_certificate_not_a_ca,
    "MESH-X001-R01": ambient_l7_without_waypoint,
    "MESH-X002-R01": undeclared_port_protocol,
    "MESH-X003-R01": server_first_port_detected,
}
