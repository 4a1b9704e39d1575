"""Service access: ``/r1/{serviceId}/{path}`` as an X-Road security server serves it.

One request goes through these steps: authenticate the learner key, parse the
service id and the client header, look the service up in the learner's
directory (it must exist, be enabled, and the client must hold a grant),
forward to the provider, add the X-Road response headers, and record the
exchange in the message log. Metaservices and Pub/Sub share the same path
space and are dispatched from here.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from ..db import utcnow
from ..deps import LearnerContext, get_state, learner_dependency
from ..errors import SandboxError
from . import metaservices, pubsub
from .directory import find_provider, resolve_route
from .forwarding import (
    ProviderAnswer,
    call_external,
    call_in_app,
    request_hash,
    request_headers,
    response_headers,
)
from .identifiers import ClientId, IdentifierError, ServiceId, decode_part
from .messagelog import writer_for
from .xroad_errors import (
    ACCESS_DENIED,
    BAD_REQUEST,
    NETWORK_ERROR,
    SERVICE_DISABLED,
    UNKNOWN_SERVICE,
    XRoadError,
    render_xroad_error,
)

__all__ = ["CLIENT_HEADERS", "authenticate", "client_from", "mediate"]

#: Client headers accepted, first match wins: X-Road's, the GovStack IM
#: spec's, and the Digital Registries spec's.
CLIENT_HEADERS = ("x-road-client", "x-govstack-client", "information-mediator-client")
_MAX_ID_HEADER = 100
_NO_BODY = {204, 304}


async def authenticate(request: Request) -> LearnerContext:
    """The learner of the request, off the event loop only when the key is new."""
    return await learner_dependency(request)


def client_from(request: Request) -> tuple[ClientId, str]:
    """The client id of the request and the header it came in."""
    for name in CLIENT_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            try:
                return ClientId.parse(value), name
            except IdentifierError as exc:
                raise XRoadError(
                    BAD_REQUEST,
                    f"Error parsing the client's REST request: the {name} header "
                    f"is malformed: {exc}.",
                ) from exc
    raise XRoadError(
        BAD_REQUEST,
        "Error parsing the client's REST request: the X-Road-Client header is "
        "missing. Send X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. "
        "SANDBOX/ORG/CLIENT/TEST.",
    )


@dataclass
class Target:
    """The parsed request line of a ``/r1`` request."""

    service: ServiceId
    rest: str | None
    raw_rest: bytes
    target: bytes


def parse_target(request: Request) -> Target:
    """Split ``/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]`` (still encoded)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise XRoadError(
            BAD_REQUEST,
            "Error parsing the client's REST request: the path holds characters "
            "that are not percent-encoded.",
        ) from None
    parts = text.split("/", 7)
    if len(parts) < 7 or parts[1] != "r1":
        raise XRoadError(
            BAD_REQUEST,
            "Error parsing the client's REST request: the path must be "
            "/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path], e.g. "
            "/r1/SANDBOX/GOV/PROVIDER/TEST/health.",
        )
    try:
        service = ServiceId.from_raw_parts(parts[2:7])
        rest = parts[7] if len(parts) == 8 else None
        if rest:
            for segment in rest.split("/"):
                if segment:
                    decoded = decode_part(segment, "service path segment")
                    if decoded != decoded.strip("\x00"):
                        raise IdentifierError("the service path holds a NUL")
    except IdentifierError as exc:
        raise XRoadError(
            BAD_REQUEST, f"Error parsing the client's REST request: {exc}."
        ) from exc
    raw_rest = b"" if rest is None else b"/" + rest.encode("ascii")
    target = raw + (b"?" + query if query else b"")
    return Target(service, rest, raw_rest, target)


def _optional(request: Request, name: str, limit: int = _MAX_ID_HEADER) -> str:
    value = request.headers.get(name, "")
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise XRoadError(
            BAD_REQUEST,
            f"Error parsing the client's REST request: the {name} header is "
            f"longer than {limit} characters or holds control characters.",
        )
    return value


