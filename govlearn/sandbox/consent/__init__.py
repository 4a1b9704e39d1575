"""Consent emulator: data agreements and consent records, iGrant.io style.

Mounted at ``/emulators/consent`` and registered with the Information
Mediator as ``SANDBOX/GOV/PROVIDER/CONSENT/api``, as in the GovStack sandbox.
Agreements, records and revisions are rows of the learner's workspace.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..errors import error_style
from ..providers import ProviderService, register_provider
from . import models as models
from . import seed as seed
from .agreements import USCT_ENROLLMENT
from .routes import TAG_NAME, render_error, routes

__all__ = ["BASE_PATH", "SERVICE", "TAG", "USCT_ENROLLMENT", "router"]

BASE_PATH = "/emulators/consent"

TAG = {
    "name": TAG_NAME,
    "description": (
        "The Consent emulator (GovStack Consent BB API as iGrant.io serves it): "
        "data agreements, an individual's consent records, and verification for "
        f"data consumers. Call it directly under `{BASE_PATH}`, or through the "
        "Information Mediator as `SANDBOX/GOV/PROVIDER/CONSENT/api`."
    ),
}

router = APIRouter()
router.include_router(routes, prefix=BASE_PATH)
error_style(BASE_PATH)(render_error)

SERVICE = register_provider(
    ProviderService(
        subsystem="CONSENT",
        service_code="api",
        base_path=BASE_PATH,
        title="Consent emulator",
        router=routes,
    )
)
