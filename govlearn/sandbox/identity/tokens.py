"""The token endpoint and userinfo.

``/oauth/token`` checks the client assertion (``private_key_jwt``) before it
touches the authorization code, so a forged or replayed assertion never uses
up a good code. Refusals are OAuth errors (HTTP 400, ``{error,
error_description}``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import SandboxError
from .claims import claim_values
from .clients import find_client
from .envelope import IdentityFailure, aware
from .keys import ProviderKey, at_hash, psut
from .login import hash_code
from .models import AccessToken, AuthCode, OidcClient, Person, UsedAssertion

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "ASSERTION_TYPE",
    "OAuthError",
    "TokenRequest",
    "exchange_code",
    "userinfo_claims",
]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = dt.timedelta(hours=1)
MAX_ASSERTION_LIFETIME = dt.timedelta(hours=1)
LEEWAY = 10


class OAuthError(SandboxError):
    """An OAuth 2.0 error of the token endpoint (HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, code, message)


@dataclass(frozen=True)
class TokenRequest:
    """The form fields of a token request."""

    grant_type: str
    code: str
    client_id: str
    client_assertion_type: str
    client_assertion: str
    redirect_uri: str


def _client(session: Session, workspace_id: str, client_id: str) -> OidcClient:
    try:
        client = find_client(session, workspace_id, client_id)
    except IdentityFailure as exc:
        raise OAuthError("invalid_client", exc.message) from None
    if client.status != "active":
        raise OAuthError("invalid_client", f"Client {client_id!r} is inactive.")
    return client


