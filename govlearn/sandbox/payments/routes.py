"""HTTP routes of the Payments emulator, as the GovStack sandbox runs it.

All bodies are JSON with PascalCase fields. Every answer, good or bad, is
``{ResponseCode, ResponseDescription, RequestID}``: ``"00"`` with HTTP 200,
``"01"`` with HTTP 400 (or the status of a sandbox-level error).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from ..deps import CurrentLearner, DbSession
from ..errors import SandboxError
from ..provider_input import refuse_unstorable_text
from . import ledger
from .models import PaymentBeneficiary, PaymentInstruction

__all__ = ["PAYMENT_MODALITIES", "render_error", "routes"]

TAG_NAME = "Payments"

#: Payment modality codes of the Payments BB data structures.
PAYMENT_MODALITIES = {
    "00": "bank account",
    "01": "mobile money",
    "02": "voucher",
    "03": "digital wallet",
    "04": "proxy",
}


class RememberRequestId(APIRoute):
    """Keeps the body's ``RequestID`` so even a refused request echoes it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if request.method == "POST":
                raw = await request.body()
                try:
                    data = json.loads(raw) if raw else None
                except (ValueError, RecursionError):
                    data = None
                if isinstance(data, dict) and isinstance(data.get("RequestID"), str):
                    request.state.payments_request_id = data["RequestID"][:64]
            return await original(request)

        return handler


routes = APIRouter(
    tags=[TAG_NAME],
    route_class=RememberRequestId,
    dependencies=[Depends(refuse_unstorable_text)],
)


class BeneficiaryIn(BaseModel):
    PayeeFunctionalID: str = Field(
        min_length=1, max_length=64, examples=["95209040001066283147"]
    )
    PaymentModality: str = Field(examples=["00"])
    FinancialAddress: str = Field(max_length=64, examples=["EE382200221020145685"])

    @field_validator("PaymentModality")
    @classmethod
    def _known_modality(cls, value: str) -> str:
        if value not in PAYMENT_MODALITIES:
            codes = ", ".join(f"{k} {v}" for k, v in PAYMENT_MODALITIES.items())
            raise ValueError(f"use one of the codes {codes}")
        return value


class BeneficiariesIn(BaseModel):
    RequestID: str = Field(min_length=1, max_length=64, examples=["req-0001"])
    SourceBBID: str = Field(min_length=1, max_length=64, examples=["USCT-BB"])
    Beneficiaries: list[BeneficiaryIn] = Field(min_length=1, max_length=1000)


class CreditInstructionIn(BaseModel):
    InstructionID: str = Field(min_length=1, max_length=64, examples=["instr-0001"])
    PayeeFunctionalID: str = Field(
        min_length=1, max_length=64, examples=["95209040001066283147"]
    )
    Amount: float = Field(gt=0, lt=1e12, allow_inf_nan=False, examples=[900])
    Currency: str = Field(min_length=1, max_length=16, examples=["EURO"])
    Narration: str | None = Field(
        default=None, max_length=200, examples=["Payment for TPA package"]
    )


class PaymentsIn(BaseModel):
    RequestID: str = Field(min_length=1, max_length=64, examples=["req-0002"])
    SourceBBID: str = Field(min_length=1, max_length=64, examples=["USCT-BB"])
    BatchID: str = Field(min_length=1, max_length=64, examples=["batch-0001"])
    CreditInstructions: list[CreditInstructionIn] = Field(min_length=1, max_length=1000)


class PaymentAnswer(BaseModel):
    ResponseCode: str = Field(examples=["00"])
    ResponseDescription: str
    RequestID: str | None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": PaymentAnswer,
        "description": 'Refused, with ResponseCode "01" and the reason.',
    }
}


def _ok(request_id: str, message: str) -> PaymentAnswer:
    return PaymentAnswer(
        ResponseCode="00", ResponseDescription=message, RequestID=request_id
    )


@routes.post("/register-beneficiary", response_model=PaymentAnswer, responses=ERRORS)
def register_beneficiary(
    body: BeneficiariesIn, learner: CurrentLearner, session: DbSession
) -> PaymentAnswer:
    """Onboard beneficiaries. Refused with "Beneficiary exist!" if any is known."""
    message = ledger.register(
        session, learner.id, body.RequestID, body.SourceBBID, body.Beneficiaries
    )
    return _ok(body.RequestID, message)


