"""The browserless OTP login: oauth-details, send-otp, authenticate, auth-code.

Each step moves one :class:`LoginTransaction` row forward::

    started --send-otp--> otp_sent --authenticate--> authenticated
        --auth-code--> completed          (3 wrong OTPs: locked)

Every state lives in the database, so the steps may reach different replicas.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from .claims import ACR_OTP, SCOPE_CLAIMS, SUPPORTED_CLAIMS
from .clients import find_client
from .envelope import IdentityFailure, aware
from .models import AuthCode, LoginTransaction, OidcClient, Person
from .schemas import AuthCode as AuthCodeBody
from .schemas import Authenticate, OAuthDetails, SendOtp

__all__ = [
    "CODE_LIFETIME",
    "MAX_OTP_ATTEMPTS",
    "OTP_LIFETIME",
    "TRANSACTION_LIFETIME",
    "authenticate",
    "find_person",
    "hash_code",
    "issue_code",
    "start_transaction",
    "send_otp",
]

TRANSACTION_LIFETIME = dt.timedelta(minutes=10)
OTP_LIFETIME = dt.timedelta(minutes=3)
CODE_LIFETIME = dt.timedelta(seconds=120)
MAX_OTP_ATTEMPTS = 3


def hash_code(code: str) -> str:
    """The stored form of an authorization code."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def _requested_claims(
    body: OAuthDetails, scopes: list[str], client: OidcClient
) -> tuple[list[str], list[str]]:
    essential: list[str] = []
    voluntary: list[str] = []
    requested = body.claims or {}
    for section in ("userinfo", "id_token"):
        members = requested.get(section) or {}
        if not isinstance(members, dict):
            raise IdentityFailure(
                "invalid_request",
                f"claims.{section} must be an object of claim names.",
            )
        for name, rule in members.items():
            wanted = isinstance(rule, dict) and rule.get("essential") is True
            (essential if wanted else voluntary).append(str(name))
    for scope in scopes:
        voluntary.extend(SCOPE_CLAIMS.get(scope, ()))
    allowed = [c for c in SUPPORTED_CLAIMS if c in client.user_claims]
    essential = [c for c in allowed if c in essential]
    voluntary = [c for c in allowed if c in voluntary and c not in essential]
    return essential, voluntary


def start_transaction(
    session: Session, workspace_id: str, body: OAuthDetails
) -> tuple[LoginTransaction, OidcClient]:
    """Check an authorization request and open a login transaction."""
    client = find_client(session, workspace_id, body.clientId)
    if client.status != "active":
        raise IdentityFailure(
            "invalid_client_id",
            f"Client {client.client_id!r} is inactive. Set its status to 'active' "
            "with PUT /client-mgmt/oidc-client/{client_id}.",
        )
    if body.redirectUri not in client.redirect_uris:
        raise IdentityFailure(
            "invalid_redirect_uri",
            f"redirectUri {body.redirectUri[:120]!r} is not one of the client's "
            "registered redirectUris.",
        )
    if body.responseType != "code":
        raise IdentityFailure("invalid_response_type", "responseType must be 'code'.")
    scopes = list(dict.fromkeys(body.scope.split()))
    if "openid" not in scopes or any(s not in SCOPE_CLAIMS for s in scopes):
        raise IdentityFailure(
            "invalid_scope",
            "scope must contain 'openid' and only these scopes: "
            + ", ".join(SCOPE_CLAIMS)
            + ".",
        )
    acrs = (body.acrValues or "").split() or [ACR_OTP]
    if ACR_OTP not in acrs or ACR_OTP not in client.auth_context_refs:
        raise IdentityFailure(
            "invalid_acr",
            f"This sandbox logs people in with an OTP ({ACR_OTP}); the request "
            "and the client's authContextRefs must both allow it.",
        )
    essential, voluntary = _requested_claims(body, scopes, client)
    now = utcnow()
    transaction = LoginTransaction(
        transaction_id=secrets.token_urlsafe(24),
        workspace_id=workspace_id,
        client_id=client.client_id,
        redirect_uri=body.redirectUri,
        scopes=scopes,
        essential_claims=essential,
        voluntary_claims=voluntary,
        nonce=body.nonce,
        state=body.state,
        acr=ACR_OTP,
        status="started",
        expires_at=now + TRANSACTION_LIFETIME,
        created_at=now,
    )
    session.add(transaction)
    session.flush()
    return transaction, client


def _transaction(
    session: Session, workspace_id: str, transaction_id: str, *statuses: str
) -> LoginTransaction:
    found = session.get(LoginTransaction, transaction_id)
    if found is None or found.workspace_id != workspace_id:
        raise IdentityFailure(
            "invalid_transaction",
            "No login transaction with this transactionId exists in your "
            "workspace. Start again with POST /authorization/oauth-details.",
        )
    if aware(found.expires_at) < utcnow():
        raise IdentityFailure(
            "invalid_transaction",
            "This login transaction has expired. Start a new one with POST "
            "/authorization/oauth-details.",
        )
    if found.status == "locked":
        raise IdentityFailure(
            "invalid_transaction",
            f"This login transaction is locked after {MAX_OTP_ATTEMPTS} wrong "
            "OTPs. Start a new one with POST /authorization/oauth-details.",
        )
    if found.status not in statuses:
        raise IdentityFailure(
            "invalid_transaction",
            f"This login transaction is '{found.status}', so this step cannot "
            "run now. Follow the order oauth-details, send-otp, authenticate, "
            "auth-code.",
        )
    return found


