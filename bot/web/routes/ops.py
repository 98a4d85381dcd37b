"""Health, readiness and metrics: open even when API keys are required."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.store import StoreUnavailable
from bot.web.deps import ServicesDep
from bot.web.models import Health, Ready
from bot.web.problems import RESPONSES, RETRY_AFTER_S, ProblemError

router = APIRouter(tags=["operations"])
log = logging.getLogger("meshbot.web")


@router.get("/healthz", operation_id="healthz", summary="Liveness")
async def healthz() -> Health:
    """200 while the process runs."""
    return Health()


@router.get("/readyz", responses={503: RESPONSES[503]}, operation_id="readyz", summary="Readiness")
def readyz(services: ServicesDep) -> Ready:
    """200 when the knowledge base is loaded and the state store takes writes. The body names
    the failing component only: hosts, paths and driver messages go to the log, not to
    whoever can reach an unauthenticated probe."""
    try:
        services.store.ping()
    except StoreUnavailable as error:
        log.error("not ready: state store", extra={"error": str(error)})
        detail = "state-store: cannot be written or reached (the service log says why)"
        retry = {"Retry-After": str(RETRY_AFTER_S)}
        raise ProblemError("not-ready", detail, retry) from error
    return Ready(knowledge_entries=len(services.library.kb.entries))


@router.get(
    "/metrics", response_class=Response, operation_id="metrics", summary="Prometheus metrics"
)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
