"""A fleet described loosely (CLI options, ``/mesh cost`` words) turned into a cost estimate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from engine.answers import excerpt
from engine.cost import CostParameters, Estimate, FleetSpec, estimate
from engine.quantities import Figure


@dataclass(frozen=True)
class FleetProblem:
    field: str
    message: str


class InvalidFleet(ValueError):
    """The fleet's fields do not validate; ``problems`` names each field the way it was given."""

    def __init__(self, problems: list[FleetProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def fleet(fields: Mapping[str, object]) -> FleetSpec:
    """A ``FleetSpec`` from the fields that were given (``None`` means not given)."""
    try:
        return FleetSpec.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        raise InvalidFleet(
            [FleetProblem(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in error.errors()]
        ) from error


def figure_sources(parameters: CostParameters) -> list[str]:
    """Every source id some figure of the cost model comes from: what ``prefer_source`` may
    name. A name outside it would silently change nothing, so it is refused instead."""
    return sorted({figure.source for figure in _figures(parameters)})


def _figures(value: object) -> list[Figure]:
    """Every ``Figure`` inside a model, however deeply its profiles nest them."""
    if isinstance(value, Figure):
        return [value]
    if isinstance(value, BaseModel):
        return [f for name in type(value).model_fields for f in _figures(getattr(value, name))]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _figures(v)]
    if isinstance(value, list):
        return [f for v in value for f in _figures(v)]
    return []


def checked(spec: FleetSpec, parameters: CostParameters) -> FleetSpec:
    """``spec`` if its preferred source is one the cost model has figures from."""
    known = figure_sources(parameters)
    if spec.prefer_source is not None and spec.prefer_source not in known:
        message = f"no figures from {excerpt(spec.prefer_source)!r}; known: {', '.join(known)}"
        raise InvalidFleet([FleetProblem("prefer_source", message)])
    return spec


def cost(fields: Mapping[str, object], parameters: CostParameters) -> Estimate:
    """What each data plane costs for the fleet; raises ``InvalidFleet``."""
    return estimate(checked(fleet(fields), parameters), parameters)
