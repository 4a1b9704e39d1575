"""The Information Mediator building block: an X-Road style security server.

Learners call every provider service of the sandbox through it, as the
GovStack sandbox's use-case backends do through X-Road 7:
``/r1/SANDBOX/GOV/PROVIDER/{subsystem}/{service}/{path}`` with the header
``X-Road-Client: SANDBOX/ORG/CLIENT/TEST``. Each learner's workspace has its
own directory, access rights, message log and Pub/Sub rooms.
"""

from __future__ import annotations

from typing import Any

from . import models as models
from . import xroad_errors as xroad_errors
from .directory import reconcile_providers
from .fast_path import ServiceAccessMiddleware
from .routes import TAG, router

__all__ = ["MIDDLEWARE", "TAG", "router", "startup"]

#: ASGI middleware the application installs for this block.
MIDDLEWARE = (ServiceAccessMiddleware,)


def startup(state: Any) -> None:
    """Add provider services registered since existing workspaces were seeded."""
    reconcile_providers(state.database)
