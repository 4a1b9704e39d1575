"""Errors in the shape each building block's specification gives them.

Handlers raise :class:`SandboxError`. Each building block registers a renderer
for the paths it owns with :func:`error_style`; the renderer with the longest
matching path prefix turns the error into a response. So the Identity routes
answer with ``errors[]`` envelopes, the Information Mediator with X-Road errors,
and the sandbox's own routes with ``{"error", "message"}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SandboxError",
    "UnexpectedErrorMiddleware",
    "error_style",
    "install_error_handlers",
    "render_error",
]

log = logging.getLogger("govlearn")

Renderer = Callable[[Request, "SandboxError"], Response]
_STYLES: dict[str, Renderer] = {}


class SandboxError(Exception):
    """An error answer: HTTP status, machine code, human message.

    ``code`` follows the building block's own vocabulary (``invalid_request``,
    ``Client.BadRequest`` ...). ``headers`` are added to the response.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_style(prefix: str) -> Callable[[Renderer], Renderer]:
    """Register ``renderer`` for every path that starts with ``prefix``."""

    def register(renderer: Renderer) -> Renderer:
        _STYLES[prefix] = renderer
        return renderer

    return register


def _default_renderer(_request: Request, error: SandboxError) -> Response:
    return JSONResponse(
        {"error": error.code, "message": error.message},
        status_code=error.status_code,
        headers=error.headers,
    )


def render_error(request: Request, error: SandboxError) -> Response:
    """Render ``error`` in the style of the building block that owns the path."""
    path = request.url.path
    best = ""
    for prefix in _STYLES:
        if path.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    renderer = _STYLES.get(best, _default_renderer) if best else _default_renderer
    return renderer(request, error)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for item in exc.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {item.get('msg', 'invalid value')}")
    return "; ".join(parts) or "the request is not valid"


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, expected or not, through :func:`render_error`."""

    @app.exception_handler(SandboxError)
    async def _sandbox_error(request: Request, exc: SandboxError) -> Response:
        return render_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        message = _describe_validation(exc)
        error = SandboxError(400, "invalid_request", f"Invalid request: {message}.")
        return render_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No sandbox endpoint answers {request.method} {request.url.path}."
        error = SandboxError(
            exc.status_code, code, detail, headers=dict(exc.headers or {})
        )
        return render_error(request, error)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        return render_error(request, unstorable_value(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        return render_error(request, _internal_error())


def unstorable_value(exc: DataError) -> SandboxError:
    """A 400 for a value the database refused to store, saying which kind.

    SQLite stores what it is given; PostgreSQL refuses NUL characters in text,
    text longer than its column and numbers out of range.
    """
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else ""
    if "NUL" in reason:
        what = (
            "Text in the request holds a NUL character (\\u0000), which the "
            "sandbox cannot store. Remove it and send the request again."
        )
    elif "too long" in reason:
        what = (
            "A text value in the request is longer than the sandbox stores. "
            "Shorten it and send the request again."
        )
    else:
        what = (
            f"A value in the request could not be stored ({reason[:120]}). "
            "Check the values against the API documentation at /docs."
        )
    log.info("Refused a value the database cannot store: %s", reason[:200])
    return SandboxError(400, "invalid_request", f"Invalid request: {what}")


def _internal_error() -> SandboxError:
    return SandboxError(
        500,
        "internal_error",
        "The sandbox failed to handle this request. It has been logged; "
        "try again, and report it if it keeps happening.",
    )


class UnexpectedErrorMiddleware:
    """Answer an unexpected exception with a 500 in the building block's shape.

    Starlette's last-resort handler sends such an answer too, but then raises
    the exception again: the server logs it a second time and closes the
    connection, and a client that sends its next request on that connection
    gets no answer at all. Here the exception is logged once and the
    connection stays open. An exception after the answer has started still
    goes up, since only closing the connection can tell the client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:
                raise
            request = Request(scope)
            log.exception(
                "Unexpected error on %s %s (X-Correlation-ID %s)",
                request.method,
                request.url.path,
                scope.get("state", {}).get("correlation_id", "-"),
            )
            await render_error(request, _internal_error())(scope, receive, send)
