"""Property-based checks over the sandbox's own OpenAPI: no request gets a 5xx.

Schemathesis reads ``/openapi.json`` from a live sandbox (real HTTP, on SQLite
and on PostgreSQL), so every building block's routes are covered as soon as
they are mounted. Each operation gets valid and invalid inputs, sent with a
learner key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error

from tests.conftest import (
    RunningSandbox,
    _drop_postgres,
    _postgres_database,
    start_sandbox,
)

EXAMPLES_PER_OPERATION = 8

#: Operations that answer with whatever status the caller asks for, 5xx
#: included, by design (the mediator's ``mirror`` test service).
DELIBERATE_STATUS = r"^/emulators/test/mirror(/|$)"

# FastAPI writes OpenAPI 3.1, which schemathesis 3.x supports behind a flag.
schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def live_sandbox(request, tmp_path_factory) -> Iterator[RunningSandbox]:  # type: ignore[no-untyped-def]
    """A live sandbox on each database: PostgreSQL refuses values SQLite keeps
    (NUL characters, text longer than its column)."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("schemathesis")
        url, handle = f"sqlite:///{folder / 'sandbox.db'}", None
    else:
        url, handle = _postgres_database()
    running = start_sandbox(url, rate_limit=0)
    try:
        yield running
    finally:
        running.close()
        if handle is not None:
            _drop_postgres(handle)


@pytest.fixture(scope="module")
def learner_key(live_sandbox: RunningSandbox) -> str:
    return live_sandbox.new_key("schemathesis")


def declare_path_parameters(spec: dict[str, Any]) -> list[str]:
    """Declare ``{name}`` path parameters an operation uses but does not list.

    Schemathesis cannot build a request for such an operation at all. Routes
    that read ``request.path_params`` themselves produce them; the parameters
    are declared as plain strings so their operations get tested too. Returns
    the operations that needed it, for the test report.
    """
    repaired = []
    for path, item in spec.get("paths", {}).items():
        names = re.findall(r"{([^}/]+)}", path)
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            parameters = operation.setdefault("parameters", [])
            declared = {p.get("name") for p in parameters if p.get("in") == "path"}
            for name in names:
                if name not in declared:
                    parameters.append(
                        {
                            "name": name,
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                        }
                    )
                    repaired.append(f"{method.upper()} {path}")
    return repaired


@pytest.fixture(scope="module")
def live_schema(live_sandbox: RunningSandbox):  # type: ignore[no-untyped-def]
    spec = httpx.get(f"{live_sandbox.url}/openapi.json", timeout=30).json()
    repaired = declare_path_parameters(spec)
    if repaired:
        print("OpenAPI operations with undeclared path parameters:", repaired)
    loaded = schemathesis.from_dict(
        spec,
        base_url=live_sandbox.url,
        data_generation_methods=DataGenerationMethod.all(),
    )
    return loaded.exclude(path_regex=DELIBERATE_STATUS)


schema = schemathesis.from_pytest_fixture("live_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(case, learner_key: str) -> None:
    response = case.call(headers={"X-GovLearn-Key": learner_key}, timeout=30)
    case.validate_response(response, checks=(not_a_server_error,))
