"""An unexpected exception in a route: a 500 in the spec's shape, logged once,
and the connection kept open for the client's next request."""

from __future__ import annotations

import logging

import httpx
import pytest

from govlearn._embedded import serve_in_background
from govlearn.sandbox import SandboxSettings, create_app


def _boom() -> None:
    raise RuntimeError("a bug in a route")


@pytest.fixture
def failing_sandbox(tmp_path):  # type: ignore[no-untyped-def]
    app = create_app(
        SandboxSettings(
            database_url=f"sqlite:///{tmp_path / 'sandbox.db'}", admin_key="admin"
        )
    )
    app.add_api_route("/enrollment/boom", _boom, methods=["GET"])
    app.add_api_route("/boom", _boom, methods=["GET"])
    server = serve_in_background(app)
    try:
        yield server.url
    finally:
        server.stop()


def test_a_failing_route_answers_500_and_keeps_the_connection(
    failing_sandbox: str, caplog: pytest.LogCaptureFixture
) -> None:
    # One client, so every request after the first goes on the connection
    # the previous 500 came back on.
    with (
        caplog.at_level(logging.ERROR),
        httpx.Client(base_url=failing_sandbox) as client,
    ):
        answers = [client.get("/enrollment/boom") for _ in range(3)]
        plain = client.get("/boom", headers={"X-Correlation-ID": "trace-7"})
        health = client.get("/health")
    for answer in answers:
        assert answer.status_code == 500
        body = answer.json()
        assert body["errors"][0]["errorCode"] == "internal_error", body
    assert plain.status_code == 500
    assert plain.json()["error"] == "internal_error"
    assert plain.headers["X-Correlation-ID"] == "trace-7"
    assert health.status_code == 200
    logged = [r for r in caplog.records if "Unexpected error" in r.getMessage()]
    assert len(logged) == 4
    assert "X-Correlation-ID trace-7" in logged[3].getMessage()
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in logged)
    assert not [r for r in caplog.records if r.name.startswith("uvicorn")]
