"""HTTP routes of the Identity building block (eSignet-style OIDC)."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..deps import CurrentLearner, DbSession, get_state
from . import clients, enrollment, login, tokens, verification
from .claims import ACR_VALUES, SCOPES, SUPPORTED_CLAIMS
from .envelope import IdentityFailure, envelope, timestamp
from .keys import ProviderKey, provider_key
from .schemas import (
    AuthCodeEnvelope,
    AuthenticateEnvelope,
    ClientCreateEnvelope,
    ClientUpdateEnvelope,
    EnrollmentEnvelope,
    OAuthDetails,
    OAuthDetailsEnvelope,
    SendOtpEnvelope,
    YesNoEnvelope,
)

__all__ = ["TAG", "issuer_of", "router"]

TAG = {
    "name": "Identity",
    "description": (
        "The Identity building block, eSignet style: OIDC discovery and JWKS, "
        "relying-party registration, a browserless OTP login (oauth-details, "
        "send-otp, authenticate, auth-code), the token endpoint with "
        "`private_key_jwt`, userinfo, enrollment and yes/no verification. "
        "Refusals come as HTTP 200 with `errors[]`, except on `/oauth/token` "
        "(OAuth errors, HTTP 400). Demo VIDs 9038952310 and 2405176278, and "
        "every synthetic person, log in with OTP 111111."
    ),
}

router = APIRouter(tags=["Identity"])


def issuer_of(request: Request) -> str:
    """The issuer: the configured public URL, else this request's base URL."""
    configured = get_state(request).settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _key(request: Request) -> ProviderKey:
    return provider_key(get_state(request).database)


def startup(state: Any) -> None:
    """Create (or load) the signing key when the application starts."""
    provider_key(state.database)


@router.get("/.well-known/openid-configuration")
def openid_configuration(request: Request) -> dict[str, Any]:
    """OIDC discovery. Public: needs no learner key."""
    issuer = issuer_of(request)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "userinfo_endpoint": f"{issuer}/oidc/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "registration_endpoint": f"{issuer}/client-mgmt/oidc-client",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "acr_values_supported": list(ACR_VALUES),
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256"],
        "userinfo_encryption_alg_values_supported": [],
        "userinfo_encryption_enc_values_supported": [],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page"],
        "claim_types_supported": ["normal"],
        "claims_supported": ["sub", *SUPPORTED_CLAIMS],
        "claims_parameter_supported": True,
        "claims_locales_supported": ["en"],
        "ui_locales_supported": ["en"],
    }


@router.get("/.well-known/jwks.json")
def jwks(request: Request) -> dict[str, Any]:
    """The identity provider's public signing keys. Public: needs no learner key."""
    return {"keys": [_key(request).public_jwk]}


@router.post("/client-mgmt/oidc-client")
def create_oidc_client(
    body: ClientCreateEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Register a relying party with its public JWK (``private_key_jwt``)."""
    client = clients.create_client(session, learner.id, body.request)
    session.commit()
    return envelope({"clientId": client.client_id, "status": client.status})


@router.put("/client-mgmt/oidc-client/{client_id}")
def update_oidc_client(
    client_id: str,
    body: ClientUpdateEnvelope,
    learner: CurrentLearner,
    session: DbSession,
) -> dict[str, Any]:
    """Change a relying party's name, status, redirect URIs or claims."""
    client = clients.update_client(session, learner.id, client_id, body.request)
    session.commit()
    return envelope({"clientId": client.client_id, "status": client.status})


def _details(transaction: Any, client: Any) -> dict[str, Any]:
    return {
        "transactionId": transaction.transaction_id,
        "clientName": client.client_name,
        "logoUrl": client.logo_uri or None,
        "authFactors": [[{"type": "OTP", "count": 0, "subTypes": None}]],
        "essentialClaims": transaction.essential_claims,
        "voluntaryClaims": transaction.voluntary_claims,
        "authorizeScopes": [],
        "configs": {"otp.length": 6, "otp.attempts": login.MAX_OTP_ATTEMPTS},
        "redirectUri": transaction.redirect_uri,
    }


@router.get("/authorize", response_model=None)
def authorize(
    request: Request,
    learner: CurrentLearner,
    session: DbSession,
    scope: str = Query(max_length=500),
    response_type: str = Query(max_length=20),
    client_id: str = Query(max_length=500),
    redirect_uri: str = Query(max_length=500),
    state: str | None = Query(default=None, max_length=500),
    nonce: str | None = Query(default=None, max_length=200),
    display: str | None = Query(default=None, max_length=20),
    prompt: str | None = Query(default=None, max_length=20),
    max_age: int | None = None,
    ui_locales: str | None = Query(default=None, max_length=100),
    acr_values: str | None = Query(default=None, max_length=500),
    claims: str | None = Query(default=None, max_length=4000),
    claims_locales: str | None = Query(default=None, max_length=100),
) -> Response:
    """The authorization endpoint.

    It opens a login transaction, like the login page of eSignet does. It
    answers JSON (the same as oauth-details) unless the caller asks for
    HTML, when it shows a minimal page with the transaction id. Continue with
    send-otp, authenticate and auth-code.
    """
    try:
        parsed = json.loads(claims) if claims else None
    except (ValueError, RecursionError):
        parsed = None
    if claims and not isinstance(parsed, dict):
        raise IdentityFailure("invalid_request", "claims must be a JSON object.")
    details = OAuthDetails(
        scope=scope,
        responseType=response_type,
        clientId=client_id,
        redirectUri=redirect_uri,
        state=state,
        nonce=nonce,
        display=display,
        prompt=prompt,
        acrValues=acr_values,
        claims=parsed,
        maxAge=max_age,
        claimsLocales=claims_locales,
        uiLocales=ui_locales,
    )
    transaction, client = login.start_transaction(session, learner.id, details)
    session.commit()
    answer = _details(transaction, client)
    if "text/html" in request.headers.get("accept", ""):
        name = html.escape(client.client_name)
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Log in to {name}</title></head><body>"
            f"<h1>Log in to {name}</h1>"
            "<p>This mock identity provider has no login form. Continue with "
            "POST /authorization/send-otp, then /authorization/authenticate and "
            "/authorization/auth-code, using this transaction id:</p>"
            f"<p><code>{html.escape(transaction.transaction_id)}</code></p>"
            "</body></html>"
        )
        return HTMLResponse(page)
    return JSONResponse(envelope(answer))


