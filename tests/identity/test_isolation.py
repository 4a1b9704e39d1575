"""Two learners: neither can see or use what the other created."""

from __future__ import annotations

import pytest

from govlearn import IdentityError, TokenError

from .helpers import assertion, token_form


def test_learners_cannot_see_or_use_each_others_records(sandbox):
    alice, bob = sandbox.learner("alice"), sandbox.learner("bob")
    rp = alice.identity.register_client("Alice's app")
    enrolled = alice.identity.enroll("Dee Example", birthdate="1999-09-09")

    # Bob can register the same client id in his own workspace.
    clash = bob.http.post(
        "/client-mgmt/oidc-client",
        json={
            "requestTime": "t",
            "request": {
                "clientId": rp.client_id,
                "clientName": "Bob's copy",
                "relyingPartyId": "bob",
                "redirectUris": [rp.redirect_uri],
                "publicKey": rp.public_jwk,
            },
        },
    ).json()
    assert clash["errors"] == []

    # Bob switching "his" client off leaves Alice's client alone.
    off = bob.http.put(
        f"/client-mgmt/oidc-client/{rp.client_id}",
        json={"requestTime": "t", "request": {"status": "inactive"}},
    ).json()
    assert off["response"]["status"] == "inactive"
    with pytest.raises(IdentityError) as inactive:
        bob.identity.start_login(rp)
    assert inactive.value.code == "invalid_client_id"

    # Alice's enrolled person does not exist for Bob.
    with pytest.raises(IdentityError) as unknown:
        bob.identity.verify_yes_no(enrolled.vid, "age_over", min_age=18)
    assert unknown.value.code == "invalid_identifier"

    # Alice's login transaction cannot be continued with Bob's key.
    transaction = alice.identity.start_login(rp)
    with pytest.raises(IdentityError) as foreign:
        bob.identity.send_otp(transaction, "9038952310")
    assert foreign.value.code == "invalid_transaction"

    # Alice's code cannot be exchanged with Bob's key, even by Alice's client.
    alice.identity.send_otp(transaction, "9038952310")
    alice.identity.authenticate(transaction, "9038952310", "111111")
    code = alice.identity.authorize_code(transaction)
    token_url = alice.identity.discover()["token_endpoint"]
    stolen = bob.http.post(
        "/oauth/token", data=token_form(rp, code, assertion(rp, token_url))
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] in (
        "invalid_client",
        "invalid_assertion",
        "invalid_transaction",
    )

    # Alice still completes her own login, and her access token is hers alone.
    tokens = alice.identity.exchange_code(rp, code)
    with pytest.raises(TokenError):
        bob.identity.userinfo(tokens.access_token)
    assert alice.identity.userinfo(tokens)["sub"] == tokens.id_claims["sub"]

    # The same demo person gets different subjects in the two workspaces.
    bob_rp = bob.identity.register_client("Bob's app")
    bob_sub = bob.identity.login(bob_rp, "9038952310").id_claims["sub"]
    assert bob_sub != tokens.id_claims["sub"]
