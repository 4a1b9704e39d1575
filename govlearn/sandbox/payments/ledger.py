"""The Payments emulator's rules: onboarding beneficiaries, validating and
ordering credit instructions, with the emulator's exact answers.

Every function either makes all its changes or raises a
:class:`~govlearn.sandbox.errors.SandboxError` and makes none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import SandboxError
from .models import PaymentBeneficiary, PaymentInstruction

__all__ = [
    "BENEFICIARY_EXISTS",
    "BENEFICIARY_MISSING",
    "BENEFICIARY_NOT_FOUND",
    "MESSAGES",
    "no_valid_instruction",
    "order_payments",
    "register",
    "update",
    "validate_payments",
]

REGISTERED = "Beneficiaries registered!"
UPDATED = "Beneficiaries updated!"
VALIDATED = "Payments Validated!"
ORDERED = "Payments ordered!"
BENEFICIARY_EXISTS = "Beneficiary exist!"
BENEFICIARY_NOT_FOUND = "Beneficiary does not exist!"
BENEFICIARY_MISSING = "Beneficiary doesn't exist!"
MESSAGES = {"register": REGISTERED, "update": UPDATED}


def no_valid_instruction(instruction_id: str) -> str:
    """The emulator's answer when a bulk payment names an unvalidated instruction."""
    return f'No valid credit instruction for Instruction Id: "{instruction_id}"!'


class BeneficiaryLike(Protocol):
    PayeeFunctionalID: str
    PaymentModality: str
    FinancialAddress: str


class InstructionLike(Protocol):
    InstructionID: str
    PayeeFunctionalID: str
    Amount: float
    Currency: str
    Narration: str | None


def _refuse(message: str) -> SandboxError:
    return SandboxError(400, "01", message)


def _unique(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise SandboxError(
                400,
                "invalid_request",
                f"{what} {value!r} appears more than once in this request; "
                "send each one once.",
            )
        seen.add(value)


def _existing(
    session: Session, workspace_id: str, payees: Sequence[str]
) -> dict[str, PaymentBeneficiary]:
    rows = session.scalars(
        select(PaymentBeneficiary).where(
            PaymentBeneficiary.workspace_id == workspace_id,
            PaymentBeneficiary.payee_functional_id.in_(list(payees)),
        )
    ).all()
    return {row.payee_functional_id: row for row in rows}


def register(
    session: Session,
    workspace_id: str,
    request_id: str,
    source_bb_id: str,
    beneficiaries: Sequence[BeneficiaryLike],
) -> str:
    """Onboard new beneficiaries; refuse the whole request if any is known."""
    payees = [b.PayeeFunctionalID for b in beneficiaries]
    _unique(payees, "PayeeFunctionalID")
    if _existing(session, workspace_id, payees):
        raise _refuse(BENEFICIARY_EXISTS)
    for item in beneficiaries:
        session.add(
            PaymentBeneficiary(
                workspace_id=workspace_id,
                payee_functional_id=item.PayeeFunctionalID,
                payment_modality=item.PaymentModality,
                financial_address=item.FinancialAddress,
                source_bb_id=source_bb_id,
                request_id=request_id,
            )
        )
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _refuse(BENEFICIARY_EXISTS) from None
    return REGISTERED


def update(
    session: Session,
    workspace_id: str,
    request_id: str,
    source_bb_id: str,
    beneficiaries: Sequence[BeneficiaryLike],
) -> str:
    """Change known beneficiaries; refuse the whole request if any is unknown."""
    payees = [b.PayeeFunctionalID for b in beneficiaries]
    _unique(payees, "PayeeFunctionalID")
    known = _existing(session, workspace_id, payees)
    if len(known) != len(payees):
        raise _refuse(BENEFICIARY_NOT_FOUND)
    now = utcnow()
    for item in beneficiaries:
        row = known[item.PayeeFunctionalID]
        row.payment_modality = item.PaymentModality
        row.financial_address = item.FinancialAddress
        row.source_bb_id = source_bb_id
        row.request_id = request_id
        row.updated_at = now
    session.flush()
    return UPDATED


def validate_payments(
    session: Session,
    workspace_id: str,
    request_id: str,
    source_bb_id: str,
    batch_id: str,
    instructions: Sequence[InstructionLike],
) -> str:
    """Store instructions as valid when every payee is a known beneficiary."""
    _unique([i.InstructionID for i in instructions], "InstructionID")
    payees = {i.PayeeFunctionalID for i in instructions}
    if len(_existing(session, workspace_id, sorted(payees))) != len(payees):
        raise _refuse(BENEFICIARY_MISSING)
    for item in instructions:
        session.add(
            PaymentInstruction(
                workspace_id=workspace_id,
                instruction_id=item.InstructionID,
                payee_functional_id=item.PayeeFunctionalID,
                amount=float(item.Amount),
                currency=item.Currency,
                narration=item.Narration,
                batch_id=batch_id,
                request_id=request_id,
                source_bb_id=source_bb_id,
                ordered=False,
            )
        )
    session.flush()
    return VALIDATED


def _same(row: PaymentInstruction, item: InstructionLike) -> bool:
    return (
        row.payee_functional_id == item.PayeeFunctionalID
        and row.amount == float(item.Amount)
        and row.currency == item.Currency
        and (row.narration or None) == (item.Narration or None)
    )


def order_payments(
    session: Session,
    workspace_id: str,
    request_id: str,
    batch_id: str,
    instructions: Sequence[InstructionLike],
) -> str:
    """Mark validated instructions ordered; each must match a validation exactly
    (id, payee, amount, currency, narration) and not be ordered already."""
    ids = [i.InstructionID for i in instructions]
    _unique(ids, "InstructionID")
    rows = session.scalars(
        select(PaymentInstruction)
        .where(
            PaymentInstruction.workspace_id == workspace_id,
            PaymentInstruction.instruction_id.in_(ids),
            PaymentInstruction.ordered.is_(False),
        )
        .order_by(PaymentInstruction.pk)
        .with_for_update()
    ).all()
    chosen: list[PaymentInstruction] = []
    for item in instructions:
        match = next(
            (
                r
                for r in rows
                if r.instruction_id == item.InstructionID and _same(r, item)
            ),
            None,
        )
        if match is None:
            raise _refuse(no_valid_instruction(item.InstructionID))
        chosen.append(match)
    # A conditional update, so two bulk payments racing for the same
    # instruction cannot both order it (on SQLite as on PostgreSQL).
    result = session.execute(
        sql_update(PaymentInstruction)
        .where(
            PaymentInstruction.pk.in_([row.pk for row in chosen]),
            PaymentInstruction.ordered.is_(False),
        )
        .values(
            ordered=True,
            ordered_at=utcnow(),
            order_batch_id=batch_id,
            order_request_id=request_id,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", len(chosen)) != len(chosen):
        session.rollback()
        raise _refuse(no_valid_instruction(chosen[0].instruction_id))
    return ORDERED