@router.post("/authorization/oauth-details")
def oauth_details(
    body: OAuthDetailsEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Step 1: check the authorization request and open a login transaction."""
    transaction, client = login.start_transaction(session, learner.id, body.request)
    session.commit()
    return envelope(_details(transaction, client))


@router.post("/authorization/send-otp")
def send_otp(
    body: SendOtpEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Step 2: send an OTP to the person (synthetic people get 111111)."""
    answer = login.send_otp(session, learner.id, body.request)
    session.commit()
    return envelope(answer)


@router.post("/authorization/authenticate")
def authenticate(
    body: AuthenticateEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Step 3: check the OTP. Three wrong OTPs lock the transaction."""
    transaction_id = login.authenticate(session, learner.id, body.request)
    session.commit()
    return envelope({"transactionId": transaction_id})


@router.post("/authorization/auth-code")
def auth_code(
    body: AuthCodeEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Step 4: record consent and issue a one-time authorization code."""
    code, transaction = login.issue_code(session, learner.id, body.request)
    session.commit()
    return envelope(
        {
            "code": code,
            "redirectUri": transaction.redirect_uri,
            "nonce": transaction.nonce,
            "state": transaction.state,
        }
    )


_TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": [
                        "grant_type",
                        "code",
                        "client_id",
                        "client_assertion_type",
                        "client_assertion",
                        "redirect_uri",
                    ],
                    "properties": {
                        "grant_type": {
                            "type": "string",
                            "enum": ["authorization_code"],
                        },
                        "code": {"type": "string"},
                        "client_id": {"type": "string"},
                        "client_assertion_type": {
                            "type": "string",
                            "enum": [tokens.ASSERTION_TYPE],
                        },
                        "client_assertion": {"type": "string"},
                        "redirect_uri": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post("/oauth/token", openapi_extra=_TOKEN_FORM)
async def token(request: Request, learner: CurrentLearner) -> JSONResponse:
    """Exchange an authorization code for an ID token and an access token.

    The client authenticates with a ``client_assertion``: a JWT signed with
    its private key (RS256), with ``iss`` and ``sub`` = client_id, ``aud`` =
    this token endpoint, a short ``exp`` and a fresh ``jti``.
    """
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise tokens.OAuthError(
            "invalid_request",
            "Send the token request as application/x-www-form-urlencoded.",
        )
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        raise tokens.OAuthError(
            "invalid_request", "The form body could not be read."
        ) from None
    form = tokens.TokenRequest(
        **{
            name: (fields.get(name) or [""])[0][:8000]
            for name in tokens.TokenRequest.__dataclass_fields__
        }
    )
    state = get_state(request)
    issuer = issuer_of(request)
    key = provider_key(state.database)

    def run() -> dict[str, Any]:
        with state.database.session() as session:
            return tokens.exchange_code(session, learner.id, form, key, issuer)

    answer = await run_in_threadpool(run)
    return JSONResponse(
        answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


@router.get("/oidc/userinfo", response_model=None)
def userinfo(
    request: Request,
    learner: CurrentLearner,
    session: DbSession,
    authorization: str | None = Header(default=None),
) -> Response:
    """The consented claims of the person, as a JWT signed by the provider.

    ``sub`` is the partner-specific user token. The answer is signed but not
    encrypted (eSignet also encrypts it; see docs/identity.md).
    """
    key = _key(request)
    claims = tokens.userinfo_claims(
        session, learner.id, authorization, key, issuer_of(request)
    )
    return Response(key.sign(claims), media_type="application/jwt")


@router.put("/enrollment", status_code=201)
def enroll(
    body: EnrollmentEnvelope,
    request: Request,
    learner: CurrentLearner,
    session: DbSession,
) -> JSONResponse:
    """Enroll a synthetic person (201), or update an enrollment by its id (200).

    The UIN stays inside the service; the answer includes a VID to log in
    with (OTP 111111).
    """
    packet, created = enrollment.enroll(
        session, learner.id, body.request, _key(request)
    )
    session.commit()
    return JSONResponse(
        {
            "id": body.id,
            "version": body.version,
            "responsetime": timestamp(),
            "metaData": None,
            "response": [packet],
            "errors": [],
        },
        status_code=201 if created else 200,
    )


@router.post("/verification/yes-no")
def yes_no(
    body: YesNoEnvelope, learner: CurrentLearner, session: DbSession
) -> dict[str, Any]:
    """Answer one question about a person with yes or no, never the attribute.

    Questions: ``age_over`` (``minAge``), ``lives_in_region`` (``region``),
    ``lives_in_locality`` (``locality``), ``lives_in_country`` (``country``).
    """
    verified = verification.answer(session, learner.id, body.request)
    return envelope(
        {
            "question": body.request.question,
            "answer": "yes" if verified else "no",
            "verified": verified,
        }
    )
