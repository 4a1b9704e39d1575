"""Relying-party (OIDC client) registration, checked the way the spec lists.

Each check answers with the spec's ``errorCode``: ``invalid_client_id``,
``duplicate_client_id``, ``invalid_public_key``, ``invalid_claim`` and so on.
Clients belong to the learner's workspace.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from .claims import ACR_VALUES, SUPPORTED_CLAIMS
from .envelope import IdentityFailure
from .models import OidcClient
from .schemas import ClientCreate, ClientUpdate

__all__ = ["create_client", "find_client", "update_client"]

_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_STATUSES = ("active", "inactive")


def find_client(session: Session, workspace_id: str, client_id: str) -> OidcClient:
    """The workspace's client ``client_id``, or ``invalid_client_id``."""
    found = session.scalars(
        select(OidcClient).where(
            OidcClient.workspace_id == workspace_id,
            OidcClient.client_id == client_id,
        )
    ).first()
    if found is None:
        raise IdentityFailure(
            "invalid_client_id",
            f"No client {client_id[:100]!r} is registered in your workspace. "
            "Register it with POST /client-mgmt/oidc-client first.",
        )
    return found


def _check_text(value: str | None, code: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise IdentityFailure(
            code, f"{what} must be 1-{limit} characters; got {len(text)}."
        )
    return text


def _check_uri(value: str, code: str, what: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.fragment
        or any(ch.isspace() for ch in value)
    ):
        raise IdentityFailure(
            code,
            f"{what} {value[:120]!r} is not an absolute http(s) URL without a "
            "fragment. Use one like https://rp.example/callback.",
        )
    return value


def _check_redirects(values: list[str]) -> list[str]:
    if not values:
        raise IdentityFailure(
            "invalid_redirect_uri", "Give at least one redirect URI in redirectUris."
        )
    return [_check_uri(v, "invalid_redirect_uri", "Redirect URI") for v in values]


def _check_members(
    values: list[str], allowed: tuple[str, ...], code: str, what: str
) -> list[str]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise IdentityFailure(
            code,
            f"Unsupported {what}: {', '.join(map(repr, unknown[:5]))}. "
            f"Choose from: {', '.join(allowed)}.",
        )
    return list(dict.fromkeys(values))


def _check_exact(values: list[str], allowed: str, code: str, what: str) -> list[str]:
    if not values or any(value != allowed for value in values):
        raise IdentityFailure(
            code, f"{what} must be [{allowed!r}]; this sandbox supports only that."
        )
    return [allowed]


def _check_public_key(jwk: dict[str, Any]) -> dict[str, Any]:
    problem = ""
    if jwk.get("kty") != "RSA":
        problem = "kty must be 'RSA'"
    elif not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        problem = "an RSA JWK needs the string members 'n' and 'e'"
    elif any(part in jwk for part in ("d", "p", "q", "dp", "dq", "qi")):
        problem = "it contains private parts; send only the public key"
    else:
        try:
            key = jwt.PyJWK(jwk, algorithm="RS256").key
        except Exception as exc:  # any unreadable key is the caller's mistake
            problem = f"it could not be read ({exc.__class__.__name__})"
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                problem = "it is not an RSA public key"
            elif key.key_size < 2048:
                problem = f"the key has {key.key_size} bits; use at least 2048"
    if problem:
        raise IdentityFailure(
            "invalid_public_key", f"The publicKey is not usable: {problem}."
        )
    keep = ("kty", "n", "e", "kid", "alg", "use")
    return {name: jwk[name] for name in keep if name in jwk}


def create_client(
    session: Session, workspace_id: str, body: ClientCreate
) -> OidcClient:
    """Validate and store a new client; raise :class:`IdentityFailure` if refused."""
    client_id = (body.clientId or "").strip()
    if not _CLIENT_ID.match(client_id):
        raise IdentityFailure(
            "invalid_client_id",
            "clientId must be 1-100 letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit.",
        )
    name = _check_text(body.clientName, "invalid_client_name", "clientName", 200)
    rp_id = _check_text(body.relyingPartyId, "invalid_rp_id", "relyingPartyId", 100)
    logo = _check_uri(body.logoUri, "invalid_uri", "logoUri") if body.logoUri else ""
    redirects = _check_redirects(body.redirectUris)
    acrs = _check_members(body.authContextRefs, ACR_VALUES, "invalid_acr", "ACR")
    claims = _check_members(body.userClaims, SUPPORTED_CLAIMS, "invalid_claim", "claim")
    grants = _check_exact(
        body.grantTypes, "authorization_code", "invalid_grant_type", "grantTypes"
    )
    methods = _check_exact(
        body.clientAuthMethods,
        "private_key_jwt",
        "invalid_client_auth",
        "clientAuthMethods",
    )
    public_key = _check_public_key(body.publicKey)
    client = OidcClient(
        workspace_id=workspace_id,
        client_id=client_id,
        client_name=name,
        relying_party_id=rp_id,
        logo_uri=logo,
        redirect_uris=redirects,
        auth_context_refs=acrs,
        user_claims=claims,
        grant_types=grants,
        client_auth_methods=methods,
        public_key=public_key,
        status="active",
    )
    duplicate = IdentityFailure(
        "duplicate_client_id",
        f"A client {client_id!r} is already registered in your workspace. "
        "Choose another clientId, or update it with PUT "
        f"/client-mgmt/oidc-client/{client_id}.",
    )
    exists = session.scalars(
        select(OidcClient.id).where(
            OidcClient.workspace_id == workspace_id,
            OidcClient.client_id == client_id,
        )
    ).first()
    if exists is not None:
        raise duplicate
    session.add(client)
    try:
        session.flush()
    except IntegrityError:
        raise duplicate from None
    return client


def update_client(
    session: Session, workspace_id: str, client_id: str, body: ClientUpdate
) -> OidcClient:
    """Change the given fields of a workspace's client."""
    client = find_client(session, workspace_id, client_id)
    changes: dict[str, Any] = {}
    if body.clientName is not None:
        changes["client_name"] = _check_text(
            body.clientName, "invalid_client_name", "clientName", 200
        )
    if body.status is not None:
        if body.status not in _STATUSES:
            raise IdentityFailure(
                "invalid_input", "status must be 'active' or 'inactive'."
            )
        changes["status"] = body.status
    if body.logoUri is not None:
        changes["logo_uri"] = (
            _check_uri(body.logoUri, "invalid_uri", "logoUri") if body.logoUri else ""
        )
    if body.redirectUris is not None:
        changes["redirect_uris"] = _check_redirects(body.redirectUris)
    if body.userClaims is not None:
        changes["user_claims"] = _check_members(
            body.userClaims, SUPPORTED_CLAIMS, "invalid_claim", "claim"
        )
    if body.authContextRefs is not None:
        changes["auth_context_refs"] = _check_members(
            body.authContextRefs, ACR_VALUES, "invalid_acr", "ACR"
        )
    if body.grantTypes is not None:
        changes["grant_types"] = _check_exact(
            body.grantTypes, "authorization_code", "invalid_grant_type", "grantTypes"
        )
    if body.clientAuthMethods is not None:
        changes["client_auth_methods"] = _check_exact(
            body.clientAuthMethods,
            "private_key_jwt",
            "invalid_client_auth",
            "clientAuthMethods",
        )
    for name, value in changes.items():
        setattr(client, name, value)
    client.updated_at = utcnow()
    return client