def fast_uuid4() -> str:
    """A random (version 4) UUID without a system call.

    Message ids must be unique, not secret, so the ``random`` module's
    generator is enough (it is reseeded in forked workers);
    ``uuid.uuid4()`` reads the OS's random source on every call.
    """
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


class _Exchange:
    """Bookkeeping of one mediated request, for the message log."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.started = time.perf_counter()
        self.started_at = utcnow()
        self.message_id = ""
        self.request_id = fast_uuid4()
        self.client = ""
        self.service = ""
        self.user_id = ""
        self.issue = ""
        self.hash = ""
        self.request_bytes = 0

    def record(self, learner: LearnerContext, response: Response) -> None:
        elapsed = time.perf_counter() - self.started
        body = getattr(response, "body", b"") or b""
        writer_for(get_state(self.request).database).record(
            {
                "workspace_id": learner.id,
                "message_id": self.message_id[:100],
                "request_id": self.request_id,
                "client_id": self.client[:500],
                "service_id": self.service[:500],
                "method": self.request.method[:10],
                "path": self.request.url.path[:500],
                "user_id": self.user_id[:100],
                "issue": self.issue[:200],
                "started_at": self.started_at,
                "finished_at": utcnow(),
                "duration_ms": round(elapsed * 1000, 3),
                "status": response.status_code,
                "xroad_error": response.headers.get("x-road-error", "")[:100],
                "request_bytes": self.request_bytes,
                "response_bytes": len(body),
                "request_hash": self.hash,
            }
        )


async def mediate(request: Request) -> Response:
    """Serve one ``/r1`` request; never raises for a learner's request."""
    learner = await authenticate(request)
    exchange = _Exchange(request)
    try:
        response = await _mediate(request, learner, exchange)
    except SandboxError as error:
        response = render_xroad_error(request, error)
    exchange.record(learner, response)
    return response


async def _mediate(
    request: Request, learner: LearnerContext, exchange: _Exchange
) -> Response:
    target = parse_target(request)
    exchange.service = str(target.service)
    client, _header = client_from(request)
    exchange.client = str(client)
    exchange.message_id = _optional(request, "x-road-id") or fast_uuid4()
    exchange.user_id = _optional(request, "x-road-userid")
    exchange.issue = _optional(request, "x-road-issue", 200)
    _optional(request, "x-road-security-server", 420)
    body = await request.body()
    exchange.request_bytes = len(body)
    service = target.service
    state = get_state(request)

    if service.service_code in metaservices.METASERVICES and target.rest is None:
        response = await _metaservice(request, learner, service, client)
        response.headers.update(_xroad_headers(exchange))
        return response

    # One small indexed read, done on the event loop: a thread hop would cost
    # more than the query itself (see docs/performance.md).
    with state.database.engine.connect() as connection:
        route = resolve_route(connection, learner.id, str(service), str(client))
    if route is None:
        if pubsub.is_pubsub_path(service.service_code, target.rest):
            response = await _pubsub(request, learner, service, client, target, body)
            response.headers.update(_xroad_headers(exchange))
            return response
        raise XRoadError(UNKNOWN_SERVICE, f"Unknown service: SERVICE:{service}")
    if not route.enabled:
        notice = f": {route.disabled_notice}" if route.disabled_notice else ""
        raise XRoadError(
            SERVICE_DISABLED, f"Service SERVICE:{service} is disabled{notice}"
        )
    if not route.allowed:
        raise XRoadError(ACCESS_DENIED, f"Request is not allowed: SERVICE:{service}")

    xroad = [
        (b"x-road-client", str(client).encode()),
        (b"x-road-service", str(service).encode()),
        (b"x-road-id", exchange.message_id.encode("latin-1")),
        (b"x-road-request-id", exchange.request_id.encode()),
    ]
    if exchange.user_id:
        xroad.append((b"x-road-userid", exchange.user_id.encode("latin-1")))
    if exchange.issue:
        xroad.append((b"x-road-issue", exchange.issue.encode("latin-1")))
    headers = request_headers(request.scope["headers"], xroad)
    exchange.hash = request_hash(request.method, target.target, headers, body)
    query = request.scope.get("query_string", b"")

    answer: ProviderAnswer
    if route.service_url:
        answer = await call_external(
            route.service_url,
            request.method,
            target.raw_rest,
            query,
            headers,
            body,
            get_state(request).egress,
        )
    else:
        provider = find_provider(service)
        if provider is None:
            raise XRoadError(
                NETWORK_ERROR,
                f"The provider of SERVICE:{service} is not running in this sandbox.",
            )
        answer = await call_in_app(
            provider.router,
            provider.base_path,
            request.scope,
            request.method,
            target.raw_rest,
            query,
            headers,
            body,
        )
    return _relay(
        answer, exchange, in_app=not route.service_url, head=request.method == "HEAD"
    )


