"""The OTP login end to end over real HTTP, and every way it can be refused."""

from __future__ import annotations

import secrets

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from govlearn import AuthenticationError, IdentityError, TokenError
from govlearn.identity import Tokens

from .helpers import assertion, fresh_code, run_sql, snapshot_tables, token_form

DEMO_VID = "9038952310"


def _jwks_keys(url: str) -> dict[str, object]:
    keys = httpx.get(f"{url}/.well-known/jwks.json").json()["keys"]
    return {key["kid"]: jwt.PyJWK(key).key for key in keys}


def test_full_otp_flow_with_signatures_checked_against_jwks(sandbox, alice, rp):
    identity = alice.identity
    config = identity.discover()
    transaction = identity.start_login(rp, nonce="n-123", state="s-9")
    sent = identity.send_otp(transaction, DEMO_VID)
    assert sent["transactionId"] == transaction
    assert sent["maskedEmail"].endswith("@synthetic.example")
    identity.authenticate(transaction, DEMO_VID, "111111")
    code = identity.authorize_code(transaction)
    tokens = identity.exchange_code(rp, code)

    assert tokens.token_type == "Bearer" and tokens.expires_in == 3600
    keys = _jwks_keys(sandbox.url)
    header = jwt.get_unverified_header(tokens.id_token)
    assert header["alg"] == "RS256" and header["kid"] in keys
    id_claims = jwt.decode(
        tokens.id_token,
        keys[header["kid"]],
        algorithms=["RS256"],
        audience=rp.client_id,
        issuer=config["issuer"],
    )
    for claim in ("iss", "sub", "aud", "exp", "iat", "auth_time", "acr", "at_hash"):
        assert claim in id_claims
    assert id_claims["nonce"] == "n-123"
    assert id_claims["acr"] == "idbb:acr:generated-code"
    assert id_claims == tokens.id_claims
    access = jwt.decode(
        tokens.access_token,
        keys[jwt.get_unverified_header(tokens.access_token)["kid"]],
        algorithms=["RS256"],
        audience=rp.client_id,
    )
    assert access["sub"] == id_claims["sub"]

    response = alice.http.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jwt")
    info = jwt.decode(
        response.text, keys[header["kid"]], algorithms=["RS256"], audience=rp.client_id
    )
    assert info["sub"] == id_claims["sub"]
    assert info["name"] == "Amara Okonkwo"
    assert info["email"] == "amara.okonkwo@synthetic.example"
    assert (
        identity.userinfo(tokens)
        == info
        | {
            "iat": info["iat"],
            "exp": info["exp"],
        }
        or identity.userinfo(tokens)["sub"] == info["sub"]
    )


def test_payment_officer_and_consent_limits_the_claims(alice, rp):
    tokens = alice.identity.login(rp, "2405176278", accepted_claims=["name"])
    info = alice.identity.userinfo(tokens.access_token)
    assert info["name"] == "Tomas Varga"
    assert "email" not in info and "birthdate" not in info


def test_openid_scope_alone_releases_no_claims(alice, rp):
    tokens = alice.identity.login(rp, DEMO_VID, scope="openid")
    info = alice.identity.userinfo(tokens)
    assert set(info) == {"iss", "sub", "aud", "iat", "exp"}


def test_psut_is_stable_per_relying_party_and_differs_across_them(alice, rp):
    other = alice.identity.register_client("Another agency")
    first = alice.identity.login(rp, DEMO_VID).id_claims["sub"]
    again = alice.identity.login(rp, DEMO_VID).id_claims["sub"]
    elsewhere = alice.identity.login(other, DEMO_VID).id_claims["sub"]
    someone_else = alice.identity.login(rp, "2405176278").id_claims["sub"]
    assert first == again
    assert first != elsewhere
    assert first != someone_else
    assert DEMO_VID not in first


