"""The rules read manifests as Istio and Linkerd define them: who injects a pod and when its
init containers race the proxy, which mTLS mode is in force, what a duration means, which
resources carry a pod template, and where a finding belongs when YAML merge keys share text."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.base import load
from knowledge.scanner.checks import duration
from knowledge.scanner.scan import Report, Scanner
from knowledge.scanner.versions import InvalidVersion, mesh_version, stated, version

SCANNER = Scanner(load())
ISTIO_NS = (
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    "  labels: {istio-injection: enabled}\n"
)


def _scan(*documents: str, **options: object) -> Report:
    return SCANNER.scan([(Path("app.yaml"), "---\n".join(documents))], **options)  # type: ignore[arg-type]


def _rules(report: Report) -> list[str]:
    return [f.rule.id for f in report.findings]


def _pod(init: str, annotations: str = "{}", kind: str = "Deployment", api: str = "apps/v1") -> str:
    return (
        f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: web, namespace: shop}}\nspec:\n"
        f"  template:\n    metadata:\n      annotations: {annotations}\n    spec:\n"
        f"      initContainers:\n{init}      containers: [{{name: app, image: app}}]\n"
    )


MIGRATE = "      - {name: migrate, image: app, command: [./migrate, --db, postgres]}\n"
#: What a P003 finding says it assumed when no version was stated.
ASSUMED_CLASSIC = (
    "assumed classic sidecars (Istio 1.27+ picks native ones only if every kubelet is 1.33+): "
    "state the versions with --mesh-version istio=… and --kubelet-version"
)


def test_an_init_container_that_calls_out_in_an_injected_namespace_races_the_proxy() -> None:
    report = _scan(ISTIO_NS, _pod(MIGRATE))
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P003-R01"]
    assert "migrate (Istio)" in finding.message
    assert [str(b) for b in finding.because] == [
        "namespace shop is injected: Namespace/shop at app.yaml:5",
        ASSUMED_CLASSIC,
    ]


@pytest.mark.parametrize(
    "annotations",
    [
        "{sidecar.istio.io/interceptionMode: NONE}",
        '{sidecar.istio.io/nativeSidecar: "true"}',
        '{traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.0.0.5/32"}',
        '{sidecar.istio.io/inject: "false"}',
    ],
)
def test_no_race_when_the_pod_opts_out_of_redirect_or_uses_native_sidecars(
    annotations: str,
) -> None:
    assert "MESH-P003-R01" not in _rules(_scan(ISTIO_NS, _pod(MIGRATE, annotations)))


@pytest.mark.parametrize(
    "init",
    [
        "      - {name: wait, image: busybox, command: [sh, -c, 'true']}\n",
        "      - {name: perms, image: busybox,"
        " command: [/bin/sh, -ec, 'mkdir -p /d && chmod 700 /d; echo ok']}\n",
        "      - {name: copy, image: busybox, command: [cp, /a, /b]}\n",
        "      - {name: as-proxy, image: app, command: [./migrate],"
        " securityContext: {runAsUser: 1337}}\n",
        "      - {name: helper, image: app, restartPolicy: Always}\n",
    ],
    ids=["true", "mkdir-chmod-echo", "cp", "proxy-uid", "app-native-sidecar"],
)
def test_init_containers_that_open_no_connection_are_harmless(init: str) -> None:
    assert "MESH-P003-R01" not in _rules(_scan(ISTIO_NS, _pod(init)))


@pytest.mark.parametrize(
    "init",
    [
        "      - {name: probe, image: busybox, command: [sh, -c, 'echo > /dev/tcp/db/5432']}\n",
        "      - {name: fetch, image: busybox, command: [sh, -c, 'echo $(wget http://vault)']}\n",
        "      - {name: entry, image: vault-agent}\n",
    ],
    ids=["dev-tcp", "command-substitution", "image-entrypoint"],
)
def test_init_containers_that_may_open_a_connection_still_race(init: str) -> None:
    assert "MESH-P003-R01" in _rules(_scan(ISTIO_NS, _pod(init)))


def test_the_meshes_own_containers_are_never_findings_and_order_is_read_as_written() -> None:
    injected = (
        "      - {name: before, image: app, command: [./fetch]}\n"
        "      - {name: istio-init, image: proxyv2, args: [istio-iptables]}\n"
        "      - {name: istio-proxy, image: proxyv2, restartPolicy: Always}\n"
        "      - {name: after, image: app, command: [./fetch]}\n"
    )
    # "before" runs before the redirect exists, "after" once the native proxy is up.
    assert "MESH-P003-R01" not in _rules(_scan(_pod(injected)))
    classic = (
        "      - {name: istio-init, image: proxyv2, args: [istio-iptables]}\n"
        "      - {name: istio-validation, image: proxyv2}\n"
        "      - {name: migrate, image: app, command: [./migrate]}\n"
    )
    [finding] = _scan(_pod(classic)).findings
    assert "migrate (Istio)" in finding.message  # injected as written, whatever the namespace


def test_linkerd_injection_and_its_native_sidecar_annotations() -> None:
    linkerd = "{linkerd.io/inject: enabled}"
    [finding] = _scan(_pod(MIGRATE, linkerd)).findings
    assert "migrate (Linkerd)" in finding.message
    for stage in ("alpha", "beta"):
        key = f"config.{stage}.linkerd.io/proxy-enable-native-sidecar"
        native = f'{{linkerd.io/inject: enabled, {key}: "true"}}'
        assert _scan(_pod(MIGRATE, native)).findings == []
    own = (
        "      - {name: linkerd-init, image: proxy-init}\n"
        "      - {name: linkerd-network-validator, image: x}\n"
    )
    assert _scan(_pod(own, linkerd)).findings == []


def test_istiod_native_sidecars_in_an_istiooperator_without_a_name_count() -> None:
    operator = (
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n"
        "    pilot:\n      env:\n        ENABLE_NATIVE_SIDECARS: 'true'\n"
        "        CITADEL_SELF_SIGNED_CA_CERT_TTL: 87600h0m0s\n"
    )
    report = _scan(ISTIO_NS, _pod(MIGRATE), operator)
    assert "MESH-P003-R01" not in _rules(report)
    assert "MESH-P005-R01" not in _rules(report)  # the ten-year default, in Go's notation
    assert report.problems == []
    shortened = operator.replace("87600h0m0s", "8760h0m0s")
    [finding] = [f for f in _scan(shortened).findings if f.rule.id == "MESH-P005-R01"]
    assert finding.where == "IstioOperator/default/(unnamed)"


@pytest.mark.parametrize(
    ("kind", "api", "expected"),
    [
        ("Rollout", "argoproj.io/v1alpha1", True),
        ("StatefulSet", "apps/v1", True),
        ("Service", "serving.knative.dev/v1", True),
        ("Service", "v1", False),
    ],
)
def test_every_kind_with_a_pod_template_is_read(kind: str, api: str, expected: bool) -> None:
    assert (
        "MESH-P003-R01" in _rules(_scan(ISTIO_NS, _pod(MIGRATE, kind=kind, api=api)))
    ) is expected


def test_a_rollout_that_points_at_a_deployment_has_no_template_of_its_own() -> None:
    rollout = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    )
    assert _scan(ISTIO_NS, rollout).findings[1:] == []


@pytest.mark.parametrize(
    ("istio", "kubelet", "because"),
    [
        ("1.26", "1.33", "Istio 1.26 injects classic sidecars: --mesh-version"),
        (
            "1.27",
            "1.32",
            "a kubelet at 1.32 keeps Istio's sidecars classic (native needs 1.33+): "
            "--kubelet-version",
        ),
        ("1.27", None, ASSUMED_CLASSIC.replace("--mesh-version istio=… and ", "")),
    ],
)
def test_stated_versions_below_istio_s_automatic_native_sidecars_keep_the_race(
    istio: str, kubelet: str | None, because: str
) -> None:
    versions = stated([f"istio={istio}"], kubelet)
    report = _scan(ISTIO_NS, _pod(MIGRATE), versions=versions)
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P003-R01"]
    assert str(finding.because[-1]) == because


def test_istio_1_27_on_kubelets_1_33_injects_native_sidecars_unless_told_not_to() -> None:
    versions = stated(["istio=1.27.2"], "v1.33.1")
    assert "MESH-P003-R01" not in _rules(_scan(ISTIO_NS, _pod(MIGRATE), versions=versions))
    off = (
        "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n"
        "    pilot:\n      k8s:\n        env:\n"
        "        - {name: ENABLE_NATIVE_SIDECARS, value: 'false'}\n"
    )
    report = _scan(ISTIO_NS, _pod(MIGRATE), off, versions=versions)
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P003-R01"]
    assert str(finding.because[-1]).startswith("istiod's ENABLE_NATIVE_SIDECARS is false: ")
    annotated = _pod(MIGRATE, '{sidecar.istio.io/nativeSidecar: "false"}')
    assert "MESH-P003-R01" in _rules(_scan(ISTIO_NS, annotated, versions=versions))


@pytest.mark.parametrize("text", ["1", "one.two", "1.27.3.4", "istio", "1.2x", "9" * 40, "12345.1"])
def test_versions_that_cannot_be_read_are_refused_with_what_was_expected(text: str) -> None:
    with pytest.raises(InvalidVersion, match=r"is not a version like 1\.27"):
        version(text)


def test_a_mesh_version_names_a_mesh_the_rules_read() -> None:
    assert mesh_version("Istio=1.27") == ("istio", (1, 27))
    for text in ("1.27", "cilium=1.16", "istio:1.27"):
        with pytest.raises(InvalidVersion, match="is not MESH=VERSION"):
            mesh_version(text)


def test_a_namespace_label_applied_outside_the_manifests_comes_from_the_command_line() -> None:
    assert "MESH-P003-R01" not in _rules(_scan(_pod(MIGRATE)))
    [finding] = _scan(_pod(MIGRATE), assumed=["shop"]).findings
    assert [str(b) for b in finding.because] == [
        "namespace shop is injected: --assume-injected",
        ASSUMED_CLASSIC,
    ]


def test_context_is_per_directory_by_default_and_can_be_one_or_per_file() -> None:
    namespace = (Path("ns/ns.yaml"), ISTIO_NS)
    workload = (Path("app/web.yaml"), _pod(MIGRATE))
    assert "MESH-P003-R01" not in _rules(SCANNER.scan([namespace, workload]))
    assert "MESH-P003-R01" in _rules(SCANNER.scan([namespace, workload], scope="one"))
    same_dir = [(Path("k8s/ns.yaml"), ISTIO_NS), (Path("k8s/web.yaml"), _pod(MIGRATE))]
    assert "MESH-P003-R01" in _rules(SCANNER.scan(same_dir))
    assert "MESH-P003-R01" not in _rules(SCANNER.scan(same_dir, scope="per-file"))


def test_disabled_beside_a_revision_is_not_injected_and_not_an_error() -> None:
    namespace = ISTIO_NS.replace(
        "{istio-injection: enabled}", "{istio-injection: disabled, istio.io/rev: canary}"
    )
    assert _rules(_scan(namespace, _pod(MIGRATE))) == []
    revision = ISTIO_NS.replace("{istio-injection: enabled}", "{istio.io/rev: canary}")
    assert _rules(_scan(revision, _pod(MIGRATE))) == ["MESH-P003-R01"]


def _policy(namespace: str, mode: str, name: str = "default", selector: str = "") -> str:
    return (
        f"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        f"spec:\n{selector}  mtls: {{mode: {mode}}}\n"
    )


def test_strict_namespace_under_a_permissive_mesh_is_the_documented_migration_step() -> None:
    assert _rules(_scan(_policy("istio-system", "PERMISSIVE"), _policy("shop", "STRICT"))) == []


@pytest.mark.parametrize("mesh", ["DISABLE", "UNSET"])
def test_disable_and_unset_are_not_permissive_phases(mesh: str) -> None:
    report = _scan(_policy("istio-system", mesh), _policy("shop", "STRICT"))
    [finding] = report.findings
    assert finding.rule.id == "MESH-P002-R01"
    assert str(finding.because[0]).startswith(f"mesh-wide mTLS mode is {mesh}")


def test_mesh_wide_strict_with_no_permissive_anywhere_is_a_finding() -> None:
    [finding] = _scan(_policy("istio-system", "STRICT")).findings
    # a note: with no policy Istio is PERMISSIVE, so a finished migration looks the same
    assert (finding.rule.id, finding.rule.severity) == ("MESH-P002-R01", "note")
    exception = _policy("shop", "PERMISSIVE", "legacy", "  selector: {matchLabels: {app: old}}\n")
    assert _rules(_scan(_policy("istio-system", "STRICT"), exception)) == []


def _probing(labels: str = "{app: web}") -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n"
        f"  template:\n    metadata:\n      labels: {labels}\n"
        "      annotations: {sidecar.istio.io/rewriteAppHTTPProbers: 'false'}\n"
        "    spec: {containers: [{name: app, image: app}]}\n"
    )


def test_the_narrowest_policy_decides_and_unset_inherits() -> None:
    strict_mesh = _policy("istio-system", "STRICT", "mesh", "")
    permissive_ns = _policy("shop", "PERMISSIVE")
    assert "MESH-P002-R02" not in _rules(_scan(strict_mesh, permissive_ns, _probing()))
    unset_ns = _policy("shop", "UNSET")
    assert "MESH-P002-R02" in _rules(_scan(strict_mesh, unset_ns, _probing()))
    workload_strict = _policy("shop", "STRICT", "web", "  selector: {matchLabels: {app: web}}\n")
    report = _scan(permissive_ns, workload_strict, _probing())
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P002-R02"]
    assert "its mTLS mode is STRICT: PeerAuthentication/web" in str(finding.because[0])
    assert "MESH-P002-R02" not in _rules(
        _scan(permissive_ns, workload_strict, _probing("{app: other}"))
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("87600h0m0s", 315_360_000),
        ("1h30m", 5_400),
        ("1.5h", 5_400),
        ("300ms", 0.3),
        ("0s", 0),
        ("10", 10),
        ("1h 30m", None),
        ("h", None),
    ],
)
def test_durations_are_go_durations(text: str, seconds: float | None) -> None:
    assert duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def _slow_service() -> str:
    return (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: reports\n  namespace: shop\n"
        "  annotations: {meshbot.dev/expected-latency: 2m}\n"
        "spec: {ports: [{name: http, port: 80}]}\n"
    )


def test_a_zero_timeout_disables_it_in_virtualservices_and_httproutes() -> None:
    route = (
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        "metadata: {{name: r, namespace: shop}}\n"
        "spec:\n  http:\n  - timeout: {t}\n    route: [{{destination: {{host: reports}}}}]\n"
    )
    http_route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {{name: h, namespace: shop}}\nspec:\n  rules:\n"
        "  - timeouts: {{request: {t}}}\n    backendRefs: [{{name: reports, port: 80}}]\n"
    )
    for template in (route, http_route):
        assert _rules(_scan(_slow_service(), template.format(t="0s"))) == []
        assert _rules(_scan(_slow_service(), template.format(t="30s"))) == ["MESH-P004-R01"]
        assert _rules(_scan(_slow_service(), template.format(t="1h0m0s"))) == []


@pytest.mark.parametrize(
    ("timeouts", "line"),
    [
        ("{request: 5m, backendRequest: 30s}", 14),
        ("{backendRequest: 30s}", 14),
        ("{request: 30s, backendRequest: 0s}", 14),
    ],
)
def test_an_httproute_s_backend_request_timeout_cuts_off_a_slow_service_too(
    timeouts: str, line: int
) -> None:
    http_route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: h, namespace: shop}\nspec:\n  rules:\n"
        f"  - timeouts: {timeouts}\n    backendRefs: [{{name: reports, port: 80}}]\n"
    )
    [finding] = _scan(_slow_service(), http_route).findings
    assert (finding.rule.id, finding.line) == ("MESH-P004-R01", line)
    assert finding.message.startswith("HTTPRoute shop/h times out after 30s on the route")


def test_an_httproute_whose_timeouts_both_exceed_the_latency_is_fine() -> None:
    http_route = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
        "metadata: {name: h, namespace: shop}\nspec:\n  rules:\n"
        "  - timeouts: {request: 10m, backendRequest: 5m}\n"
        "    backendRefs: [{name: reports, port: 80}]\n"
    )
    assert _scan(_slow_service(), http_route).findings == []


def test_merge_keys_keep_each_finding_in_its_own_resource() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: v1\n  kind: Service\n  metadata: {name: a, namespace: shop}\n"
        "  spec: &spec\n    ports:\n    - port: 8080\n"
        "- apiVersion: v1\n  kind: Service\n  metadata: {name: b, namespace: shop}\n"
        "  spec:\n    <<: *spec\n"
    )
    report = _scan(ISTIO_NS, text)
    lines = {f.resource.name: f.line for f in report.findings if f.rule.id == "MESH-X002-R01"}
    assert lines == {"a": 15, "b": 20}  # b's finding stays on b's own spec, not a's port


def _linkerd_service(port: str, annotations: str = "{}") -> str:
    return (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
        "  annotations: {linkerd.io/inject: enabled}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n  namespace: shop\n"
        f"  annotations: {annotations}\nspec:\n  ports: [{port}]\n"
    )


@pytest.mark.parametrize(
    ("port", "annotations", "found"),
    [
        ("{name: mysql, port: 3307}", "{}", True),
        ("{name: tcp, port: 6380, appProtocol: redis}", "{}", True),
        ("{name: mysql, port: 3306}", "{}", False),  # in Linkerd's default opaque ports
        ("{name: mysql, port: 80, targetPort: 3306}", "{}", False),
        ("{name: mysql, port: 3307}", "{config.linkerd.io/opaque-ports: '3300-3310'}", False),
        ("{name: mysql, port: 3307}", "{config.linkerd.io/opaque-ports: mysql}", False),
        ("{name: http, port: 8080}", "{}", False),
    ],
)
def test_linkerd_server_speaks_first_ports_outside_the_opaque_ones(
    port: str, annotations: str, found: bool
) -> None:
    report = _scan(_linkerd_service(port, annotations))
    assert ("MESH-X003-R01" in _rules(report)) is found


def test_a_namespace_opaque_ports_annotation_covers_its_services() -> None:
    text = _linkerd_service("{name: redis, port: 6380}").replace(
        "{linkerd.io/inject: enabled}",
        "{linkerd.io/inject: enabled, config.linkerd.io/opaque-ports: '6380'}",
    )
    assert _rules(_scan(text)) == []


_SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
    "spec: {selector: {app: web}, ports: [{port: 80}]}\n"
)


def _web(annotations: str) -> str:
    return (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  template:\n"
        f"    metadata: {{labels: {{app: web}}, annotations: {annotations}}}\n"
        "    spec: {containers: [{name: web, image: web}]}\n"
    )


def test_an_unnamed_port_counts_when_the_service_selects_pods_istio_injects() -> None:
    injected = _scan(_SERVICE, _web('{sidecar.istio.io/inject: "true"}'))
    assert _rules(injected) == ["MESH-X002-R01"]
    assert injected.findings[0].because[0].text == "the pod asks for Istio's sidecar"
    assert _rules(_scan(_SERVICE, _web("{}"))) == []
