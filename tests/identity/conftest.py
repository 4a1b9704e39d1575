"""Fixtures for the Identity tests: a learner, a relying party, table snapshots."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govlearn.identity import RelyingParty

from .helpers import snapshot_tables


@pytest.fixture
def snapshot(sandbox) -> Callable[[], dict[str, list[tuple[str, ...]]]]:  # type: ignore[no-untyped-def]
    return lambda: snapshot_tables(sandbox.database_url)


@pytest.fixture
def alice(sandbox):  # type: ignore[no-untyped-def]
    return sandbox.learner("alice")


@pytest.fixture
def rp(alice) -> RelyingParty:  # type: ignore[no-untyped-def]
    return alice.identity.register_client("Alice's clinic")


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def shared_sandbox(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One sandbox per module and database, for long tables of refusals."""
    from tests.conftest import _drop_postgres, _postgres_database, start_sandbox

    handle = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('identity') / 'sandbox.db'}"
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
def shared_sqlite(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One SQLite sandbox per module, for tables of refusals."""
    from tests.conftest import start_sandbox

    folder = tmp_path_factory.mktemp("identity")
    running = start_sandbox(f"sqlite:///{folder / 'sandbox.db'}", rate_limit=0)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def shared_learner(shared_sqlite):  # type: ignore[no-untyped-def]
    client = shared_sqlite.learner("shared")
    client.whoami()  # seeds the workspace before any snapshot
    return client
