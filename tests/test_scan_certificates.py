"""Mesh CA lifetimes (MESH-P005-R03…R08) read from the certificates the manifests hold, at an
instant the test fixes: a scan's result never depends on the day it runs.

The certificates in tests/scan_corpus/certs were made once for these tests (ECDSA P-256, with
Python's cryptography package, outside this project): a root ``root.linkerd.cluster.local``
valid 2025-01-01 to 2030-01-01 (``anchor-2030.pem``), two issuers it signed, one to 2029-01-01
and one to 2031-01-01, and an unrelated root to 2055-01-01 (GeneralizedTime). No key is kept."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from knowledge.base import load
from knowledge.scanner.certificates import from_base64_pem, from_der, from_pem
from knowledge.scanner.scan import Report, Scanner

SCANNER = Scanner(load())
CERTS = Path(__file__).parent / "scan_corpus" / "certs"
ANCHOR, LONG_ANCHOR, ISSUER, OUTLIVING = (
    (CERTS / name).read_text()
    for name in ("anchor-2030.pem", "anchor-2055.pem", "issuer-2029.pem", "issuer-2031.pem")
)
SPRING_2026 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
CERT_RULES = {f"MESH-P005-R0{n}" for n in range(3, 9)}


def _b64(pem: str) -> str:
    return base64.b64encode(pem.encode()).decode()


def _issuer_secret(crt: str, *, key: str = "crt.pem", annotations: str = "{}") -> str:
    return (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: linkerd-identity-issuer\n"
        f"  namespace: linkerd\n  annotations: {annotations}\ndata:\n  {key}: {_b64(crt)}\n"
    )


def _trust_roots(*pems: str) -> str:
    bundle = "".join(pems).replace("\n", "\n    ")
    return (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: linkerd-identity-trust-roots\n"
        f"  namespace: linkerd\ndata:\n  ca-bundle.crt: |\n    {bundle}\n"
    )


def _certificate(spec: str, secret: str = "linkerd-identity-issuer") -> str:
    return (
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n"
        f"  name: {secret}\n  namespace: linkerd\nspec:\n  secretName: {secret}\n"
        "  issuerRef: {name: linkerd-identity-issuer, kind: ClusterIssuer}\n"
        f"  commonName: identity.linkerd.cluster.local\n{spec}"
    )


#: Linkerd's cert-manager guide as written (Certificate for the identity issuer).
MANAGED = _certificate("  isCA: true\n  duration: 48h0m0s\n  renewBefore: 25h0m0s\n")


def _scan(*documents: str, now: dt.datetime = SPRING_2026) -> Report:
    return SCANNER.scan([(Path("linkerd.yaml"), "---\n".join(documents))], now=now)


def _found(report: Report) -> list[tuple[str, str]]:
    return [(f.rule.id, f.message) for f in report.findings if f.rule.id in CERT_RULES]


def test_validity_and_names_are_read_from_pem_and_base64() -> None:
    [anchor] = from_pem(ANCHOR)
    [issuer] = from_base64_pem(_b64(ISSUER))
    assert (anchor.not_before, anchor.not_after) == (
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )
    assert anchor.self_signed and not issuer.self_signed
    assert issuer.signed(anchor) and issuer.common_name == "identity.linkerd.cluster.local"
    [long] = from_pem(LONG_ANCHOR)  # after 2049: GeneralizedTime
    assert long.not_after == dt.datetime(2055, 1, 1, tzinfo=dt.UTC)
    assert issuer.signed(long)  # by name: a rotated anchor usually keeps the old one's name
    assert [c.not_after.year for c in from_pem(ANCHOR + ISSUER)] == [2030, 2029]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\n" * 5000,
    ],
    ids=["empty", "not-base64", "truncated-der", "unterminated"],
)
def test_text_that_is_not_a_certificate_is_no_certificate(text: str) -> None:
    assert from_pem(text) == []
    assert from_base64_pem("%%%") == []


def test_der_whose_lengths_lie_is_no_certificate() -> None:
    der = base64.b64decode("".join(ANCHOR.splitlines()[1:-1]))
    assert from_der(der) is not None
    assert from_der(der[:-1]) is None
    assert from_der(der + b"\x00") is None
    assert from_der(b"\x30\x84\xff\xff\xff\xff") is None


def test_an_expired_issuer_is_an_error_on_the_line_that_holds_it() -> None:
    report = _scan(MANAGED, _issuer_secret(ISSUER), now=dt.datetime(2029, 2, 1, tzinfo=dt.UTC))
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P005-R03"]
    assert finding.rule.severity == "error"
    assert finding.message == (
        "Secret linkerd/linkerd-identity-issuer holds the Linkerd identity issuer "
        "identity.linkerd.cluster.local, expired on 2029-01-01"
    )
    assert finding.line == 21  # data.crt.pem, after the Certificate's 12 lines and ---


def test_a_certificate_not_valid_yet_is_out_of_its_validity_period_too() -> None:
    report = _scan(_trust_roots(ANCHOR), now=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    assert _found(report) == [
        (
            "MESH-P005-R03",
            "ConfigMap linkerd/linkerd-identity-trust-roots holds the Linkerd trust anchor "
            "root.linkerd.cluster.local, not valid before 2025-01-01",
        )
    ]


def test_an_issuer_with_less_than_60_days_left_and_nothing_renewing_it_warns() -> None:
    soon = dt.datetime(2028, 12, 1, tzinfo=dt.UTC)
    found = _found(_scan(_issuer_secret(ISSUER), now=soon))
    assert (
        "MESH-P005-R04",
        "Secret linkerd/linkerd-identity-issuer holds the Linkerd identity issuer "
        "identity.linkerd.cluster.local, which expires on 2029-01-01, in 31 days",
    ) in found
    # cert-manager renews it: the Certificate in the manifests, or its annotation on the Secret
    assert "MESH-P005-R04" not in dict(_found(_scan(MANAGED, _issuer_secret(ISSUER), now=soon)))
    annotated = _issuer_secret(ISSUER, annotations="{cert-manager.io/certificate-name: x}")
    assert "MESH-P005-R04" not in dict(_found(_scan(annotated, now=soon)))
    # 61 days before: nothing yet
    assert "MESH-P005-R04" not in dict(
        _found(_scan(_issuer_secret(ISSUER), now=dt.datetime(2028, 11, 1, tzinfo=dt.UTC)))
    )


def test_a_static_linkerd_issuer_is_one_nothing_rotates() -> None:
    assert _found(_scan(_issuer_secret(ISSUER))) == [
        (
            "MESH-P005-R05",
            "Secret linkerd/linkerd-identity-issuer holds a Linkerd identity issuer "
            "(valid until 2029-01-01) that nothing rotates",
        )
    ]
    assert _found(_scan(MANAGED, _issuer_secret(ISSUER, key="tls.crt"))) == []


def test_an_anchor_that_expires_before_the_issuer_it_signed_is_named_with_its_place() -> None:
    report = _scan(
        _issuer_secret(OUTLIVING, annotations="{cert-manager.io/certificate-name: x}"),
        _trust_roots(ANCHOR),
    )
    [finding] = [f for f in report.findings if f.rule.id == "MESH-P005-R06"]
    assert finding.message == (
        "Secret linkerd/linkerd-identity-issuer: Linkerd identity issuer "
        "identity.linkerd.cluster.local valid until 2031-01-01, signed by Linkerd trust anchor "
        "root.linkerd.cluster.local, which expires on 2030-01-01"
    )
    assert [str(b) for b in finding.because] == [
        "the trust anchor expires on 2030-01-01: "
        "ConfigMap/linkerd-identity-trust-roots at linkerd.yaml:16"
    ]


def test_an_issuer_inside_the_life_of_an_anchor_that_may_have_signed_it_is_fine() -> None:
    managed = _issuer_secret(ISSUER, annotations="{cert-manager.io/certificate-name: x}")
    assert _found(_scan(managed, _trust_roots(ANCHOR))) == []
    # mid-rotation: the bundle holds an old and a new anchor under one name; the new one
    # outlives the issuer, so the scanner (which compares names only) does not guess
    outliving = _issuer_secret(OUTLIVING, annotations="{cert-manager.io/certificate-name: x}")
    assert _found(_scan(outliving, _trust_roots(ANCHOR, LONG_ANCHOR))) == []


@pytest.mark.parametrize(
    ("spec", "detail"),
    [
        ("  isCA: true\n  duration: 48h\n  renewBefore: 48h\n", "renewBefore 48h is not shorter "
         "than duration 48h"),
        ("  isCA: true\n  renewBefore: 2400h\n", "renewBefore 2400h is not shorter than duration "
         "2160h (the default)"),
    ],
)  # fmt: skip
def test_renew_before_not_below_the_duration_is_refused_by_cert_manager(
    spec: str, detail: str
) -> None:
    assert _found(_scan(_certificate(spec))) == [
        ("MESH-P005-R07", f"Certificate linkerd/linkerd-identity-issuer: {detail}")
    ]


@pytest.mark.parametrize(
    "spec",
    [
        "  isCA: true\n  duration: 48h0m0s\n  renewBefore: 25h0m0s\n",
        "  isCA: true\n",  # renewal at two thirds of the default 90 days
        "  isCA: true\n  duration: 48h\n  renewBeforePercentage: 50\n",
    ],
)
def test_renew_before_unset_relative_or_below_the_duration_is_fine(spec: str) -> None:
    assert _found(_scan(_certificate(spec))) == []


def test_a_mesh_ca_certificate_must_be_issued_as_a_ca() -> None:
    for spec in ("  duration: 48h\n", "  isCA: false\n"):
        assert _found(_scan(_certificate(spec, "linkerd-trust-anchor"))) == [
            (
                "MESH-P005-R08",
                "Certificate linkerd/linkerd-trust-anchor writes the mesh CA Secret "
                "linkerd-trust-anchor without isCA: true",
            )
        ]
    ingress = _certificate("  duration: 48h\n", "bookinfo-tls")  # not a mesh CA: not ours
    assert _found(_scan(ingress)) == []


def test_istio_plug_in_ca_and_self_signed_root_are_read_too() -> None:
    cacerts = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: cacerts, namespace: istio-system}\n"
        f"data:\n  ca-cert.pem: {_b64(OUTLIVING)}\n  root-cert.pem: {_b64(ANCHOR)}\n"
    )
    rules = [rule for rule, _ in _found(_scan(cacerts))]
    assert rules == ["MESH-P005-R06"]  # the plug-in CA outlives its root; no Linkerd rotation
    self_signed = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: istio-ca-secret, namespace: istio-system}\n"
        f"stringData:\n  ca-cert.pem: |\n    {ANCHOR.replace(chr(10), chr(10) + '    ')}\n"
    )
    soon = dt.datetime(2029, 12, 1, tzinfo=dt.UTC)
    assert _found(_scan(self_signed, now=soon)) == []  # istiod rotates its own root
    late = dt.datetime(2030, 2, 1, tzinfo=dt.UTC)
    assert [rule for rule, _ in _found(_scan(self_signed, now=late))] == ["MESH-P005-R03"]


def test_a_scan_without_now_reads_the_clock_once() -> None:
    """The default instant is today's: an anchor valid to 2055 is neither expired nor soon."""
    assert _found(SCANNER.scan([(Path("a.yaml"), _trust_roots(LONG_ANCHOR))])) == []
