"""Tables of the Identity building block.

Every table except :class:`SigningKey` has a ``workspace_id`` column, so it
belongs to one learner and is emptied when that learner resets. The signing
key is the identity provider's own and is shared by every workspace.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..db import Base, upgrade_step, utcnow

__all__ = [
    "AccessToken",
    "AuthCode",
    "LoginTransaction",
    "OidcClient",
    "Person",
    "SigningKey",
    "UsedAssertion",
    "name_key",
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
            "ux_identity_people_name",
            "workspace_id",
            "name_key",
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
    # The full name as compared: see :func:`name_key`. Set with ``full_name``.
    name_key: Mapped[str] = mapped_column(String(64), server_default="")
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

    @validates("full_name")
    def _keep_name_key(self, _attribute: str, full_name: str) -> str:
        self.name_key = name_key(full_name)
        return full_name


def name_key(full_name: str) -> str:
    """The key two enrollments' full names are compared by: equal names, equal keys.

    Letter case is folded for every alphabet (``"ÉLODIE"`` is ``"élodie"``),
    composed and decomposed accents are one, and runs of spaces are one space.
    The key is the SHA-256 of that form, 64 characters whatever the name
    (folding can make a name many times longer). Computed here, not by the
    database, so SQLite and PostgreSQL (whatever its locale) agree.
    """
    folded = " ".join(unicodedata.normalize("NFKC", full_name).casefold().split())
    return hashlib.sha256(folded.encode()).hexdigest()


@upgrade_step
def _fill_name_keys(connection: Connection) -> None:
    """Give people stored before ``name_key`` existed theirs.

    Also drops the index that compared names with the database's ``lower()``.
    """
    connection.exec_driver_sql("DROP INDEX IF EXISTS ux_identity_people_person")
    table = cast(Table, Person.__table__)
    rows = connection.execute(
        table.select()
        .with_only_columns(table.c.id, table.c.full_name)
        .where(table.c.name_key == "", table.c.full_name != "")
    ).all()
    if rows:
        connection.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"))
            .values(name_key=bindparam("key")),
            [{"row_id": row.id, "key": name_key(row.full_name)} for row in rows],
        )


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
