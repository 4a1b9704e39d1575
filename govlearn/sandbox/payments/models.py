"""Tables of the Payments emulator: beneficiaries and credit instructions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = ["PaymentBeneficiary", "PaymentInstruction"]


class PaymentBeneficiary(Base):
    """A beneficiary onboarded to the Payments emulator in one workspace."""

    __tablename__ = "payment_beneficiaries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "payee_functional_id", name="uq_payee"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    payee_functional_id: Mapped[str] = mapped_column(String(64))
    payment_modality: Mapped[str] = mapped_column(String(2))
    financial_address: Mapped[str] = mapped_column(String(64))
    source_bb_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class PaymentInstruction(Base):
    """A credit instruction: stored valid by a prepayment validation, then
    marked ordered by the bulk payment that names it exactly."""

    __tablename__ = "payment_instructions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    instruction_id: Mapped[str] = mapped_column(String(64), index=True)
    payee_functional_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(16))
    narration: Mapped[str | None] = mapped_column(String(200), nullable=True)
    batch_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str] = mapped_column(String(64))
    source_bb_id: Mapped[str] = mapped_column(String(64))
    validated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    ordered_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    order_batch_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    order_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
