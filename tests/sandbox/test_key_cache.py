"""The learner-key cache: served while young, re-checked together, trusted briefly."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import event, update

from govlearn._embedded import serve_in_background
from govlearn.sandbox import SandboxSettings, create_app
from govlearn.sandbox.deps import refresh_keys
from govlearn.sandbox.state import KeyCache, SandboxState
from govlearn.sandbox.workspaces.keys import hash_key
from govlearn.sandbox.workspaces.models import Learner

ADMIN = "test-admin-key-cache"


def test_entries_turn_stale_then_expire() -> None:
    cache = KeyCache(ttl=0.3, refresh_after=0.1)
    cache.put("digest", "amina", "Amina")
    fresh = cache.lookup("digest")
    assert fresh is not None and not fresh.stale
    assert cache.claim_stale() == []
    time.sleep(0.12)
    stale = cache.lookup("digest")
    assert stale is not None and stale.stale and stale.learner_id == "amina"
    assert cache.claim_stale() == ["digest"]
    assert cache.claim_stale() == [], "a stale key is handed out once"
    time.sleep(0.2)
    assert cache.lookup("digest") is None
    assert cache.get("digest") is None


def test_dropping_a_learner_keeps_the_other_learners_keys() -> None:
    cache = KeyCache(ttl=30)
    cache.put("old-key", "amina", "Amina")
    cache.put("new-key", "amina", "Amina")
    cache.put("other", "bola", "Bola")
    cache.drop_learner("amina")
    assert cache.lookup("old-key") is None and cache.lookup("new-key") is None
    assert cache.get("other") == ("bola", "Bola")


def test_a_rotated_key_stops_at_once_on_this_replica(served) -> None:
    url, _state = served
    old = _new_key(url, "rotator")
    assert _whoami(url, old) == 200
    answer = httpx.post(
        f"{url}/admin/learners",
        json={"learnerId": "rotator", "rotate": True},
        headers={"X-GovLearn-Admin-Key": ADMIN},
    )
    assert answer.status_code == 201, answer.text
    assert _whoami(url, old) == 401
    assert _whoami(url, answer.json()["key"]) == 200


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[str, SandboxState]]:
    app = create_app(SandboxSettings(database_url=database_url, admin_key=ADMIN))
    state: SandboxState = app.state.sandbox
    # a long life and an early re-check: what changes here, the re-check found
    state.keys = KeyCache(ttl=30, refresh_after=0.05)
    server = serve_in_background(app)
    try:
        yield server.url, state
    finally:
        server.stop()


def _new_key(url: str, learner_id: str) -> str:
    answer = httpx.post(
        f"{url}/admin/learners",
        json={"learnerId": learner_id},
        headers={"X-GovLearn-Admin-Key": ADMIN},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def _revoke_elsewhere(state: SandboxState, learner_id: str) -> None:
    """Revoke straight in the database, as another replica would, so this
    process's cache is not cleared by the admin route."""
    with state.database.session() as session:
        session.execute(
            update(Learner)
            .where(Learner.id == learner_id)
            .values(revoked_at=Learner.created_at)
        )


def _whoami(url: str, key: str) -> int:
    return httpx.get(f"{url}/workspace", headers={"X-GovLearn-Key": key}).status_code


def test_a_key_revoked_elsewhere_stops_after_its_background_check(served) -> None:
    url, state = served
    key = _new_key(url, "leaver")
    assert _whoami(url, key) == 200
    _revoke_elsewhere(state, "leaver")
    time.sleep(0.1)
    deadline = time.monotonic() + 1.4
    statuses = []
    while time.monotonic() < deadline:
        statuses.append(_whoami(url, key))
        if statuses[-1] == 401:
            break
        time.sleep(0.02)
    assert statuses[-1] == 401, statuses


def test_stale_keys_are_checked_again_in_one_query(served) -> None:
    url, state = served
    keys = [_new_key(url, f"learner-{n}") for n in range(20)]
    for key in keys:
        assert _whoami(url, key) == 200
    time.sleep(0.1)
    digests = [hash_key(key) for key in keys]
    for digest in digests:
        found = state.keys.lookup(digest)
        assert found is not None and found.stale
    queries: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "FROM learners" in statement:
            queries.append(statement)

    event.listen(state.database.engine, "before_cursor_execute", count)
    try:
        refresh_keys(state, digests)
    finally:
        event.remove(state.database.engine, "before_cursor_execute", count)
    assert len(queries) == 1
    for digest in digests:
        found = state.keys.lookup(digest)
        assert found is not None and not found.stale


def test_a_reset_on_another_replica_is_seeded_again(served) -> None:
    url, state = served
    key = _new_key(url, "resetter")
    assert _whoami(url, key) == 200
    before = _seed_rows(state, "resetter")
    assert before, "the first call seeds the workspace"
    # Another replica resets the workspace: its rows go, the seed comes back
    # in the same transaction and the generation moves on.
    from govlearn.sandbox.workspaces.service import reset_learner

    with state.database.session() as session:
        reset_learner(session, "resetter")
    assert _seed_rows(state, "resetter") == before
    # This process notices the new generation at its next check of the key
    # and finds the seed in place.
    time.sleep(0.1)
    deadline = time.monotonic() + 1.4
    while time.monotonic() < deadline and ("resetter", 1) not in state.seeded:
        _whoami(url, key)
        time.sleep(0.02)
    assert ("resetter", 1) in state.seeded
    assert _seed_rows(state, "resetter") == before


def _seed_rows(state: SandboxState, workspace_id: str) -> list[str]:
    from sqlalchemy import select

    from govlearn.sandbox.workspaces.models import WorkspaceSeed

    with state.database.session() as session:
        return sorted(
            session.scalars(
                select(WorkspaceSeed.seeder).where(
                    WorkspaceSeed.workspace_id == workspace_id
                )
            )
        )


def test_replayed_userinfo_stops_once_the_key_is_revoked_elsewhere(served) -> None:
    import govlearn

    url, state = served
    key = _new_key(url, "relying-party")
    client = govlearn.Client(url, key)
    try:
        portal = client.identity.register_client("Cache portal")
        tokens = client.identity.login(portal, "9038952310", otp="111111")
        assert client.identity.userinfo(tokens)
        assert client.identity.userinfo(tokens), "the second answer is replayed"
        _revoke_elsewhere(state, "relying-party")
        time.sleep(0.1)
        # Replaying from memory still starts the key's re-check, which finds
        # the revocation long before the cached answer's own 30 s run out.
        deadline = time.monotonic() + 3
        refused = False
        while time.monotonic() < deadline and not refused:
            try:
                client.identity.userinfo(tokens)
            except govlearn.AuthenticationError:
                refused = True
            time.sleep(0.05)
        assert refused
    finally:
        client.close()
