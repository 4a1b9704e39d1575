"""Malformed, mistyped and oversized requests get the Identity error shapes."""

from __future__ import annotations

import pytest

from .helpers import snapshot_tables

ENVELOPE_PATHS = [
    "/client-mgmt/oidc-client",
    "/authorization/oauth-details",
    "/authorization/send-otp",
    "/authorization/authenticate",
    "/authorization/auth-code",
    "/verification/yes-no",
]


@pytest.mark.parametrize("path", ENVELOPE_PATHS)
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="malformed"),
        pytest.param(b'{"requestTime": 5, "request": []}', id="wrong-types"),
        pytest.param(b"[]", id="array"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="deeply-nested"),
    ],
)
def test_bad_bodies_are_invalid_request_in_the_envelope(
    shared_sqlite, shared_learner, path, content
):
    client = shared_learner
    before = snapshot_tables(shared_sqlite.database_url)
    response = client.http.post(
        path, content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"] is None
    assert body["errors"][0]["errorCode"] == "invalid_request"
    assert snapshot_tables(shared_sqlite.database_url) == before


def test_enrollment_bad_body_uses_its_own_envelope(sqlite_sandbox):
    client = sqlite_sandbox.learner("bad")
    response = client.http.put(
        "/enrollment", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["errorCode"] == "invalid_request" and error["message"]


def test_oversized_bodies_get_413_in_each_shape(sqlite_sandbox):
    client = sqlite_sandbox.learner("big")
    huge = b"x" * 1_100_000
    envelope = client.http.post(
        "/client-mgmt/oidc-client",
        content=huge,
        headers={"Content-Type": "application/json"},
    )
    assert envelope.status_code == 413
    assert envelope.json()["errors"][0]["errorCode"] == "payload_too_large"
    token = client.http.post(
        "/oauth/token",
        content=huge,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert token.status_code == 413
    assert token.json()["error"] == "payload_too_large"


def test_unknown_paths_and_methods_keep_their_status(sqlite_sandbox):
    client = sqlite_sandbox.learner("lost")
    missing = client.http.post("/authorization/no-such-step", json={})
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["errorCode"] == "not_found"
    wrong_method = client.http.get("/authorization/send-otp")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"][0]["errorCode"] == "method_not_allowed"
    token_get = client.http.get("/oauth/token")
    assert token_get.status_code == 405
    assert token_get.json()["error"] == "method_not_allowed"


def test_authorize_answers_json_or_html(sqlite_sandbox):
    client = sqlite_sandbox.learner("web")
    rp = client.identity.register_client("Browser app")
    params = {
        "scope": "openid profile",
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "state": "xyz",
        "claims": '{"userinfo": {"name": {"essential": true}}}',
    }
    as_json = client.http.get("/authorize", params=params)
    assert as_json.status_code == 200
    details = as_json.json()["response"]
    assert details["essentialClaims"] == ["name"]
    assert "birthdate" in details["voluntaryClaims"]
    transaction = details["transactionId"]
    client.identity.send_otp(transaction, "9038952310")
    client.identity.authenticate(transaction, "9038952310", "111111")
    code = client.identity.authorize_code(transaction)
    assert client.identity.exchange_code(rp, code).id_claims["aud"] == rp.client_id

    page = client.http.get("/authorize", params=params, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Browser app" in page.text
    for change, code in (
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_redirect_uri"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"response_type": "token"}, "invalid_response_type"),
        ({"claims": "{not json"}, "invalid_request"),
        ({"client_id": "nobody"}, "invalid_client_id"),
    ):
        refused = client.http.get("/authorize", params={**params, **change})
        assert refused.json()["errors"][0]["errorCode"] == code
    missing = client.http.get("/authorize", params={"scope": "openid"})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["errorCode"] == "invalid_request"


def test_deeply_nested_text_inside_fields_is_refused_cleanly(sqlite_sandbox):
    client = sqlite_sandbox.learner("deep")
    nested = "[" * 1990 + "]" * 1990
    enrollment = client.http.put(
        "/enrollment",
        json={
            "requesttime": "t",
            "request": {"fields": {"fullName": nested, "dateOfBirth": "1990/01/01"}},
        },
    )
    assert enrollment.status_code == 200
    assert enrollment.json()["errors"][0]["errorCode"] == "invalid_input"
    rp = client.identity.register_client("Deep")
    authorize = client.http.get(
        "/authorize",
        params={
            "scope": "openid",
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "claims": nested,
        },
    )
    assert authorize.json()["errors"][0]["errorCode"] == "invalid_request"


def test_rate_limit_answers_429_in_the_identity_shapes(tmp_path):
    from tests.conftest import start_sandbox

    running = start_sandbox(
        f"sqlite:///{tmp_path / 'limited.db'}", rate_limit=0.01, rate_burst=3
    )
    try:
        client = running.learner("busy")
        statuses = [
            client.http.post("/verification/yes-no", json={}).status_code
            for _ in range(5)
        ]
        assert statuses[-1] == 429
        limited = client.http.post("/authorization/send-otp", json={})
        assert limited.status_code == 429 and limited.headers["Retry-After"]
        assert limited.json()["errors"][0]["errorCode"] == "rate_limited"
        token = client.http.post("/oauth/token", data={})
        assert token.status_code == 429 and token.json()["error"] == "rate_limited"
    finally:
        running.close()
