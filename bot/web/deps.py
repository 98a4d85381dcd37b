"""What routes need, as ``Annotated`` dependencies: one place says where each comes from."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.metrics import Metrics
from bot.services.decisions import Decisions
from bot.services.root import Services
from bot.settings import Settings
from bot.store import DecisionStore
from bot.web.answers import AnswerEncoder
from knowledge import Library, Scanner


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _answers(request: Request) -> AnswerEncoder:
    answers: AnswerEncoder = request.app.state.answers
    return answers


async def _library(services: Annotated[Services, Depends(_services)]) -> Library:
    return services.library


async def _store(services: Annotated[Services, Depends(_services)]) -> DecisionStore:
    return services.store


async def _metrics(services: Annotated[Services, Depends(_services)]) -> Metrics:
    return services.metrics


async def _settings(services: Annotated[Services, Depends(_services)]) -> Settings:
    return services.settings


async def _decisions(services: Annotated[Services, Depends(_services)]) -> Decisions:
    return services.decisions


async def _scanner(services: Annotated[Services, Depends(_services)]) -> Scanner:
    return services.scanner


AnswersDep = Annotated[AnswerEncoder, Depends(_answers)]
ServicesDep = Annotated[Services, Depends(_services)]
LibraryDep = Annotated[Library, Depends(_library)]
StoreDep = Annotated[DecisionStore, Depends(_store)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
DecisionsDep = Annotated[Decisions, Depends(_decisions)]
ScannerDep = Annotated[Scanner, Depends(_scanner)]
SettingsDep = Annotated[Settings, Depends(_settings)]
