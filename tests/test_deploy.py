"""The deployment files: valid against Kubernetes' own schemas (offline), and saying what the
operations story needs — replicas, probes, limits, secrets, a restricted security context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

DEPLOY = Path(__file__).parent.parent / "deploy"
KUBE = DEPLOY / "kubernetes"
KUBERNETES_VERSION = "1.30"
RESOURCES: list[str] = yaml.safe_load((KUBE / "kustomization.yaml").read_text())["resources"]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((KUBE / name).read_text())
    return data


@pytest.mark.parametrize("name", [*RESOURCES, "secret.example.yaml"])
def test_manifest_is_valid_kubernetes(name: str) -> None:
    kubernetes_validate.validate(_load(name), KUBERNETES_VERSION, strict=True)


def test_deployment_runs_two_replicas_with_probes_limits_and_no_privileges() -> None:
    deployment = _load("deployment.yaml")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert (
        container["resources"]["requests"]["memory"] and container["resources"]["limits"]["memory"]
    )
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["terminationGracePeriodSeconds"] > 20  # uvicorn's graceful shutdown is 20 s


def test_each_pod_runs_one_worker_so_its_memory_limit_holds_on_any_node() -> None:
    """Unset, WEB_CONCURRENCY defaults to the cores the process may use: in a pod, every core
    of the node, each worker ~110 MB against a 256 Mi limit."""
    (container,) = _load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["WEB_CONCURRENCY"] == "1"


def test_deployment_reads_credentials_from_a_secret_and_knowledge_from_a_configmap() -> None:
    pod = _load("deployment.yaml")["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MESHBOT_API_KEYS"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "meshbot-secrets"
    assert "optional" not in env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["knowledge"]["configMap"]["name"] == _load("configmap.yaml")["metadata"]["name"]
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert env["MESHBOT_KNOWLEDGE_DIRS"]["value"] in mounts


def test_the_service_and_budget_select_the_deployments_pods() -> None:
    labels = _load("deployment.yaml")["spec"]["template"]["metadata"]["labels"]
    assert _load("service.yaml")["spec"]["selector"].items() <= labels.items()
    assert _load("pdb.yaml")["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_image_is_slim_non_root_indexed_and_health_checked() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "\nUSER 10001" in dockerfile
    assert "meshbot kb check && meshbot kb build" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_the_procfile_serves_on_port_and_releases_with_checks_and_migrations() -> None:
    lines = dict(
        line.split(":", 1) for line in (DEPLOY.parent / "Procfile").read_text().splitlines() if line
    )
    assert lines["web"].strip().startswith("meshbot serve --host 0.0.0.0")
    release = lines["release"]
    assert "meshbot kb check" in release and "meshbot db migrate" in release
