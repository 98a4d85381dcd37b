"""Health, readiness and metrics: open even when API keys are required."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.store import StoreUnavailable
from bot.web.deps import ServicesDep
from bot.web.models import Health, Ready
from bot.web.problems import RESPONSES, ProblemError

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Health:
    """200 while the process runs."""
    return Health()


@router.get("/readyz", responses={503: RESPONSES[503]})
def readyz(services: ServicesDep) -> Ready:
    """200 when the knowledge base is loaded and the state store answers."""
    try:
        services.store.ping()
    except StoreUnavailable as error:
        raise ProblemError("not-ready", str(error), {"Retry-After": "5"}) from error
    return Ready(knowledge_entries=len(services.library.kb.entries))


@router.get("/metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
