"""Pure ASGI middleware: request body limits and correlation ids.

Both run on every request, so they avoid Starlette's ``BaseHTTPMiddleware``.
"""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "CorrelationIdMiddleware"]

CORRELATION_HEADER = b"x-correlation-id"


class CorrelationIdMiddleware:
    """Echo ``X-Correlation-ID`` on every response, generating one if absent.

    GovStack's cross-cutting requirements recommend transaction and
    correlation ids; this lets learners see one in action.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = b""
        for name, header in scope["headers"]:
            if name == CORRELATION_HEADER:
                value = header[:128]
                break
        if not value:
            value = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["correlation_id"] = value.decode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with a 413.

    The check happens when the application reads the body: a declared
    ``Content-Length`` over the limit fails at once, and a chunked upload fails
    as soon as what has arrived passes the limit. The 413 is raised as an
    ``HTTPException``, so each building block renders it in its own style.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> HTTPException:
        return HTTPException(
            413,
            f"The request body is larger than the sandbox accepts "
            f"({self.max_bytes} bytes). Send a smaller payload.",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = 0
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            if declared > self.max_bytes:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, counting_receive, send)
