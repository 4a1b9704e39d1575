"""Learner keys, admin routes, isolation plumbing, rate limits and body limits."""

from __future__ import annotations

import httpx
import pytest

import govlearn
from govlearn.sandbox.workspaces.keys import hash_key


def test_admin_creates_learner_and_key_works(sandbox) -> None:
    client = sandbox.learner("amina")
    assert client.whoami() == {"learnerId": "amina", "name": "amina"}


def test_keys_are_stored_hashed(sandbox) -> None:
    from sqlalchemy import create_engine, text

    from govlearn.sandbox.db import normalise_url

    key = sandbox.new_key("hashed")
    engine = create_engine(normalise_url(sandbox.database_url))
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT key_hash FROM learners WHERE id = 'hashed'")
        ).scalar_one()
    engine.dispose()
    assert stored == hash_key(key)
    assert key not in stored


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_admin_key"),
        ({"X-GovLearn-Admin-Key": "wrong"}, 403, "invalid_admin_key"),
    ],
)
def test_admin_routes_need_the_admin_key(sqlite_sandbox, headers, status, code) -> None:
    response = httpx.get(f"{sqlite_sandbox.url}/admin/learners", headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == code


def test_learner_key_cannot_use_admin_routes(sqlite_sandbox) -> None:
    key = sqlite_sandbox.new_key("sneaky")
    response = httpx.get(
        f"{sqlite_sandbox.url}/admin/learners",
        headers={"X-GovLearn-Admin-Key": key, "X-GovLearn-Key": key},
    )
    assert response.status_code == 403


def test_missing_and_unknown_learner_keys(sqlite_sandbox) -> None:
    missing = httpx.get(f"{sqlite_sandbox.url}/workspace")
    unknown = httpx.get(
        f"{sqlite_sandbox.url}/workspace", headers={"X-GovLearn-Key": "nope"}
    )
    assert (missing.status_code, missing.json()["error"]) == (
        401,
        "missing_learner_key",
    )
    assert (unknown.status_code, unknown.json()["error"]) == (
        401,
        "unknown_learner_key",
    )


def test_client_maps_bad_key_to_authentication_error(sqlite_sandbox) -> None:
    client = govlearn.Client(sqlite_sandbox.url, "glk_not-a-key")
    with pytest.raises(govlearn.AuthenticationError, match="learner key"):
        client.whoami()


def test_revoked_key_stops_working(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("leaver")
    assert client.whoami()["learnerId"] == "leaver"
    admin = sqlite_sandbox.admin()
    assert admin.delete("/admin/learners/leaver").status_code == 204
    with pytest.raises(govlearn.AuthenticationError):
        client.whoami()


def test_duplicate_learner_is_a_conflict_and_rotate_issues_new_key(
    sqlite_sandbox,
) -> None:
    first = sqlite_sandbox.new_key("twice")
    admin = sqlite_sandbox.admin()
    again = admin.post("/admin/learners", json={"learnerId": "twice"})
    assert again.status_code == 409
    rotated = admin.post("/admin/learners", json={"learnerId": "twice", "rotate": True})
    assert rotated.status_code == 201
    assert rotated.json()["key"] != first
    with pytest.raises(govlearn.AuthenticationError):
        govlearn.Client(sqlite_sandbox.url, first).whoami()


@pytest.mark.parametrize("learner_id", ["", "a b", "x" * 65, "../etc", "é"])
def test_invalid_learner_ids_are_refused(sqlite_sandbox, learner_id) -> None:
    response = sqlite_sandbox.admin().post(
        "/admin/learners", json={"learnerId": learner_id}
    )
    assert response.status_code == 400, response.text


def test_malformed_json_is_a_clear_400(sqlite_sandbox) -> None:
    response = sqlite_sandbox.admin().post(
        "/admin/learners",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_oversized_body_is_refused_with_413(sqlite_sandbox) -> None:
    response = sqlite_sandbox.admin().post(
        "/admin/learners",
        content=b"x" * 2_000_000,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_oversized_chunked_body_is_refused(sqlite_sandbox) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 65536

    response = sqlite_sandbox.admin().post(
        "/admin/learners",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_rate_limit_answers_429_with_retry_after(tmp_path) -> None:
    from tests.conftest import start_sandbox

    running = start_sandbox(
        f"sqlite:///{tmp_path / 's.db'}", rate_limit=1.0, rate_burst=3
    )
    try:
        client = running.learner("busy")
        statuses = [client.http.get("/workspace") for _ in range(6)]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited, [r.status_code for r in statuses]
        assert int(limited[0].headers["Retry-After"]) >= 1
        with pytest.raises(govlearn.RateLimited) as info:
            client.whoami()
        assert info.value.retry_after >= 1
    finally:
        running.close()


def test_correlation_id_is_echoed_or_generated(sqlite_sandbox) -> None:
    given = httpx.get(
        f"{sqlite_sandbox.url}/health", headers={"X-Correlation-ID": "abc-123"}
    )
    fresh = httpx.get(f"{sqlite_sandbox.url}/health")
    assert given.headers["X-Correlation-ID"] == "abc-123"
    assert len(fresh.headers["X-Correlation-ID"]) == 32


def test_unknown_route_is_a_404_not_a_500(sqlite_sandbox) -> None:
    response = httpx.get(f"{sqlite_sandbox.url}/no/such/route")
    assert response.status_code == 404


def test_reset_of_unknown_learner_is_404(sqlite_sandbox) -> None:
    response = sqlite_sandbox.admin().post("/admin/learners/ghost/reset")
    assert response.status_code == 404


def test_a_mediated_call_counts_once_against_the_rate_limit(tmp_path) -> None:
    from tests.conftest import start_sandbox

    running = start_sandbox(
        f"sqlite:///{tmp_path / 's.db'}", rate_limit=0.01, rate_burst=6
    )
    try:
        client = running.learner("relay")
        statuses = [
            client.http.get(
                "/r1/SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator/api/v1/data/bpkg/1.0",
                headers={"X-Road-Client": "SANDBOX/ORG/CLIENT/TEST"},
            ).status_code
            for _ in range(7)
        ]
        # Six tokens: six mediated calls pass (the emulator hop is free), the 7th waits.
        assert statuses == [200] * 6 + [429], statuses
    finally:
        running.close()


def test_a_nul_character_is_refused_alike_on_both_databases(sandbox) -> None:
    from tests.identity.helpers import snapshot_tables

    before = snapshot_tables(sandbox.database_url)
    response = sandbox.admin().post(
        "/admin/learners", json={"learnerId": "nul", "name": "Nu\u0000l"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert "NUL character" in response.json()["message"]
    assert snapshot_tables(sandbox.database_url) == before
