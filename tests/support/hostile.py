"""Small YAML payloads that ask for unbounded work, shared by the scanner's limit tests and the
real-server hostile-input test."""

from __future__ import annotations

INJECTED = (
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio.io/rev: stable}}\n---\n"
)


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """An alias chain in ``metadata.name``: width**levels strings once turned into text."""
    lines = ["apiVersion: v1", "kind: Service", "metadata:", "  labels:"]
    lines.append("    l0: &l0 [" + ",".join(["lol"] * width) + "]")
    for n in range(1, levels - 1):
        lines.append(f"    l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * width) + "]")
    lines.append("  name: [" + ",".join([f"*l{levels - 2}"] * width) + "]")
    return "\n".join(lines) + "\n"


def nested_lists(levels: int = 8, width: int = 9) -> str:
    """A List whose items are Lists whose items are …, each level aliasing the one below."""
    lines = [
        "apiVersion: v1",
        "kind: List",
        "x:",
        "  - &l0 {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}",
    ]
    for n in range(1, levels):
        items = ",".join([f"*l{n - 1}"] * width)
        lines.append(f"  - &l{n} {{apiVersion: v1, kind: List, items: [{items}]}}")
    lines.append("items: [" + ",".join([f"*l{levels - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def aliased_findings(ports: int = 600, services: int = 600) -> str:
    """One Service with ``ports`` unnamed ports, repeated ``services`` times by alias: each
    port a finding, ports × services findings from a few kilobytes."""
    port_list = ",".join(["*p"] * ports)
    service = (
        "{apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, "
        f"spec: {{ports: [{port_list}]}}}}"
    )
    items = ",".join(["*s"] * services)
    return (
        f"{INJECTED}apiVersion: v1\nkind: List\nx:\n  - &p {{port: 80}}\n"
        f"  - &s {service}\nitems: [{items}]\n"
    )
