"""Helpers for the Payments emulator, reached as ``client.payments``.

Every call goes through the Information Mediator to
``SANDBOX/GOV/PROVIDER/PAYMENT/emulator``, as in the GovStack sandbox's USCT
use case: register beneficiaries, validate credit instructions, then order a
bulk payment of exactly the instructions that were validated::

    payee = functional_id("95209040001", 147)
    client.payments.register_beneficiaries([Beneficiary(payee, "01", "+000555")])
    payment = CreditInstruction("instr-1", payee, 900, narration="TPA package")
    client.payments.validate_payments([payment], batch_id="batch-1")
    client.payments.order_bulk_payment([payment], batch_id="batch-1")

Beneficiaries and instructions can be dicts with the emulator's PascalCase
fields (``PayeeFunctionalID`` ...), dicts with snake_case names, or the
:class:`Beneficiary` and :class:`CreditInstruction` helpers. A refusal
becomes :class:`~govlearn.ProviderError`; its ``code`` is one of
``beneficiary_exists``, ``beneficiary_not_found``,
``no_valid_credit_instruction`` or ``invalid_request``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._provider_client import ProviderHelper

__all__ = [
    "GOVERNMENT_ID",
    "Beneficiary",
    "CreditInstruction",
    "Payments",
    "functional_id",
]

#: The government id the USCT backend puts into every payee functional id.
GOVERNMENT_ID = "066283"


def functional_id(
    personal_id_code: str, package_id: int | str, government_id: str = GOVERNMENT_ID
) -> str:
    """A payee functional id as the USCT backend builds it:
    personal id code + government id + package id (20 characters for an
    11-digit code and a 3-digit package)."""
    return f"{personal_id_code}{government_id}{package_id}"


@dataclass(frozen=True)
class Beneficiary:
    """A person to be paid: who (functional id), how (modality) and where.

    ``payment_modality``: ``"00"`` bank account, ``"01"`` mobile money,
    ``"02"`` voucher, ``"03"`` digital wallet, ``"04"`` proxy.
    """

    payee_functional_id: str
    payment_modality: str = "00"
    financial_address: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "PayeeFunctionalID": self.payee_functional_id,
            "PaymentModality": self.payment_modality,
            "FinancialAddress": self.financial_address,
        }


@dataclass(frozen=True)
class CreditInstruction:
    """One payment to one beneficiary."""

    instruction_id: str
    payee_functional_id: str
    amount: float
    currency: str = "EURO"
    narration: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "InstructionID": self.instruction_id,
            "PayeeFunctionalID": self.payee_functional_id,
            "Amount": self.amount,
            "Currency": self.currency,
            "Narration": self.narration,
        }


_PASCAL = {
    "payee_functional_id": "PayeeFunctionalID",
    "payment_modality": "PaymentModality",
    "financial_address": "FinancialAddress",
    "instruction_id": "InstructionID",
    "amount": "Amount",
    "currency": "Currency",
    "narration": "Narration",
}


def _as_json(item: Any) -> dict[str, Any]:
    if isinstance(item, Beneficiary | CreditInstruction):
        return item.to_json()
    if isinstance(item, Mapping):
        return {_PASCAL.get(str(key), str(key)): value for key, value in item.items()}
    raise TypeError(
        "Expected a dict, a Beneficiary or a CreditInstruction, "
        f"not {type(item).__name__}."
    )


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


class Payments(ProviderHelper):
    """The Payments emulator: beneficiaries, prepayment validation, bulk payment."""

    SERVICE = "SANDBOX/GOV/PROVIDER/PAYMENT/emulator"
    BASE_PATH = "/emulators/payments"
    DESCRIPTION_FIELD = "ResponseDescription"
    PROVIDER = "Payments emulator"

    def _explain(
        self, response: httpx.Response, attempted: str
    ) -> tuple[str, str] | None:
        said = self._described(response)
        head = self._answered(response, attempted)
        if said == "Beneficiary exist!":
            return "beneficiary_exists", (
                f"{head} At least one of these beneficiaries is registered "
                "already. Call update_beneficiaries() with the same list to "
                "change their details instead."
            )
        if said in ("Beneficiary does not exist!", "Beneficiary doesn't exist!"):
            return "beneficiary_not_found", (
                f"{head} At least one payee is not a registered beneficiary. "
                "Register it first with register_beneficiaries()."
            )
        if said.startswith("No valid credit instruction"):
            return "no_valid_credit_instruction", (
                f"{head} A bulk payment may only order instructions that "
                "validate_payments() accepted, with the same InstructionID, "
                "PayeeFunctionalID, Amount, Currency and Narration, and each "
                "only once. Validate the instructions first."
            )
        if response.status_code in (400, 404, 413):
            return "invalid_request", (
                f"{head} Check the field names (PascalCase, e.g. "
                "PayeeFunctionalID) and their types."
            )
        return None

    def _beneficiaries(
        self,
        path: str,
        attempted: str,
        beneficiaries: Iterable[Any],
        request_id: str | None,
        source_bb_id: str,
    ) -> dict[str, Any]:
        body = {
            "RequestID": request_id or _new_id(),
            "SourceBBID": source_bb_id,
            "Beneficiaries": [_as_json(b) for b in beneficiaries],
        }
        data: dict[str, Any] = self._call(
            "POST", path, attempted=attempted, json=body
        ).json()
        return data

    def register_beneficiaries(
        self,
        beneficiaries: list[Any],
        *,
        request_id: str | None = None,
        source_bb_id: str = "USCT-BB",
    ) -> dict[str, Any]:
        """Onboard new beneficiaries; returns the emulator's answer.

        Raises ``ProviderError`` (code ``beneficiary_exists``) if any of them
        is registered already: then call :meth:`update_beneficiaries`.
        """
        return self._beneficiaries(
            "/register-beneficiary",
            "register beneficiaries",
            beneficiaries,
            request_id,
            source_bb_id,
        )

    def update_beneficiaries(
        self,
        beneficiaries: list[Any],
        *,
        request_id: str | None = None,
        source_bb_id: str = "USCT-BB",
    ) -> dict[str, Any]:
        """Change registered beneficiaries' payment modality and address."""
        return self._beneficiaries(
            "/update-beneficiary-details",
            "update beneficiary details",
            beneficiaries,
            request_id,
            source_bb_id,
        )

    def _instructions(
        self,
        path: str,
        attempted: str,
        instructions: Iterable[Any],
        batch_id: str | None,
        request_id: str | None,
        source_bb_id: str,
    ) -> dict[str, Any]:
        body = {
            "RequestID": request_id or _new_id(),
            "SourceBBID": source_bb_id,
            "BatchID": batch_id or _new_id(),
            "CreditInstructions": [_as_json(i) for i in instructions],
        }
        data: dict[str, Any] = self._call(
            "POST", path, attempted=attempted, json=body
        ).json()
        return data

    def validate_payments(
        self,
        instructions: list[Any],
        *,
        batch_id: str | None = None,
        request_id: str | None = None,
        source_bb_id: str = "USCT-BB",
    ) -> dict[str, Any]:
        """Prepayment validation: every payee must be a registered beneficiary.

        Accepted instructions are stored; :meth:`order_bulk_payment` can then
        order exactly those.
        """
        return self._instructions(
            "/prepayment-validation",
            "validate payments",
            instructions,
            batch_id,
            request_id,
            source_bb_id,
        )

    def order_bulk_payment(
        self,
        instructions: list[Any],
        *,
        batch_id: str,
        request_id: str | None = None,
        source_bb_id: str = "USCT-BB",
    ) -> dict[str, Any]:
        """Order a bulk payment of instructions validated before (each once)."""
        return self._instructions(
            "/bulk-payment",
            "order a bulk payment",
            instructions,
            batch_id,
            request_id,
            source_bb_id,
        )

    def beneficiaries(self) -> list[dict[str, Any]]:
        """Your workspace's beneficiaries (a sandbox extra, not in the emulator)."""
        response = self._call(
            "GET", "/beneficiaries", attempted="list your workspace's beneficiaries"
        )
        items: list[dict[str, Any]] = response.json()["Beneficiaries"]
        return items

    def credit_instructions(self) -> list[dict[str, Any]]:
        """Your workspace's validated instructions and their ``Status``
        (``VALIDATED`` or ``ORDERED``); a sandbox extra."""
        response = self._call(
            "GET",
            "/credit-instructions",
            attempted="list your workspace's credit instructions",
        )
        items: list[dict[str, Any]] = response.json()["CreditInstructions"]
        return items

    def health(self) -> dict[str, Any]:
        """The emulator's health check (``{"status": "UP"}``)."""
        data: dict[str, Any] = self._call(
            "GET", "/actuator/health", attempted="check the Payments emulator's health"
        ).json()
        return data
