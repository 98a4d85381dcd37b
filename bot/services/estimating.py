"""A fleet described loosely (CLI options, ``/mesh cost`` words) turned into a cost estimate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from engine.cost import CostParameters, Estimate, FleetSpec, estimate


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


def cost(fields: Mapping[str, object], parameters: CostParameters) -> Estimate:
    """What each data plane costs for the fleet; raises ``InvalidFleet``."""
    return estimate(fleet(fields), parameters)