def test_wrong_otp_then_lock_after_three_attempts(sandbox, alice, rp):
    identity = alice.identity
    transaction = identity.start_login(rp)
    identity.send_otp(transaction, DEMO_VID)
    for left in (2, 1, 0):
        with pytest.raises(IdentityError) as caught:
            identity.authenticate(transaction, DEMO_VID, "000000")
        assert caught.value.code == "auth_failed"
        assert caught.value.status_code == 200
        if left:
            assert f"{left} attempt(s) left" in str(caught.value)
    with pytest.raises(IdentityError) as locked:
        identity.authenticate(transaction, DEMO_VID, "111111")
    assert locked.value.code == "invalid_transaction"
    assert "locked" in str(locked.value)
    with pytest.raises(IdentityError):
        identity.send_otp(transaction, DEMO_VID)
    rows = snapshot_tables(sandbox.database_url)["identity_login_transactions"]
    assert any("locked" in row for row in rows)
    # A fresh transaction works: the lock is per login, not per person.
    assert identity.login(rp, DEMO_VID).id_claims["sub"]


def test_steps_out_of_order_and_unknown_ids_are_refused(alice, rp):
    identity = alice.identity
    transaction = identity.start_login(rp)
    with pytest.raises(IdentityError) as early:
        identity.authenticate(transaction, DEMO_VID, "111111")
    assert early.value.code == "invalid_transaction"
    with pytest.raises(IdentityError) as unknown_person:
        identity.send_otp(transaction, "0000000000")
    assert unknown_person.value.code == "invalid_identifier"
    with pytest.raises(IdentityError) as unknown_tx:
        identity.send_otp("no-such-transaction", DEMO_VID)
    assert unknown_tx.value.code == "invalid_transaction"
    with pytest.raises(IdentityError) as no_code:
        identity.authorize_code(transaction)
    assert no_code.value.code == "invalid_transaction"


def test_code_is_one_time(sandbox, alice, rp):
    code = fresh_code(alice, rp)
    alice.identity.exchange_code(rp, code)
    before = snapshot_tables(sandbox.database_url)
    with pytest.raises(TokenError) as replay:
        alice.identity.exchange_code(rp, code)
    assert replay.value.code == "invalid_transaction"
    assert replay.value.status_code == 400
    assert snapshot_tables(sandbox.database_url) == before


def test_expired_code_is_refused(sandbox, alice, rp):
    code = fresh_code(alice, rp)
    run_sql(
        sandbox.database_url,
        "UPDATE identity_auth_codes SET expires_at = :past",
        past="2000-01-01 00:00:00+00:00",
    )
    with pytest.raises(TokenError) as expired:
        alice.identity.exchange_code(rp, code)
    assert expired.value.code == "invalid_transaction"


