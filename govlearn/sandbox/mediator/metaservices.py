"""X-Road metaservices: listClients, listMethods, allowedMethods, getOpenAPI.

The JSON shapes are those the sandbox's X-Road 7 returns: snake_case ids,
``{"member": [...]}`` for clients and ``{"service": [...]}`` for methods. The
endpoints of an emulator are read from its router; a service a learner
registered by URL is a plain REST service with every method and path open.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.openapi.utils import get_openapi
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..providers import ProviderService
from .directory import find_provider
from .identifiers import INSTANCE, ClientId, ServiceId
from .models import AccessRight, Member, Service, Subsystem
from .xroad_errors import BAD_REQUEST, UNKNOWN_SERVICE, XRoadError

__all__ = ["METASERVICES", "list_clients", "list_methods", "openapi_of"]

METASERVICES = frozenset({"listMethods", "allowedMethods", "getOpenAPI"})
_ALL_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
_PATH_PARAM = re.compile(r"\{([^}:]+)(:path)?\}")
_DOCUMENTS: dict[tuple[int, str], dict[str, Any]] = {}
_ENDPOINTS: dict[tuple[int, str], tuple[tuple[str, str], ...]] = {}


def list_clients(
    session: Session, workspace_id: str, instance: str | None
) -> dict[str, Any]:
    """Members and subsystems of the instance, as ``listClients`` gives them."""
    if instance not in (None, "", INSTANCE):
        return {"member": []}
    names = {
        member_id: name
        for member_id, name in session.execute(
            select(Member.member_id, Member.name).where(
                Member.workspace_id == workspace_id
            )
        )
    }
    subsystems = session.scalars(
        select(Subsystem.subsystem_id).where(Subsystem.workspace_id == workspace_id)
    )
    clients = [ClientId.parse(m) for m in names] + [
        ClientId.parse(s) for s in subsystems
    ]
    return {
        "member": [
            {"id": client.as_xroad_json(), "name": names.get(client.member_id(), "")}
            for client in sorted(clients, key=lambda c: (str(c.member()), str(c)))
        ]
    }


def _endpoints(provider: ProviderService) -> tuple[tuple[str, str], ...]:
    """``(method, path)`` pairs of an emulator, read from its OpenAPI paths."""
    key = (id(provider.router), "endpoints")
    if key in _ENDPOINTS:
        return _ENDPOINTS[key]
    document = _openapi(provider, "endpoints")
    found: set[tuple[str, str]] = set()
    for template, operations in document.get("paths", {}).items():
        path = _PATH_PARAM.sub("*", template) or "/"
        methods = {m.upper() for m in operations if m.upper() in _ALL_METHODS}
        if methods >= _ALL_METHODS - {"HEAD"}:
            found.add(("*", path))
        else:
            found.update((method, path) for method in methods if method != "HEAD")
    _ENDPOINTS[key] = tuple(sorted(found, key=lambda item: (item[1], item[0])))
    return _ENDPOINTS[key]


def _describe(row: Service) -> dict[str, Any]:
    service = ServiceId(*row.service_id.split("/"))
    provider = find_provider(service) if not row.service_url else None
    data: dict[str, Any] = service.as_xroad_json()
    if provider is not None:
        data["service_type"] = "OPENAPI"
        endpoints = _endpoints(provider)
    else:
        data["service_type"] = "REST"
        endpoints = (("*", "**"),)
    data["endpoint_list"] = [{"method": m, "path": p} for m, p in endpoints]
    return data


def list_methods(
    session: Session,
    workspace_id: str,
    subsystem: ClientId,
    client: ClientId | None = None,
) -> dict[str, Any]:
    """Services of ``subsystem``; with ``client``, only those it may call."""
    _require_subsystem(session, workspace_id, subsystem)
    statement = (
        select(Service)
        .where(
            Service.workspace_id == workspace_id,
            Service.subsystem_id == str(subsystem),
        )
        .order_by(Service.service_code)
    )
    if client is not None:
        granted = select(AccessRight.service_id).where(
            AccessRight.workspace_id == workspace_id,
            AccessRight.client_id == str(client),
        )
        statement = statement.where(Service.service_id.in_(granted))
    return {"service": [_describe(row) for row in session.scalars(statement)]}


def _require_subsystem(
    session: Session, workspace_id: str, subsystem: ClientId
) -> None:
    found = session.scalar(
        select(Subsystem.id).where(
            Subsystem.workspace_id == workspace_id,
            Subsystem.subsystem_id == str(subsystem),
        )
    )
    if found is None:
        raise XRoadError(
            UNKNOWN_SERVICE,
            f"Unknown subsystem: SUBSYSTEM:{subsystem}. List the clients of the "
            "instance with GET /listClients.",
        )


def _openapi(provider: ProviderService, service: str) -> dict[str, Any]:
    """The OpenAPI document of an emulator's router, built once per service."""
    key = (id(provider.router), service)
    if key in _DOCUMENTS:
        return _DOCUMENTS[key]
    document = get_openapi(
        title=provider.title,
        version="1.0.0",
        description=(
            f"The {provider.title} service, reached through the Information "
            f"Mediator as {service}."
        ),
        routes=provider.router.routes,
        servers=[{"url": f"/r1/{service}"}],
    )
    _DOCUMENTS[key] = document
    return document


def openapi_of(
    session: Session, workspace_id: str, subsystem: ClientId, service_code: str
) -> dict[str, Any]:
    """The OpenAPI description of one service of ``subsystem``."""
    if not service_code:
        raise XRoadError(
            BAD_REQUEST,
            "getOpenAPI needs the query parameter serviceCode, e.g. "
            "?serviceCode=emulator.",
        )
    _require_subsystem(session, workspace_id, subsystem)
    service = f"{subsystem}/{service_code}"
    row = session.scalar(
        select(Service).where(
            Service.workspace_id == workspace_id, Service.service_id == service
        )
    )
    if row is None:
        raise XRoadError(UNKNOWN_SERVICE, f"Unknown service: SERVICE:{service}")
    provider = (
        find_provider(ServiceId(*service.split("/"))) if not row.service_url else None
    )
    if provider is None:
        raise XRoadError(
            BAD_REQUEST,
            f"SERVICE:{service} is a plain REST service: it was registered by URL "
            "without an OpenAPI description.",
        )
    return _openapi(provider, service)
