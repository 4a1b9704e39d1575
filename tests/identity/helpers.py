"""Helpers for the Identity tests: table snapshots, hand-made client assertions."""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from sqlalchemy import create_engine, text

from govlearn.identity import ASSERTION_TYPE, RelyingParty
from govlearn.sandbox.db import normalise_url

IDENTITY_TABLES = (
    "identity_people",
    "identity_oidc_clients",
    "identity_login_transactions",
    "identity_auth_codes",
    "identity_used_assertions",
    "identity_access_tokens",
    "identity_signing_keys",
)


def snapshot_tables(database_url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every Identity table, as sorted tuples of text."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return {
                table: sorted(
                    tuple(str(value) for value in row)
                    for row in connection.execute(text(f"SELECT * FROM {table}"))
                )
                for table in IDENTITY_TABLES
            }
    finally:
        engine.dispose()


def run_sql(database_url: str, statement: str, **params: Any) -> None:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def assertion(
    rp: RelyingParty,
    audience: str,
    *,
    key: Any = None,
    lifetime: int = 60,
    jti: str | None = None,
    **overrides: Any,
) -> str:
    """A client assertion with the given changes, for negative tests."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti or secrets.token_urlsafe(12),
    }
    claims.update(overrides)
    return jwt.encode(claims, key or rp.private_key, algorithm="RS256")


def token_form(rp: RelyingParty, code: str, client_assertion: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": rp.client_id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion,
        "redirect_uri": rp.redirect_uri,
    }


def fresh_code(client, rp: RelyingParty, vid: str = "9038952310") -> str:  # type: ignore[no-untyped-def]
    """Run the login up to the authorization code."""
    identity = client.identity
    transaction = identity.start_login(rp)
    identity.send_otp(transaction, vid)
    identity.authenticate(transaction, vid, "111111")
    return str(identity.authorize_code(transaction))
