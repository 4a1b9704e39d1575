"""Digital Registries emulator: the GovStack DR data API over two registries.

Mounted at ``/emulators/registries`` and registered with the Information
Mediator as ``SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator``, as in the
GovStack sandbox. ``prsn`` holds synthetic persons, ``bpkg`` the USCT
benefit packages; every workspace has its own copy.
"""

from __future__ import annotations

from fastapi import APIRouter

from ..errors import error_style
from ..providers import ProviderService, register_provider
from . import models as models
from . import seed as seed
from .routes import TAG_NAME, render_error, routes

__all__ = ["BASE_PATH", "SERVICE", "TAG", "router"]

BASE_PATH = "/emulators/registries"

TAG = {
    "name": TAG_NAME,
    "description": (
        "The Digital Registries emulator (GovStack DR data API). Call it directly "
        f"under `{BASE_PATH}`, or through the Information Mediator as "
        "`SANDBOX/GOV/PROVIDER/DIGITAL-REGISTRIES/emulator`. Registries: `prsn` 1.0 "
        "(synthetic persons) and `bpkg` 1.0 (benefit packages)."
    ),
}

router = APIRouter()
router.include_router(routes, prefix=BASE_PATH)
error_style(BASE_PATH)(render_error)

SERVICE = register_provider(
    ProviderService(
        subsystem="DIGITAL-REGISTRIES",
        service_code="emulator",
        base_path=BASE_PATH,
        title="Digital Registries emulator",
        router=routes,
    )
)
