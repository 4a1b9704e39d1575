"""Tables of the Identity building block.

Every table except :class:`SigningKey` has a ``workspace_id`` column, so it
belongs to one learner and is emptied when that learner resets. The signing
key is the identity provider's own and is shared by every workspace.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = [
    "AccessToken",
    "AuthCode",
    "LoginTransaction",
    "OidcClient",
    "Person",
    "SigningKey",
    "UsedAssertion",
]


def _when(nullable: bool = False) -> Any:
    if nullable:
        return mapped_column(DateTime(timezone=True), nullable=True)
    return mapped_column(DateTime(timezone=True), default=utcnow)


class SigningKey(Base):
    """The identity provider's RSA key pair, created once per database.

    ``slot`` is a fixed primary key, so when several replicas start together
    only one insert wins and every replica then reads the same key.
    """

    __tablename__ = "identity_signing_keys"

    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    certificate_pem: Mapped[str] = mapped_column(Text)
    psut_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = _when()


class Person(Base):
    """A synthetic identity: seeded demo people and learners' enrollments.

    The ``uin`` is generated inside the service and never sent out; people
    log in with their ``vid`` (virtual ID).
    """

    __tablename__ = "identity_people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "vid"),
        UniqueConstraint("workspace_id", "uin"),
        UniqueConstraint("workspace_id", "enrollment_id"),
        # One person per name (any case) and birthdate in a workspace, also
        # when two enrollments of the same person arrive at the same moment.
        Index(
            "ux_identity_people_person",
            "workspace_id",
            text("lower(full_name)"),
            "birthdate",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    uin: Mapped[str] = mapped_column(String(32))
    vid: Mapped[str] = mapped_column(String(32))
    enrollment_id: Mapped[str] = mapped_column(String(64))
    ref_id: Mapped[str] = mapped_column(String(128), default="")
    full_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100), default="")
    birthdate: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(60), default="")
    otp: Mapped[str] = mapped_column(String(12), default="111111")
    source: Mapped[str] = mapped_column(String(60), default="SEED")
    process: Mapped[str] = mapped_column(String(30), default="NEW")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = _when()
    updated_at: Mapped[dt.datetime] = _when()


class OidcClient(Base):
    """A relying party registered by a learner, with its public key."""

    __tablename__ = "identity_oidc_clients"
    __table_args__ = (UniqueConstraint("workspace_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    client_name: Mapped[str] = mapped_column(String(200))
    relying_party_id: Mapped[str] = mapped_column(String(100))
    logo_uri: Mapped[str] = mapped_column(String(500), default="")
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    auth_context_refs: Mapped[list[str]] = mapped_column(JSON)
    user_claims: Mapped[list[str]] = mapped_column(JSON)
    grant_types: Mapped[list[str]] = mapped_column(JSON)
    client_auth_methods: Mapped[list[str]] = mapped_column(JSON)
    public_key: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[dt.datetime] = _when()
    updated_at: Mapped[dt.datetime] = _when()


class LoginTransaction(Base):
    """One login in progress: from oauth-details to the authorization code."""

    __tablename__ = "identity_login_transactions"

    transaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    essential_claims: Mapped[list[str]] = mapped_column(JSON)
    voluntary_claims: Mapped[list[str]] = mapped_column(JSON)
    nonce: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str | None] = mapped_column(String(500), nullable=True)
    acr: Mapped[str] = mapped_column(String(60))
    #: started, otp_sent, authenticated, locked, completed
    status: Mapped[str] = mapped_column(String(20), default="started")
    individual_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    otp_expires_at: Mapped[dt.datetime | None] = _when(nullable=True)
    auth_time: Mapped[dt.datetime | None] = _when(nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _when()


class AuthCode(Base):
    """A one-time, short-lived authorization code. Only its hash is stored."""

    __tablename__ = "identity_auth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    transaction_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    person_id: Mapped[int] = mapped_column(Integer)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    accepted_claims: Mapped[list[str]] = mapped_column(JSON)
    nonce: Mapped[str | None] = mapped_column(String(200), nullable=True)
    acr: Mapped[str] = mapped_column(String(60))
    auth_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = _when(nullable=True)
    created_at: Mapped[dt.datetime] = _when()


class UsedAssertion(Base):
    """The ``jti`` of every client assertion accepted, so none is used twice."""

    __tablename__ = "identity_used_assertions"
    __table_args__ = (UniqueConstraint("workspace_id", "client_id", "jti"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AccessToken(Base):
    """An access token issued by the token endpoint (its ``jti`` and grant)."""

    __tablename__ = "identity_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    accepted_claims: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = _when(nullable=True)
    created_at: Mapped[dt.datetime] = _when()