def find_person(session: Session, workspace_id: str, individual_id: str) -> Person:
    """The person whose VID (or UIN) is ``individual_id``."""
    person = session.scalars(
        select(Person).where(
            Person.workspace_id == workspace_id,
            or_(Person.vid == individual_id, Person.uin == individual_id),
        )
    ).first()
    if person is None:
        raise IdentityFailure(
            "invalid_identifier",
            "No person with this individualId (VID) is known in your workspace. "
            "Try a demo VID such as 9038952310, or enroll someone first.",
        )
    return person


def _mask(value: str, keep: int) -> str:
    if not value:
        return ""
    return "X" * max(len(value) - keep, 0) + value[-keep:]


def send_otp(session: Session, workspace_id: str, body: SendOtp) -> dict[str, Any]:
    """'Send' the OTP. Synthetic people always receive 111111."""
    transaction = _transaction(
        session, workspace_id, body.transactionId, "started", "otp_sent"
    )
    person = find_person(session, workspace_id, body.individualId)
    transaction.individual_id = body.individualId
    transaction.person_id = person.id
    transaction.status = "otp_sent"
    transaction.otp_expires_at = utcnow() + OTP_LIFETIME
    email_user, _, email_host = person.email.partition("@")
    return {
        "transactionId": transaction.transaction_id,
        "maskedEmail": f"{_mask(email_user, 2)}@{email_host}" if email_host else None,
        "maskedMobile": _mask(person.phone, 3) or None,
        "messageCode": "OTP_SENT",
    }


def authenticate(session: Session, workspace_id: str, body: Authenticate) -> str:
    """Check the OTP; lock the transaction after too many wrong ones.

    A wrong OTP is counted (and committed) before the refusal is raised, so
    the count survives the rollback of the failed request.
    """
    transaction = _transaction(session, workspace_id, body.transactionId, "otp_sent")
    if body.individualId != transaction.individual_id:
        raise IdentityFailure(
            "invalid_identifier",
            "individualId differs from the one the OTP was sent to. Use the "
            "same VID in send-otp and authenticate.",
        )
    otps = [c for c in body.challengeList if c.authFactorType.upper() == "OTP"]
    if len(otps) != 1 or len(body.challengeList) != 1:
        raise IdentityFailure(
            "invalid_no_of_challenges",
            "Send exactly one challenge, with authFactorType 'OTP'.",
        )
    person = session.get(Person, transaction.person_id)
    expired = transaction.otp_expires_at is None or (
        aware(transaction.otp_expires_at) < utcnow()
    )
    if (
        person is not None
        and not expired
        and (secrets.compare_digest(otps[0].challenge.encode(), person.otp.encode()))
    ):
        transaction.status = "authenticated"
        transaction.auth_time = utcnow()
        return transaction.transaction_id
    if expired:
        raise IdentityFailure(
            "auth_failed", "The OTP has expired. Ask for a new one with send-otp."
        )
    session.execute(
        update(LoginTransaction)
        .where(LoginTransaction.transaction_id == transaction.transaction_id)
        .values(failed_attempts=LoginTransaction.failed_attempts + 1)
    )
    session.execute(
        update(LoginTransaction)
        .where(
            LoginTransaction.transaction_id == transaction.transaction_id,
            LoginTransaction.failed_attempts >= MAX_OTP_ATTEMPTS,
        )
        .values(status="locked")
    )
    session.commit()
    session.refresh(transaction)
    left = max(MAX_OTP_ATTEMPTS - transaction.failed_attempts, 0)
    hint = f"{left} attempt(s) left." if left else "The transaction is now locked."
    raise IdentityFailure("auth_failed", f"The OTP is wrong. {hint}")


def issue_code(
    session: Session, workspace_id: str, body: AuthCodeBody
) -> tuple[str, LoginTransaction]:
    """Record the person's consent and issue a one-time authorization code."""
    transaction = _transaction(
        session, workspace_id, body.transactionId, "authenticated"
    )
    offered = transaction.essential_claims + transaction.voluntary_claims
    accepted = offered if body.acceptedClaims is None else body.acceptedClaims
    refused = [claim for claim in accepted if claim not in offered]
    if refused:
        raise IdentityFailure(
            "invalid_accepted_claim",
            f"acceptedClaims may only hold the claims asked for ({offered}); "
            f"not {refused[:5]}.",
        )
    scopes = transaction.scopes
    permitted = body.permittedAuthorizeScopes
    if permitted is not None and any(scope not in scopes for scope in permitted):
        raise IdentityFailure(
            "invalid_permitted_scope",
            f"permittedAuthorizeScopes may only hold requested scopes ({scopes}).",
        )
    moved = session.execute(
        update(LoginTransaction)
        .where(
            LoginTransaction.transaction_id == transaction.transaction_id,
            LoginTransaction.status == "authenticated",
        )
        .values(status="completed")
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise IdentityFailure(
            "invalid_transaction", "A code was already issued for this transaction."
        )
    code = secrets.token_urlsafe(32)
    now = utcnow()
    assert transaction.person_id is not None
    session.add(
        AuthCode(
            code_hash=hash_code(code),
            workspace_id=workspace_id,
            transaction_id=transaction.transaction_id,
            client_id=transaction.client_id,
            redirect_uri=transaction.redirect_uri,
            person_id=transaction.person_id,
            scopes=scopes,
            accepted_claims=list(dict.fromkeys(accepted)),
            nonce=transaction.nonce,
            acr=transaction.acr,
            auth_time=aware(transaction.auth_time or now),
            expires_at=now + CODE_LIFETIME,
            created_at=now,
        )
    )
    return code, transaction
