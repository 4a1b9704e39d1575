"""Routes of the Information Mediator: service access, directory, rights, log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..deps import CurrentLearner, DbSession, current_learner, get_state, is_admin
from ..errors import SandboxError
from . import configuration, metaservices
from .directory import learner_member
from .identifiers import INSTANCE
from .messagelog import query_log, writer_for
from .models import MessageLogRecord
from .service_access import mediate
from .testservices import router as test_services_router

__all__ = ["TAG", "router"]

TAG = {
    "name": "Information Mediator",
    "description": (
        "An X-Road style security server (GovStack Information Mediator). Call a "
        "service as `/r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/"
        "{serviceCode}/{path}` with the `X-Road-Client` header (also accepted: "
        "`X-GovStack-Client`, `Information-Mediator-Client`). The directory, "
        "access rights, message log and Pub/Sub rooms belong to your workspace. "
        "Errors carry the `X-Road-Error` header and a `{type, message, detail}` body."
    ),
}

router = APIRouter(tags=["Information Mediator"])

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_XROAD_ERROR = {
    "description": "An X-Road error (`X-Road-Error` header).",
    "content": {
        "application/json": {
            "example": {
                "type": "Server.ServerProxy.AccessDenied",
                "message": "Request is not allowed: SERVICE:SANDBOX/GOV/PROVIDER/"
                "PAYMENT/emulator",
                "detail": "5f0c1f7e-3b8e-4c51-9a53-0c2f3f9c8a11",
            }
        }
    },
}
_ERRORS: dict[int | str, dict[str, Any]] = {400: _XROAD_ERROR, 500: _XROAD_ERROR}


async def service_access(request: Request, service_path: str = "") -> Response:
    """Forward a request to the service named in the path.

    Also serves the metaservices ``listMethods``, ``allowedMethods`` and
    ``getOpenAPI?serviceCode=`` of a subsystem, and the Pub/Sub API of a room
    (``.../{room}/api/v1/eventType``, ``/api/v1/subs``, ``/pub/v1``, ``/pull/v1``).
    """
    return await mediate(request)


for _method in _METHODS:
    router.add_api_route(
        "/r1/{service_path:path}",
        service_access,
        methods=[_method],
        name=f"service_access_{_method.lower()}",
        responses=_ERRORS,
        summary="Call a service through the mediator",
        include_in_schema=_method != "HEAD",
    )
    router.add_api_route(
        "/r1", service_access, methods=[_method], include_in_schema=False
    )


@router.get("/listClients", responses=_ERRORS, summary="List members and subsystems")
def list_clients(
    learner: CurrentLearner,
    session: DbSession,
    xRoadInstance: str | None = Query(None, max_length=100),
) -> dict[str, Any]:
    """Every member and subsystem of the instance (``{"member": [...]}``)."""
    return metaservices.list_clients(session, learner.id, xRoadInstance)


@router.get("/api/v1/status", summary="Is the mediator up and configured?")
def status(learner: CurrentLearner) -> dict[str, Any]:
    """The mediator's status, and the member you own in your workspace."""
    return {
        "status": "UP",
        "configured": True,
        "instance": INSTANCE,
        "ownMember": str(learner_member(learner.id)),
    }


@router.get("/api/v1/config", summary="Your workspace's configuration")
def get_config(learner: CurrentLearner, session: DbSession) -> dict[str, Any]:
    """Members, applications (subsystems), services and rights, as one document."""
    return configuration.config_document(session, learner.id)


def _retrying(request: Request, work: Any) -> Any:
    database = get_state(request).database
    for attempt in range(8):
        try:
            with database.session() as session:
                return work(session)
        except OperationalError:
            if not database.is_sqlite or attempt == 7:
                raise
    raise AssertionError("unreachable")


@router.patch("/api/v1/config", summary="Merge changes into your configuration")
async def patch_config(
    request: Request,
    learner: CurrentLearner,
    body: Annotated[Any, Body(examples=[{"members": []}])],
) -> dict[str, Any]:
    """Add subsystems and services under your own member; switch services on/off.

    Unspecified parts stay as they are. A new service needs ``serviceUrl``
    (http or https); ``enabled`` and ``disabledNotice`` switch a service.
    """
    changes = await run_in_threadpool(
        _retrying,
        request,
        lambda session: configuration.merge_config(session, learner.id, body),
    )
    return {"changes": changes}