def _check_assertion(
    session: Session,
    workspace_id: str,
    client: OidcClient,
    assertion: str,
    audiences: list[str],
) -> None:
    try:
        key = jwt.PyJWK(client.public_key, algorithm="RS256").key
        claims = jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            audience=audiences,
            issuer=client.client_id,
            leeway=LEEWAY,
            options={"require": ["exp", "iss", "sub", "aud", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise OAuthError(
            "invalid_assertion",
            "The client_assertion has expired. Sign a fresh one just before "
            "calling the token endpoint.",
        ) from None
    except jwt.InvalidAudienceError:
        raise OAuthError(
            "invalid_assertion",
            f"The client_assertion's aud must be the token endpoint, {audiences[0]}.",
        ) from None
    except jwt.InvalidIssuerError:
        raise OAuthError(
            "invalid_assertion", "The client_assertion's iss must be the client_id."
        ) from None
    except jwt.PyJWTError as exc:
        raise OAuthError(
            "invalid_assertion",
            "The client_assertion could not be verified with the client's "
            f"registered public key ({exc}). Sign it with the matching private "
            "key, using RS256.",
        ) from None
    if claims.get("sub") != client.client_id:
        raise OAuthError(
            "invalid_assertion", "The client_assertion's sub must be the client_id."
        )
    lifetime = float(claims["exp"]) - utcnow().timestamp()
    if lifetime > MAX_ASSERTION_LIFETIME.total_seconds():
        raise OAuthError(
            "invalid_assertion",
            "The client_assertion must expire within one hour of now.",
        )
    jti = str(claims["jti"])[:200]
    session.add(
        UsedAssertion(
            workspace_id=workspace_id,
            client_id=client.client_id,
            jti=jti,
            expires_at=utcnow() + dt.timedelta(seconds=lifetime),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise OAuthError(
            "invalid_assertion",
            "This client_assertion (its jti) was already used. Sign a new "
            "assertion, with a fresh jti, for every token request.",
        ) from None


def _consume_code(session: Session, workspace_id: str, form: TokenRequest) -> AuthCode:
    found = session.get(AuthCode, hash_code(form.code))
    invalid = OAuthError(
        "invalid_transaction",
        "The authorization code is unknown, already used or expired. Codes "
        "work once, for two minutes: log in again for a new one.",
    )
    if found is None or found.workspace_id != workspace_id:
        raise invalid
    if found.client_id != form.client_id:
        raise OAuthError(
            "invalid_transaction", "This code was issued to another client."
        )
    if found.redirect_uri != form.redirect_uri:
        raise OAuthError(
            "invalid_redirect_uri",
            "redirect_uri must be the same as in the authorization request.",
        )
    if found.used_at is not None or aware(found.expires_at) < utcnow():
        raise invalid
    used = session.execute(
        update(AuthCode)
        .where(AuthCode.code_hash == found.code_hash, AuthCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(used, "rowcount", 0) != 1:
        raise invalid
    return found


def exchange_code(
    session: Session,
    workspace_id: str,
    form: TokenRequest,
    key: ProviderKey,
    issuer: str,
) -> dict[str, Any]:
    """Verify a token request and issue the ID token and access token."""
    if form.grant_type != "authorization_code":
        raise OAuthError(
            "unsupported_grant_type", "grant_type must be 'authorization_code'."
        )
    if form.client_assertion_type != ASSERTION_TYPE:
        raise OAuthError(
            "invalid_assertion_type", f"client_assertion_type must be {ASSERTION_TYPE}."
        )
    for name in ("code", "client_id", "client_assertion", "redirect_uri"):
        if not getattr(form, name):
            raise OAuthError("invalid_request", f"The form field {name} is missing.")
    client = _client(session, workspace_id, form.client_id)
    token_endpoint = f"{issuer}/oauth/token"
    _check_assertion(
        session, workspace_id, client, form.client_assertion, [token_endpoint, issuer]
    )
    grant = _consume_code(session, workspace_id, form)
    person = session.get(Person, grant.person_id)
    if person is None:
        raise OAuthError(
            "invalid_transaction", "The person of this code is no longer enrolled."
        )
    now = utcnow()
    subject = psut(key, workspace_id, client.relying_party_id, person.uin)
    jti = secrets.token_urlsafe(24)
    expires = now + ACCESS_TOKEN_LIFETIME
    issued_at = int(now.timestamp())
    access_token = key.sign(
        {
            "iss": issuer,
            "sub": subject,
            "aud": client.client_id,
            "client_id": client.client_id,
            "scope": " ".join(grant.scopes),
            "iat": issued_at,
            "exp": int(expires.timestamp()),
            "jti": jti,
        },
        typ="at+jwt",
    )
    id_claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": client.client_id,
        "iat": issued_at,
        "exp": int(expires.timestamp()),
        "auth_time": int(aware(grant.auth_time).timestamp()),
        "acr": grant.acr,
        "at_hash": at_hash(access_token),
    }
    if grant.nonce:
        id_claims["nonce"] = grant.nonce
    session.add(
        AccessToken(
            jti=jti,
            workspace_id=workspace_id,
            client_id=client.client_id,
            person_id=person.id,
            subject=subject,
            scopes=grant.scopes,
            accepted_claims=grant.accepted_claims,
            expires_at=expires,
            created_at=now,
        )
    )
    return {
        "id_token": key.sign(id_claims),
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def _unauthorized(message: str) -> SandboxError:
    return SandboxError(401, "invalid_token", message)


def userinfo_claims(
    session: Session,
    workspace_id: str,
    authorization: str | None,
    key: ProviderKey,
    issuer: str,
) -> dict[str, Any]:
    """The consented claims for the access token in ``authorization``."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "Send the access token as 'Authorization: Bearer <access_token>'."
        )
    try:
        claims = key.verify(
            token.strip(),
            issuer=issuer,
            leeway=LEEWAY,
            options={"verify_aud": False, "require": ["exp", "jti", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("The access token has expired. Log in again.") from None
    except jwt.PyJWTError:
        raise _unauthorized(
            "The access token is not valid: it was not signed by this identity "
            "provider, or it was changed. Use the token from /oauth/token."
        ) from None
    record = session.get(AccessToken, str(claims["jti"]))
    if (
        record is None
        or record.workspace_id != workspace_id
        or record.revoked_at is not None
        or record.client_id != claims["aud"]
        or record.subject != claims["sub"]
    ):
        raise _unauthorized(
            "This access token is not known in your workspace. Log in again."
        )
    person = session.get(Person, record.person_id)
    if person is None:
        raise _unauthorized("The person of this token is no longer enrolled.")
    now = int(utcnow().timestamp())
    return {
        "iss": issuer,
        "sub": record.subject,
        "aud": record.client_id,
        "iat": now,
        "exp": now + 300,
        **claim_values(person, record.accepted_claims),
    }
