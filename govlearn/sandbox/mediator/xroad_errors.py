"""X-Road errors: the ``X-Road-Error`` header and a ``{type, message, detail}`` body.

``detail`` is a fresh UUID, as the security server gives it, so a learner can
quote one exact failure. Every error on the mediator's paths is rendered this
way, including missing learner keys, invalid bodies and oversized payloads.
"""

from __future__ import annotations

import re
import uuid

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from ..errors import SandboxError, error_style

__all__ = [
    "ACCESS_DENIED",
    "BAD_REQUEST",
    "INTERNAL_ERROR",
    "NETWORK_ERROR",
    "PREFIXES",
    "SERVICE_DISABLED",
    "UNKNOWN_SERVICE",
    "XRoadError",
    "render_xroad_error",
    "xroad_response",
]

BAD_REQUEST = "Client.BadRequest"
UNKNOWN_SERVICE = "Server.ServerProxy.UnknownService"
ACCESS_DENIED = "Server.ServerProxy.AccessDenied"
SERVICE_DISABLED = "Server.ServerProxy.ServiceDisabled"
NETWORK_ERROR = "Server.ServerProxy.NetworkError"
INTERNAL_ERROR = "Server.ServerProxy.InternalError"

#: The paths the security server of the sandbox answers.
PREFIXES = (
    "/r1",
    "/listClients",
    "/api/v1/rights",
    "/api/v1/config",
    "/api/v1/status",
    "/api/v1/messagelog",
)


class XRoadError(SandboxError):
    """An error the security server itself reports (``Client.*``, ``Server.*``)."""

    def __init__(self, error_type: str, message: str, *, status: int = 0) -> None:
        if not status:
            status = 400 if error_type.startswith("Client.") else 500
        super().__init__(status, error_type, message)


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_\W]+", code) if part)


def error_type_for(error: SandboxError) -> str:
    """The X-Road type of any sandbox error raised on the mediator's paths."""
    if error.code.startswith(("Client.", "Server.")):
        return error.code
    if error.status_code >= 500:
        return INTERNAL_ERROR
    return "Client." + (_camel(error.code) or "BadRequest")


def xroad_response(
    error_type: str,
    message: str,
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    """An X-Road error response."""
    all_headers = {"X-Road-Error": error_type}
    all_headers.update(headers or {})
    return JSONResponse(
        {"type": error_type, "message": message, "detail": str(uuid.uuid4())},
        status_code=status,
        headers=all_headers,
    )


def render_xroad_error(_request: Request, error: SandboxError) -> Response:
    """Render any :class:`SandboxError` in the X-Road shape."""
    return xroad_response(
        error_type_for(error), error.message, error.status_code, error.headers
    )


for _prefix in PREFIXES:
    error_style(_prefix)(render_xroad_error)
