"""Schemathesis over /openapi.json: no input makes a route answer 500, and no response breaks
the schema the route itself documents.

Answers to the decision are free text ("about 40") read by each question's parser, which a
schema cannot express: for those two routes a schema-valid but unreadable answer is a correct
422, so the "valid data is accepted" check is left out there and only there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.settings import Settings
from bot.web.app import create_app, open_store
from knowledge.library import Library

pytestmark = pytest.mark.slow  # real server processes or broad fuzzing: -m 'not slow' skips

FREE_TEXT_ROUTES = {"/v1/decide", "/v1/decisions/{decision_id}/answers"}


def test_no_input_makes_a_route_fail_or_break_its_contract(
    library: Library, tmp_path: Path
) -> None:
    config = Settings(database_url=f"sqlite:///{tmp_path / 'state.sqlite'}", api_keys="")
    app = create_app(config, library, open_store(config))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # an operation the schema cannot describe
        operations.append(result.ok())
    assert len(operations) >= 17

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            excluded: list[CheckFunction] = (
                [positive_data_acceptance] if case.path in FREE_TEXT_ROUTES else []
            )
            case.call_and_validate(excluded_checks=excluded)

        check()
