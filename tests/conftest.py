"""Shared fixtures: real databases (SQLite file, PostgreSQL) and a real HTTP sandbox.

* ``database_url`` runs a test twice: on a fresh SQLite file and on a fresh
  PostgreSQL database (marked ``postgres``).
* ``sandbox`` serves the application over real HTTP on 127.0.0.1 and gives
  ``sandbox.learner("id")`` clients and the admin key.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "GOVLEARN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """Keep tests away from the user's GovLearn home and hosted-sandbox settings."""
    for name in (
        "GOVLEARN_SANDBOX_URL",
        "GOVLEARN_LEARNER_KEY",
        "GOVLEARN_DATABASE_URL",
        "GOVLEARN_ADMIN_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    if "GOVLEARN_HOME" not in os.environ or not os.environ["GOVLEARN_HOME"].startswith(
        str(tmp_path_factory.getbasetemp())
    ):
        monkeypatch.setenv(
            "GOVLEARN_HOME", str(tmp_path_factory.mktemp("govlearn-home"))
        )


def _postgres_database() -> tuple[str, object]:
    from sqlalchemy import create_engine, make_url, text

    from govlearn.sandbox.db import normalise_url

    admin = create_engine(
        normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT"
    )
    name = f"govlearn_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(POSTGRES_ADMIN_URL)).set(database=name)
    return url.render_as_string(hide_password=False), (admin, name)


def _drop_postgres(handle: object) -> None:
    from sqlalchemy import text

    admin, name = handle  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    url, handle = _postgres_database()
    try:
        yield url
    finally:
        _drop_postgres(handle)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh database of each kind the sandbox supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sandbox.db'}"
        return
    url, handle = _postgres_database()
    try:
        yield url
    finally:
        _drop_postgres(handle)


@dataclass
class RunningSandbox:
    """A sandbox served over real HTTP for one test."""

    url: str
    admin_key: str
    database_url: str
    _server: object = field(repr=False)
    _clients: list = field(default_factory=list, repr=False)

    def admin(self) -> httpx.Client:
        client = httpx.Client(
            base_url=self.url,
            headers={"X-GovLearn-Admin-Key": self.admin_key},
            timeout=30,
        )
        self._clients.append(client)
        return client

    def new_key(self, learner_id: str) -> str:
        response = self.admin().post(
            "/admin/learners", json={"learnerId": learner_id, "name": learner_id}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["key"])

    def learner(self, learner_id: str):  # type: ignore[no-untyped-def]
        """A :class:`govlearn.Client` for a new learner ``learner_id``."""
        import govlearn

        client = govlearn.Client(self.url, self.new_key(learner_id))
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._server.stop()  # type: ignore[attr-defined]


def start_sandbox(database_url: str, **settings: object) -> RunningSandbox:
    from govlearn._embedded import serve_in_background
    from govlearn.sandbox import SandboxSettings, create_app

    admin_key = "test-admin-" + uuid.uuid4().hex
    config = SandboxSettings(database_url=database_url, admin_key=admin_key, **settings)  # type: ignore[arg-type]
    server = serve_in_background(create_app(config))
    return RunningSandbox(server.url, admin_key, database_url, server)


@pytest.fixture
def sandbox(database_url: str) -> Iterator[RunningSandbox]:
    """The sandbox over real HTTP, on each database kind."""
    running = start_sandbox(database_url)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def sqlite_sandbox(tmp_path) -> Iterator[RunningSandbox]:  # type: ignore[no-untyped-def]
    """The sandbox over real HTTP, on SQLite only (for tests that need one run)."""
    running = start_sandbox(f"sqlite:///{tmp_path / 'sandbox.db'}")
    try:
        yield running
    finally:
        running.close()