@router.get("/api/v1/rights/allow", summary="List access rights")
def list_rights(
    learner: CurrentLearner,
    session: DbSession,
    memberClass: str | None = Query(None, max_length=100),
    memberCode: str | None = Query(None, max_length=100),
    applicationId: str | None = Query(None, max_length=100),
    serviceId: str | None = Query(None, max_length=100),
    pageSize: int = Query(100, ge=1, le=1000),
    nextPageToken: str | None = Query(None, max_length=20),
) -> dict[str, Any]:
    """Each service of your workspace with the clients allowed to call it."""
    offset = _token(nextPageToken)
    filters = {
        "memberClass": memberClass,
        "memberCode": memberCode,
        "applicationId": applicationId,
        "serviceId": serviceId,
    }
    entries, following = configuration.list_rights(
        session, learner.id, filters, offset, pageSize
    )
    return {
        "nextPageToken": None if following is None else str(following),
        "allowList": entries,
    }


def _token(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise SandboxError(
            400, "invalid_request", "nextPageToken must come from a previous page."
        )
    return int(token)


async def _change(
    request: Request, learner_id: str, body: Any, allow: bool
) -> dict[str, Any]:
    entries = await run_in_threadpool(
        _retrying,
        request,
        lambda session: configuration.change_rights(
            session, learner_id, body, allow=allow
        ),
    )
    return {"allowList": entries}


@router.patch("/api/v1/rights/allow", summary="Grant access rights")
async def allow(
    request: Request,
    learner: CurrentLearner,
    body: Annotated[Any, Body(examples=[[]])],
) -> dict[str, Any]:
    """Allow clients to call services; takes effect on the next call."""
    return await _change(request, learner.id, body, True)


@router.patch("/api/v1/rights/deny", summary="Revoke access rights")
async def deny(
    request: Request,
    learner: CurrentLearner,
    body: Annotated[Any, Body(examples=[[]])],
) -> dict[str, Any]:
    """Withdraw clients' rights to call services; takes effect on the next call."""
    return await _change(request, learner.id, body, False)


def _record_json(row: MessageLogRecord, *, with_workspace: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "messageId": row.message_id,
        "requestId": row.request_id,
        "client": row.client_id,
        "service": row.service_id,
        "method": row.method,
        "path": row.path,
        "userId": row.user_id or None,
        "issue": row.issue or None,
        "startedAt": _iso(row.started_at),
        "finishedAt": _iso(row.finished_at),
        "durationMs": row.duration_ms,
        "status": row.status,
        "xroadError": row.xroad_error or None,
        "requestBytes": row.request_bytes,
        "responseBytes": row.response_bytes,
        "requestHash": row.request_hash or None,
    }
    if with_workspace:
        data["workspace"] = row.workspace_id
    return data


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


@router.get("/api/v1/messagelog", summary="Read the message log")
def message_log(
    request: Request,
    session: DbSession,
    service: str | None = Query(None, max_length=500),
    client: str | None = Query(None, max_length=500),
    status: int | None = Query(None, ge=100, le=599),
    since: dt.datetime | None = None,
    workspace: str | None = Query(
        None, max_length=64, description="Instructors only: one learner's entries."
    ),
    pageSize: int = Query(100, ge=1, le=1000),
    nextPageToken: str | None = Query(None, max_length=20),
) -> dict[str, Any]:
    """Your mediated exchanges, newest first (never their payloads).

    With the instructor's admin key (``X-GovLearn-Admin-Key``) and no learner
    key, every learner's entries, each with its ``workspace``.
    """
    admin = is_admin(request) and not request.headers.get("X-GovLearn-Key")
    if admin:
        workspace_id = workspace
    else:
        workspace_id = current_learner(request).id
        if workspace not in (None, workspace_id):
            raise SandboxError(
                403,
                "forbidden",
                "Only an instructor can read another learner's message log.",
            )
    writer_for(get_state(request).database).flush()
    before = _token(nextPageToken) or None
    rows = query_log(
        session,
        workspace_id=workspace_id,
        service=service,
        client=client,
        status=status,
        since=since,
        before_id=before,
        limit=pageSize,
    )
    following = str(rows[-1].id) if len(rows) == pageSize else None
    return {
        "records": [_record_json(r, with_workspace=admin) for r in rows],
        "nextPageToken": following,
    }


# Last, so that the /r1 routes are matched first (routing is a linear scan).
router.include_router(test_services_router)
