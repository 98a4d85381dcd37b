"""The versions a cluster runs, as its owner states them (``meshbot scan --mesh-version
istio=1.27 --kubelet-version 1.33``, or the same fields of ``POST /v1/scan``).

Manifests do not say which Istio or which kubelets will run them, yet some behaviour depends on
both: Istio 1.27 turned native sidecars on by itself, but only where every node's kubelet is 1.33
or later (``ENABLE_NATIVE_SIDECARS`` defaults to ``auto``; ``pkg/kube/inject/webhook.go``
``DetectNativeSidecar``, istio/istio tag 1.27.0, commit 7359d8be). A rule that depends on a
version reads it from here, and says what it assumed when nobody stated it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: A version as the rules compare it: (major, minor); patch releases change no default.
Version = tuple[int, int]
#: Meshes whose version some rule reads.
MESHES = ("istio",)
#: A version as written: ``1.27``, ``1.27.3``, ``v1.33.1-gke.1200`` (at most 32 characters).
#: The HTTP API publishes these patterns in its schema, so what it documents is what it reads.
_VERSION = r"v?([0-9]{1,4})\.([0-9]{1,4})(?:\.[0-9]{1,4})?(?:-[0-9A-Za-z.+]{1,16})?"
VERSION_PATTERN = f"^{_VERSION}$"
MESH_VERSION_PATTERN = f"^(?:{'|'.join(MESHES)})={_VERSION}$"
_VERSION_RE = re.compile(_VERSION)
#: Longest text quoted back in an error message.
_VERSION_CHARS = 32


class InvalidVersion(ValueError):
    """A stated version that cannot be read; the message says what was expected, and ``field``
    which input it came from (``mesh_version`` or ``kubelet_version``)."""

    field = "version"


@dataclass(frozen=True)
class Versions:
    """What the cluster runs; None where nobody said."""

    istio: Version | None = None
    #: The oldest kubelet on any node: Istio's automatic choice holds only if every node has it.
    kubelet: Version | None = None


def version(text: str) -> Version:
    """``1.27``, ``1.27.3`` or ``v1.33.1`` (a kubelet's ``-gke.…`` suffix allowed) as (1, 27)."""
    found = _VERSION_RE.fullmatch(text.strip())
    if found is None:
        raise InvalidVersion(f"{text[:_VERSION_CHARS]!r} is not a version like 1.27 or 1.27.3")
    return int(found.group(1)), int(found.group(2))


def mesh_version(text: str) -> tuple[str, Version]:
    """``istio=1.27`` as ("istio", (1, 27))."""
    mesh, equals, number = text.partition("=")
    mesh = mesh.strip().lower()
    if not equals or mesh not in MESHES:
        known = ", ".join(f"{m}=<version>" for m in MESHES)
        raise InvalidVersion(f"{text[:_VERSION_CHARS]!r} is not MESH=VERSION ({known})")
    return mesh, version(number)


def stated(meshes: Sequence[str] = (), kubelet: str | None = None) -> Versions:
    """The versions from ``--mesh-version`` (repeatable) and ``--kubelet-version``; raises
    ``InvalidVersion`` on the first that cannot be read."""
    try:
        found = dict(mesh_version(m) for m in meshes)
    except InvalidVersion as error:
        error.field = "mesh_version"
        raise
    try:
        return Versions(found.get("istio"), version(kubelet) if kubelet is not None else None)
    except InvalidVersion as error:
        error.field = "kubelet_version"
        raise


def shown(v: Version) -> str:
    return f"{v[0]}.{v[1]}"
