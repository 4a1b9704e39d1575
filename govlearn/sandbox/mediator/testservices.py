"""The provider subsystem ``SANDBOX/GOV/PROVIDER/TEST``: services to learn with.

* ``health`` answers ``{"status": "UP"}``, like the sandbox's X-Road health check.
* ``echo`` describes the request it received: method, path, query, headers,
  body digest and the learner workspace, so a learner sees exactly what a
  provider gets through the mediator.
* ``mirror`` sends the request body back unchanged, with the same content
  type and the status given in ``?status=``, to show that payloads and
  provider errors pass through untouched.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ..deps import CurrentLearner
from ..providers import ProviderService, register_provider

__all__ = ["ECHO", "HEALTH", "MIRROR", "router"]

_NO_BODY = {204, 205, 304}
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

health_router = APIRouter()
echo_router = APIRouter()
mirror_router = APIRouter()


@health_router.get("")
@health_router.get("/")
async def health() -> dict[str, str]:
    """The provider side is up."""
    return {"status": "UP"}


async def echo(request: Request, learner: CurrentLearner) -> dict[str, Any]:
    """What this provider received, in JSON."""
    body = await request.body()
    return {
        "method": request.method,
        "path": request.scope.get("raw_path", b"").decode("latin-1"),
        "query": request.scope.get("query_string", b"").decode("latin-1"),
        "headers": [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in request.scope["headers"]
        ],
        "bodyBase64": base64.b64encode(body).decode(),
        "bodySha256": hashlib.sha256(body).hexdigest(),
        "workspace": learner.id,
    }


async def mirror(
    request: Request,
    status: int = Query(200, ge=200, le=599, description="Status to answer with."),
) -> Response:
    """The request body, unchanged, with its own content type."""
    body = await request.body()
    if status in _NO_BODY:
        return Response(b"", status_code=status)
    media_type = request.headers.get("content-type", "application/octet-stream")
    return Response(body, status_code=status, media_type=media_type)


def _any_method(target: APIRouter, endpoint: Any, name: str) -> None:
    for method in ALL_METHODS:
        for path, suffix in (("", "root"), ("/{path:path}", "path")):
            target.add_api_route(
                path,
                endpoint,
                methods=[method],
                name=f"{name}_{suffix}_{method.lower()}",
                include_in_schema=method != "HEAD",
            )


_any_method(echo_router, echo, "echo")
_any_method(mirror_router, mirror, "mirror")

HEALTH = register_provider(
    ProviderService(
        "TEST", "health", "/emulators/test/health", "Health check", health_router
    )
)
ECHO = register_provider(
    ProviderService("TEST", "echo", "/emulators/test/echo", "Request echo", echo_router)
)
MIRROR = register_provider(
    ProviderService(
        "TEST", "mirror", "/emulators/test/mirror", "Payload mirror", mirror_router
    )
)

router = APIRouter(tags=["Information Mediator"])
for _service in (HEALTH, ECHO, MIRROR):
    router.include_router(_service.router, prefix=_service.base_path)
