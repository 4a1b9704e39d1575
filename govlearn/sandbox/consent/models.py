"""Tables of the Consent emulator: data agreements, consent records, revisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = ["ConsentRecordRow", "ConsentRevision", "DataAgreement"]


class DataAgreement(Base):
    """A data agreement: one purpose an individual can consent to."""

    __tablename__ = "consent_data_agreements"
    __table_args__ = (
        UniqueConstraint("workspace_id", "agreement_id", name="uq_agreement"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    agreement_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    revision_id: Mapped[str] = mapped_column(String(64))
    revision_hash: Mapped[str] = mapped_column(String(64))


class ConsentRecordRow(Base):
    """An individual's consent (or refusal) for one data agreement."""

    __tablename__ = "consent_records"
    __table_args__ = (
        UniqueConstraint("workspace_id", "record_id", name="uq_consent_record"),
        UniqueConstraint(
            "workspace_id", "agreement_id", "individual_id", name="uq_consent_pair"
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    record_id: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[str] = mapped_column(String(64))
    agreement_revision_id: Mapped[str] = mapped_column(String(64))
    agreement_revision_hash: Mapped[str] = mapped_column(String(64))
    individual_id: Mapped[str] = mapped_column(String(128), index=True)
    opt_in: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ConsentRevision(Base):
    """A locked, hashed snapshot of one object (agreement or consent record)."""

    __tablename__ = "consent_revisions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "revision_id", name="uq_consent_revision"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    revision_id: Mapped[str] = mapped_column(String(64))
    schema_name: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(40))
    authorized_by_individual: Mapped[str] = mapped_column(String(128), default="")
    authorized_by_other: Mapped[str] = mapped_column(String(128), default="")
    predecessor_hash: Mapped[str] = mapped_column(String(64), default="")
    successor_id: Mapped[str] = mapped_column(String(64), default="")
