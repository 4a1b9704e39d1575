"""Discovery and JWKS: public, with a real RSA key stored in the database."""

from __future__ import annotations

import httpx
import jwt

from tests.conftest import start_sandbox

from .helpers import snapshot_tables


def test_discovery_and_jwks_need_no_learner_key(sandbox):
    config = httpx.get(f"{sandbox.url}/.well-known/openid-configuration").json()
    assert config["issuer"] == sandbox.url
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint"):
        assert config[name].startswith(sandbox.url)
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "subject_types_supported" in config
    keys = httpx.get(config["jwks_uri"]).json()["keys"]
    assert len(keys) == 1
    (key,) = keys
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    assert jwt.PyJWK(key).key.key_size == 2048
    assert key["x5c"] and key["x5t#S256"] and "d" not in key
    stored = snapshot_tables(sandbox.database_url)["identity_signing_keys"]
    assert [row[1] for row in stored] == [key["kid"]]


def test_issuer_is_the_configured_public_url(tmp_path):
    running = start_sandbox(
        f"sqlite:///{tmp_path / 'public.db'}", public_url="https://id.sandbox.example/"
    )
    try:
        config = httpx.get(f"{running.url}/.well-known/openid-configuration").json()
        assert config["issuer"] == "https://id.sandbox.example"
        assert config["token_endpoint"] == "https://id.sandbox.example/oauth/token"
        learner = running.learner("pub")
        rp = learner.identity.register_client("Behind a proxy")
        tokens = learner.identity.login(rp, "2405176278")
        assert tokens.id_claims["iss"] == "https://id.sandbox.example"
    finally:
        running.close()