def _relay(
    answer: ProviderAnswer, exchange: _Exchange, *, in_app: bool, head: bool
) -> Response:
    response = Response(b"" if head else answer.body, status_code=answer.status)
    raw = response_headers(answer.headers, in_app=in_app)
    if answer.status not in _NO_BODY and answer.status >= 200 and not head:
        raw.append((b"content-length", str(len(answer.body)).encode()))
    raw += [
        (b"x-road-id", exchange.message_id.encode("latin-1")),
        (b"x-road-client", exchange.client.encode()),
        (b"x-road-service", exchange.service.encode()),
        (b"x-road-request-id", exchange.request_id.encode()),
        (b"x-road-request-hash", exchange.hash.encode()),
    ]
    response.raw_headers = raw
    return response


def _xroad_headers(exchange: _Exchange) -> dict[str, str]:
    return {
        "X-Road-Id": exchange.message_id,
        "X-Road-Client": exchange.client,
        "X-Road-Service": exchange.service,
        "X-Road-Request-Id": exchange.request_id,
    }


async def _metaservice(
    request: Request, learner: LearnerContext, service: ServiceId, client: ClientId
) -> Response:
    if request.method != "GET":
        raise XRoadError(
            BAD_REQUEST, f"The metaservice {service.service_code} answers GET only."
        )
    state = get_state(request)
    subsystem = service.subsystem

    def answer() -> Any:
        with state.database.session() as session:
            if service.service_code == "listMethods":
                return metaservices.list_methods(session, learner.id, subsystem)
            if service.service_code == "allowedMethods":
                return metaservices.list_methods(session, learner.id, subsystem, client)
            return metaservices.openapi_of(
                session,
                learner.id,
                subsystem,
                request.query_params.get("serviceCode", ""),
            )

    data = await run_in_threadpool(answer)
    return JSONResponse(data)


async def _pubsub(
    request: Request,
    learner: LearnerContext,
    service: ServiceId,
    client: ClientId,
    target: Target,
    body: bytes,
) -> Response:
    state = get_state(request)
    assert target.rest is not None

    def answer() -> tuple[int, Any]:
        for attempt in range(8):
            try:
                with state.database.session() as session:
                    return pubsub.handle(
                        session,
                        learner.id,
                        service.subsystem,
                        client,
                        request.method,
                        service.service_code,
                        target.rest or "",
                        body,
                    )
            except OperationalError:
                if not state.database.is_sqlite or attempt == 7:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    try:
        status, data = await run_in_threadpool(answer)
    except pubsub.PubSubError as error:
        return JSONResponse(
            {"error": error.code, "message": error.message},
            status_code=error.status,
        )
    if status == 204:
        return Response(status_code=204)
    return Response(
        json.dumps(data).encode(), status_code=status, media_type="application/json"
    )