def _post_token(client, form):  # type: ignore[no-untyped-def]
    return client.http.post("/oauth/token", data=form)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        pytest.param({"key": "other"}, "invalid_assertion", id="forged-wrong-key"),
        pytest.param({"aud": "https://elsewhere/token"}, "invalid_assertion", id="aud"),
        pytest.param({"lifetime": -120}, "invalid_assertion", id="expired"),
        pytest.param({"lifetime": 7200}, "invalid_assertion", id="too-long"),
        pytest.param({"lifetime": 10**13}, "invalid_assertion", id="far-future"),
        pytest.param({"iss": "someone-else"}, "invalid_assertion", id="iss"),
        pytest.param({"sub": "someone-else"}, "invalid_assertion", id="sub"),
    ],
)
def test_bad_client_assertions_leave_the_code_usable(shared_sandbox, change, code):
    sandbox = shared_sandbox
    alice = sandbox.learner(f"a-{secrets.token_hex(4)}")
    rp = alice.identity.register_client("Assertions")
    token_url = alice.identity.discover()["token_endpoint"]
    good_code = fresh_code(alice, rp)
    change = dict(change)
    if change.get("key") == "other":
        change = {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    audience = change.pop("aud", token_url)
    before = snapshot_tables(sandbox.database_url)
    response = _post_token(
        alice, token_form(rp, good_code, assertion(rp, audience, **change))
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == code and body["error_description"]
    assert snapshot_tables(sandbox.database_url) == before
    # The refused request did not use up the code.
    assert alice.identity.exchange_code(rp, good_code).access_token


def test_replayed_assertion_jti_is_refused(alice, rp):
    token_url = alice.identity.discover()["token_endpoint"]
    signed = assertion(rp, token_url, jti="jti-once")
    first = _post_token(alice, token_form(rp, fresh_code(alice, rp), signed))
    assert first.status_code == 200, first.text
    second = _post_token(alice, token_form(rp, fresh_code(alice, rp), signed))
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_assertion"
    assert "already used" in second.json()["error_description"]


def test_token_request_form_errors(alice, rp):
    token_url = alice.identity.discover()["token_endpoint"]
    code = fresh_code(alice, rp)
    good = token_form(rp, code, assertion(rp, token_url))
    cases = [
        ({**good, "grant_type": "password"}, "unsupported_grant_type"),
        ({**good, "client_assertion_type": "x"}, "invalid_assertion_type"),
        ({**good, "redirect_uri": "https://rp.example/other"}, "invalid_redirect_uri"),
        ({**good, "client_id": "nobody"}, "invalid_client"),
        ({**good, "code": "made-up"}, "invalid_transaction"),
        ({**good, "client_assertion": "not.a.jwt"}, "invalid_assertion"),
    ]
    for form, error in cases:
        if form["client_assertion"] == good["client_assertion"]:
            form = {**form, "client_assertion": assertion(rp, token_url)}
        response = _post_token(alice, form)
        assert response.status_code == 400, (error, response.text)
        assert response.json()["error"] == error
    as_json = alice.http.post("/oauth/token", json=good)
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"


def test_tampered_and_foreign_access_tokens_are_refused(sandbox, alice, rp):
    tokens = alice.identity.login(rp, DEMO_VID)
    head, payload, signature = tokens.access_token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(tokens.access_token, options={"verify_signature": False})
    self_signed = jwt.encode(
        claims, forged_key, algorithm="RS256", headers={"kid": head[:8]}
    )
    for bad in (f"{head}.{payload}.{flipped}", self_signed, "garbage"):
        response = alice.http.get(
            "/oidc/userinfo", headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["errorCode"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")
    with pytest.raises(TokenError):
        alice.identity.userinfo(f"{head}.{payload}.{flipped}")
    bob = sandbox.learner("bob")
    foreign = bob.http.get(
        "/oidc/userinfo", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    assert foreign.status_code == 401
    with pytest.raises(TokenError):
        alice.identity.verify(tokens.id_token, audience="someone-else")


def test_missing_and_unknown_learner_keys(sandbox, rp):
    before = snapshot_tables(sandbox.database_url)
    for headers in ({}, {"X-GovLearn-Key": "glk_not-a-real-key"}):
        response = httpx.post(
            f"{sandbox.url}/authorization/oauth-details",
            json={"requestTime": "t", "request": {}},
            headers=headers,
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["errorCode"].endswith("learner_key")
        token = httpx.post(f"{sandbox.url}/oauth/token", data={}, headers=headers)
        assert token.status_code == 401
        assert token.json()["error"].endswith("learner_key")
    import govlearn

    stranger = govlearn.Client(sandbox.url, "glk_wrong")
    with pytest.raises(AuthenticationError):
        stranger.identity.start_login(rp)
    stranger.close()
    assert snapshot_tables(sandbox.database_url) == before


def test_login_result_types(alice, rp):
    tokens = alice.identity.login(rp, DEMO_VID)
    assert isinstance(tokens, Tokens)
    assert "eyJ" not in repr(tokens)
    assert "PRIVATE" not in repr(rp) and "'****'" in repr(rp)
