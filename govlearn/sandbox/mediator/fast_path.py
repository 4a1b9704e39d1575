"""ASGI middleware that serves ``/r1`` requests before the application's router.

Every mediated call would otherwise pay for a scan of every route of the
sandbox and for FastAPI's request handling, before the mediator even starts.
This middleware hands ``/r1`` requests straight to
:func:`~govlearn.sandbox.mediator.service_access.mediate`; the route of the
same path stays for the OpenAPI docs and as the fallback.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import SandboxError
from .service_access import mediate
from .xroad_errors import INTERNAL_ERROR, render_xroad_error, xroad_response

__all__ = ["ServiceAccessMiddleware"]

log = logging.getLogger("govlearn")
_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _exception_handlers(app: Any) -> tuple[dict[Any, Any], dict[int, Any]]:
    """The handlers Starlette's ExceptionMiddleware would put in the scope."""
    by_class: dict[Any, Any] = {}
    by_status: dict[int, Any] = {}
    for key, handler in getattr(app, "exception_handlers", {}).items():
        if isinstance(key, int):
            by_status[key] = handler
        elif key is not Exception:
            by_class[key] = handler
    return by_class, by_status


class ServiceAccessMiddleware:
    """Serve ``/r1`` and ``/r1/...`` with the mediator; pass the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._handlers: tuple[dict[Any, Any], dict[int, Any]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/r1" or path.startswith("/r1/")):
            await self.app(scope, receive, send)
            return
        if self._handlers is None:
            self._handlers = _exception_handlers(scope.get("app"))
        scope["starlette.exception_handlers"] = self._handlers
        request = Request(scope, receive)
        try:
            response = await mediate(request)
        except ClientDisconnect:
            return
        except SandboxError as error:
            response = render_xroad_error(request, error)
        except HTTPException as exc:
            converted = SandboxError(
                exc.status_code,
                _CODES.get(exc.status_code, "http_error"),
                str(exc.detail),
                headers=dict(exc.headers or {}),
            )
            response = render_xroad_error(request, converted)
        except Exception:
            log.exception("Unexpected error on %s %s", request.method, path)
            response = xroad_response(
                INTERNAL_ERROR,
                "The mediator failed to handle this request. It has been logged; "
                "try again, and report it if it keeps happening.",
                500,
            )
        await response(scope, receive, send)
