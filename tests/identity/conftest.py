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
