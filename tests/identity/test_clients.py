"""Relying-party registration: the spec's envelope and error codes."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from govlearn import IdentityError
from govlearn.identity import _public_jwk

from .helpers import snapshot_tables

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = _public_jwk(KEY)


def _request(**changes: Any) -> dict[str, Any]:
    request = {
        "clientId": "health-portal",
        "clientName": "Health portal",
        "relyingPartyId": "ministry-of-health",
        "logoUri": "https://rp.example/logo.png",
        "redirectUris": ["https://rp.example/callback"],
        "authContextRefs": ["idbb:acr:generated-code"],
        "publicKey": JWK,
        "userClaims": ["name", "email"],
        "grantTypes": ["authorization_code"],
        "clientAuthMethods": ["private_key_jwt"],
    }
    request.update(changes)
    return {"requestTime": "2024-05-01T10:00:00.000Z", "request": request}


def test_register_answers_in_the_spec_envelope(sandbox):
    client = sandbox.learner("reg")
    response = client.http.post("/client-mgmt/oidc-client", json=_request())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] == []
    assert body["response"] == {"clientId": "health-portal", "status": "active"}
    assert body["responseTime"].endswith("Z")


small_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"clientId": ""}, "invalid_client_id"),
        ({"clientId": "has spaces"}, "invalid_client_id"),
        ({"clientName": " "}, "invalid_client_name"),
        ({"relyingPartyId": ""}, "invalid_rp_id"),
        ({"logoUri": "not a uri"}, "invalid_uri"),
        ({"redirectUris": []}, "invalid_redirect_uri"),
        ({"redirectUris": ["ftp://x/y"]}, "invalid_redirect_uri"),
        ({"redirectUris": ["https://rp.example/cb#frag"]}, "invalid_redirect_uri"),
        ({"authContextRefs": ["idbb:acr:magic"]}, "invalid_acr"),
        ({"userClaims": ["shoe_size"]}, "invalid_claim"),
        ({"grantTypes": ["implicit"]}, "invalid_grant_type"),
        ({"clientAuthMethods": ["client_secret_basic"]}, "invalid_client_auth"),
        ({"publicKey": {"kty": "EC", "crv": "P-256"}}, "invalid_public_key"),
        ({"publicKey": {"kty": "RSA", "n": "abc", "e": "AQAB"}}, "invalid_public_key"),
        ({"publicKey": {**JWK, "d": "secret"}}, "invalid_public_key"),
        ({"publicKey": _public_jwk(small_key)}, "invalid_public_key"),
        ({"publicKey": "not an object"}, "invalid_request"),
        ({"redirectUris": "https://rp.example/cb"}, "invalid_request"),
    ],
)
def test_registration_errors_use_the_spec_codes(
    shared_sqlite, shared_learner, changes, code
):
    client = shared_learner
    before = snapshot_tables(shared_sqlite.database_url)
    response = client.http.post("/client-mgmt/oidc-client", json=_request(**changes))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response"] is None
    assert body["errors"][0]["errorCode"] == code
    assert body["errors"][0]["errorMessage"]
    assert snapshot_tables(shared_sqlite.database_url) == before


def test_duplicate_client_id_keeps_the_first(sandbox):
    client = sandbox.learner("reg")
    assert (
        client.http.post("/client-mgmt/oidc-client", json=_request()).json()["errors"]
        == []
    )
    before = snapshot_tables(sandbox.database_url)
    again = client.http.post(
        "/client-mgmt/oidc-client", json=_request(clientName="Impostor")
    ).json()
    assert again["errors"][0]["errorCode"] == "duplicate_client_id"
    assert snapshot_tables(sandbox.database_url) == before


def test_update_client_and_inactive_client_cannot_log_in(sqlite_sandbox):
    learner = sqlite_sandbox.learner("upd")
    rp = learner.identity.register_client("Updatable")
    path = f"/client-mgmt/oidc-client/{rp.client_id}"
    body = {"requestTime": "t", "request": {"status": "inactive", "clientName": "New"}}
    answer = learner.http.put(path, json=body).json()
    assert answer["response"] == {"clientId": rp.client_id, "status": "inactive"}
    with pytest.raises(IdentityError) as refused:
        learner.identity.start_login(rp)
    assert refused.value.code == "invalid_client_id"
    body = {"requestTime": "t", "request": {"status": "active"}}
    assert learner.http.put(path, json=body).json()["errors"] == []
    assert learner.identity.login(rp, "9038952310").id_claims["aud"] == rp.client_id
    for request, code in (
        ({"status": "sleeping"}, "invalid_input"),
        ({"redirectUris": []}, "invalid_redirect_uri"),
        ({"userClaims": ["x"]}, "invalid_claim"),
    ):
        answer = learner.http.put(path, json={"requestTime": "t", "request": request})
        assert answer.json()["errors"][0]["errorCode"] == code
    unknown = learner.http.put(
        "/client-mgmt/oidc-client/nope", json={"requestTime": "t", "request": {}}
    ).json()
    assert unknown["errors"][0]["errorCode"] == "invalid_client_id"


def test_register_client_helper_generates_a_key(sqlite_sandbox):
    learner = sqlite_sandbox.learner("helper")
    rp = learner.identity.register_client("Key maker", claims=["name"])
    assert rp.public_jwk["kty"] == "RSA" and "d" not in rp.public_jwk
    assert rp.private_key.key_size == 2048
    own = learner.identity.register_client("Own key", key=KEY)
    assert own.public_jwk["n"] == JWK["n"]
    with pytest.raises(IdentityError) as refused:
        learner.identity.register_client("Bad", claims=["shoe_size"])
    assert refused.value.code == "invalid_claim"
    assert "Attempted to register the relying party 'Bad'" in str(refused.value)
