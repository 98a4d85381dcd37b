"""Scanning manifests over HTTP, for CI systems that would rather call than install."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from bot import version
from bot.services.scanning import scan_off_loop
from bot.web.deps import ScannerDep, SettingsDep
from bot.web.problems import FieldError, ProblemError
from knowledge import (
    MESH_VERSION_PATTERN,
    VERSION_PATTERN,
    InvalidVersion,
    ScanTimeout,
    Versions,
    as_json,
    as_sarif,
    stated,
)

router = APIRouter(prefix="/v1", tags=["scan"])
YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
        "description": "One or more Kubernetes manifests (a multi-document YAML stream).",
    }
}


@router.post(
    "/scan", openapi_extra=YAML_BODY, operation_id="scanManifests", summary="Scan manifests"
)
async def scan(
    request: Request,
    scanner: ScannerDep,
    settings: SettingsDep,
    format: Annotated[Literal["json", "sarif"], Query()] = "json",
    ignore: Annotated[list[str] | None, Query(max_length=50)] = None,
    mesh_version: Annotated[
        list[str] | None,
        Query(
            max_length=5,
            description="The mesh version the cluster runs, as MESH=VERSION (istio=1.27).",
            json_schema_extra={"items": {"type": "string", "pattern": MESH_VERSION_PATTERN}},
        ),
    ] = None,
    kubelet_version: Annotated[
        str | None,
        Query(
            max_length=32,
            description="The oldest kubelet on any node (1.33).",
            json_schema_extra={"pattern": VERSION_PATTERN},
        ),
    ] = None,
) -> dict[str, Any]:
    """Find the mesh pitfalls in the manifests sent as the body: findings as JSON or SARIF.

    A scan that reaches one of its limits answers 422 ``scan-limit`` rather than a partial
    report (a CI job must not read a truncated scan as clean); one past its time budget answers
    503 ``scan-timeout``. Neither echoes the input beyond the file:line the limit names.
    ``mesh_version`` and ``kubelet_version`` feed the version-bound rules (as ``meshbot scan
    --mesh-version``, ``--kubelet-version``); one that cannot be read answers 422."""
    versions = _versions(mesh_version or [], kubelet_version)
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError("not-utf8", "the manifests must be UTF-8 text") from error
    seconds = settings.scan_timeout_seconds
    try:
        report = await scan_off_loop(
            scanner, [(Path("request.yaml"), text)], seconds, ignore or [], versions
        )
    except ScanTimeout as error:
        raise ProblemError("scan-timeout", f"{error}; send fewer manifests") from error
    if report.limit is not None:
        raise ProblemError("scan-limit", str(report.limit))
    return as_sarif(report, version()) if format == "sarif" else as_json(report)


def _versions(meshes: list[str], kubelet: str | None) -> Versions:
    """The stated versions, or a 422 ``validation`` problem naming the query field at fault."""
    try:
        return stated(meshes, kubelet)
    except InvalidVersion as error:
        path = f"query.{error.field}"
        errors = [FieldError(path=path, message=str(error))]
        raise ProblemError("validation", f"{path}: {error}", errors=errors) from error
