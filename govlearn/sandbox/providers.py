"""The provider services that sit behind the Information Mediator.

Each emulator (Digital Registries, Payments, Consent) mounts its routes in the
sandbox application under ``base_path`` and registers itself here, so the
mediator can list it in the directory of ``SANDBOX/GOV/PROVIDER`` and forward
``/r1/SANDBOX/GOV/PROVIDER/{subsystem}/{service_code}/{path}`` to
``{base_path}/{path}`` inside the same application.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

__all__ = ["ProviderService", "register_provider", "registered_providers"]


@dataclass(frozen=True)
class ProviderService:
    """One service a provider subsystem offers through the mediator.

    **Parameters:**

    * **subsystem** - the X-Road subsystem code, e.g. ``DIGITAL-REGISTRIES``.
    * **service_code** - the X-Road service code, e.g. ``emulator``.
    * **base_path** - where the routes are mounted in the app, e.g.
      ``/emulators/registries``; a direct call goes there without the mediator.
    * **title** - a human name for directory listings.
    * **router** - the routes, relative to ``base_path``; ``listMethods`` and
      ``getOpenAPI`` are derived from them.
    """

    subsystem: str
    service_code: str
    base_path: str
    title: str
    router: APIRouter


_PROVIDERS: dict[tuple[str, str], ProviderService] = {}


def register_provider(service: ProviderService) -> ProviderService:
    """Make ``service`` known to the mediator (idempotent)."""
    _PROVIDERS[(service.subsystem, service.service_code)] = service
    return service


def registered_providers() -> list[ProviderService]:
    """Every registered provider service, sorted by subsystem and code."""
    return [_PROVIDERS[key] for key in sorted(_PROVIDERS)]
