"""Payments emulator: the four calls the GovStack sandbox's USCT use case makes.

Mounted at ``/emulators/payments`` and registered with the Information
Mediator as ``SANDBOX/GOV/PROVIDER/PAYMENT/emulator``. Beneficiaries and
credit instructions are rows of the learner's workspace.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..errors import error_style
from ..providers import ProviderService, register_provider
from . import models as models
from .routes import TAG_NAME, render_error, routes

__all__ = ["BASE_PATH", "SERVICE", "TAG", "router"]

BASE_PATH = "/emulators/payments"

TAG = {
    "name": TAG_NAME,
    "description": (
        "The Payments emulator of the GovStack sandbox: register and update "
        "beneficiaries, validate credit instructions, order a bulk payment. Call it "
        f"directly under `{BASE_PATH}`, or through the Information Mediator as "
        "`SANDBOX/GOV/PROVIDER/PAYMENT/emulator`."
    ),
}

router = APIRouter()
router.include_router(routes, prefix=BASE_PATH)
error_style(BASE_PATH)(render_error)

SERVICE = register_provider(
    ProviderService(
        subsystem="PAYMENT",
        service_code="emulator",
        base_path=BASE_PATH,
        title="Payments emulator",
        router=routes,
    )
)