@routes.post(
    "/update-beneficiary-details", response_model=PaymentAnswer, responses=ERRORS
)
def update_beneficiary_details(
    body: BeneficiariesIn, learner: CurrentLearner, session: DbSession
) -> PaymentAnswer:
    """Change beneficiaries' modality and address; all must be known."""
    message = ledger.update(
        session, learner.id, body.RequestID, body.SourceBBID, body.Beneficiaries
    )
    return _ok(body.RequestID, message)


@routes.post("/prepayment-validation", response_model=PaymentAnswer, responses=ERRORS)
def prepayment_validation(
    body: PaymentsIn, learner: CurrentLearner, session: DbSession
) -> PaymentAnswer:
    """Check that every payee is a beneficiary and store the instructions as valid."""
    message = ledger.validate_payments(
        session,
        learner.id,
        body.RequestID,
        body.SourceBBID,
        body.BatchID,
        body.CreditInstructions,
    )
    return _ok(body.RequestID, message)


@routes.post("/bulk-payment", response_model=PaymentAnswer, responses=ERRORS)
def bulk_payment(
    body: PaymentsIn, learner: CurrentLearner, session: DbSession
) -> PaymentAnswer:
    """Order validated instructions; each must match a prior validation exactly."""
    message = ledger.order_payments(
        session, learner.id, body.RequestID, body.BatchID, body.CreditInstructions
    )
    return _ok(body.RequestID, message)


class HealthOut(BaseModel):
    status: str


@routes.get("/actuator/health", response_model=HealthOut)
def health() -> HealthOut:
    """Spring-style health check of the emulator; needs no key."""
    return HealthOut(status="UP")


class BeneficiaryOut(BaseModel):
    PayeeFunctionalID: str
    PaymentModality: str
    FinancialAddress: str
    SourceBBID: str
    RequestID: str
    RegisteredAt: dt.datetime
    UpdatedAt: dt.datetime


class BeneficiaryList(BaseModel):
    Beneficiaries: list[BeneficiaryOut]


@routes.get("/beneficiaries", response_model=BeneficiaryList)
def list_beneficiaries(learner: CurrentLearner, session: DbSession) -> BeneficiaryList:
    """Sandbox extra (not in the real emulator): the workspace's beneficiaries."""
    rows = session.scalars(
        select(PaymentBeneficiary)
        .where(PaymentBeneficiary.workspace_id == learner.id)
        .order_by(PaymentBeneficiary.pk)
    ).all()
    return BeneficiaryList(
        Beneficiaries=[
            BeneficiaryOut(
                PayeeFunctionalID=row.payee_functional_id,
                PaymentModality=row.payment_modality,
                FinancialAddress=row.financial_address,
                SourceBBID=row.source_bb_id,
                RequestID=row.request_id,
                RegisteredAt=row.registered_at,
                UpdatedAt=row.updated_at,
            )
            for row in rows
        ]
    )


class InstructionOut(BaseModel):
    InstructionID: str
    PayeeFunctionalID: str
    Amount: float
    Currency: str
    Narration: str | None
    BatchID: str
    RequestID: str
    Status: str = Field(examples=["VALIDATED", "ORDERED"])
    ValidatedAt: dt.datetime
    OrderedAt: dt.datetime | None
    OrderBatchID: str | None


class InstructionList(BaseModel):
    CreditInstructions: list[InstructionOut]


@routes.get("/credit-instructions", response_model=InstructionList)
def list_credit_instructions(
    learner: CurrentLearner, session: DbSession
) -> InstructionList:
    """Sandbox extra (not in the real emulator): every validated instruction
    of the workspace, and whether a bulk payment has ordered it."""
    rows = session.scalars(
        select(PaymentInstruction)
        .where(PaymentInstruction.workspace_id == learner.id)
        .order_by(PaymentInstruction.pk)
    ).all()
    return InstructionList(
        CreditInstructions=[
            InstructionOut(
                InstructionID=row.instruction_id,
                PayeeFunctionalID=row.payee_functional_id,
                Amount=row.amount,
                Currency=row.currency,
                Narration=row.narration,
                BatchID=row.batch_id,
                RequestID=row.request_id,
                Status="ORDERED" if row.ordered else "VALIDATED",
                ValidatedAt=row.validated_at,
                OrderedAt=row.ordered_at,
                OrderBatchID=row.order_batch_id,
            )
            for row in rows
        ]
    )


def render_error(request: Request, error: SandboxError) -> Response:
    """Every error in the emulator's own shape, ``ResponseCode`` ``"01"``."""
    request_id = getattr(request.state, "payments_request_id", None)
    return JSONResponse(
        {
            "ResponseCode": "01",
            "ResponseDescription": error.message,
            "RequestID": request_id,
        },
        status_code=error.status_code,
        headers=error.headers,
    )
