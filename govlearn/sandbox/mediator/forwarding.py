"""Forwarding a mediated request to its provider, as a security server does.

Method, path, query, body and the caller's own headers reach the provider
unchanged; hop-by-hop headers, ``Host``, ``User-Agent`` and the caller's
X-Road headers do not (the mediator sets its own X-Road headers). Payloads are
never parsed. Emulators inside the sandbox are called in-process over ASGI;
a service a learner registered with an http(s) URL is called over real HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import logging
import weakref
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Scope

from ..deps import FORWARDED_STATE
from ..egress import EgressPolicy, guarded_transport
from ..errors import SandboxError, render_error
from .xroad_errors import NETWORK_ERROR, XRoadError

__all__ = [
    "ProviderAnswer",
    "call_external",
    "call_in_app",
    "request_hash",
    "request_headers",
    "response_headers",
]

Headers = list[tuple[bytes, bytes]]
log = logging.getLogger("govlearn")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: Request headers the mediator consumes or replaces.
_REQUEST_DROPPED = HOP_BY_HOP | {
    b"host",
    b"user-agent",
    b"content-length",
    b"x-govstack-client",
    b"information-mediator-client",
}
#: Response headers of the provider that the mediator replaces.
_RESPONSE_DROPPED = HOP_BY_HOP | {b"server", b"date", b"content-length"}
#: Keys that must never leave the sandbox for a learner's own server.
_SECRET_HEADERS = frozenset({b"x-govlearn-key", b"x-govlearn-admin-key"})
USER_AGENT = b"govlearn-information-mediator"


@dataclass
class ProviderAnswer:
    """The provider's status, headers and body, exactly as it sent them."""

    status: int
    headers: Headers
    body: bytes


def _connection_tokens(headers: Headers) -> set[bytes]:
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return tokens


def request_headers(incoming: Headers, xroad: Headers) -> Headers:
    """The headers forwarded to the provider: X-Road's first, then the caller's."""
    dropped = _REQUEST_DROPPED | _connection_tokens(incoming)
    forwarded = list(xroad)
    for name, value in incoming:
        lower = name.lower()
        if lower in dropped or lower.startswith(b"x-road-"):
            continue
        forwarded.append((lower, value))
    return forwarded


def response_headers(provider: Headers, *, in_app: bool) -> Headers:
    """The provider's response headers the caller receives.

    A provider may not set ``X-Road-*`` headers itself: only the mediator
    says whether an error is an X-Road error.
    """
    dropped = _RESPONSE_DROPPED | _connection_tokens(provider)
    if in_app:
        dropped = dropped | {b"x-correlation-id"}
    return [
        (name, value)
        for name, value in provider
        if name.lower() not in dropped and not name.lower().startswith(b"x-road-")
    ]


def request_hash(method: str, target: bytes, headers: Headers, body: bytes) -> str:
    """Base64 SHA-512 of the request message as the mediator forwards it.

    The message is ``METHOD CRLF target CRLF``, one ``name: value CRLF`` line
    per forwarded header (lower-case names, in order), an empty line, and the
    body. Host and Content-Length, which the transport sets, are not part of
    it.
    """
    digest = hashlib.sha512()
    digest.update(method.encode("ascii") + b"\r\n" + target + b"\r\n")
    for name, value in headers:
        digest.update(name + b": " + value + b"\r\n")
    digest.update(b"\r\n")
    digest.update(body)
    return base64.b64encode(digest.digest()).decode("ascii")


async def call_in_app(
    router: ASGIApp,
    base_path: str,
    outer: Scope,
    method: str,
    raw_rest: bytes,
    query: bytes,
    headers: Headers,
    body: bytes,
) -> ProviderAnswer:
    """Call an emulator's router in this same application over ASGI.

    The request goes straight to the provider's own router (mounted at
    ``base_path``), not back through the whole application: no socket, no
    second pass over every route of the sandbox. The application's error
    handlers still render the provider's errors in the provider's style.
    """
    raw_path = base_path.encode() + raw_rest
    host = b""
    for name, value in outer["headers"]:
        if name == b"host":
            host = value
            break
    transport: Headers = [(b"host", host)] if host else []
    if body:
        transport.append((b"content-length", str(len(body)).encode("ascii")))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": outer.get("asgi", {"version": "3.0"}),
        "http_version": outer.get("http_version", "1.1"),
        "method": method,
        "scheme": outer.get("scheme", "http"),
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": base_path,
        "headers": transport + headers,
        "client": outer.get("client"),
        "server": outer.get("server"),
        # Marks an in-process hop: the learner was already rate-limited once.
        "state": {FORWARDED_STATE: True},
        "app": outer["app"],
    }
    handlers = outer.get("starlette.exception_handlers")
    if handlers is not None:
        scope["starlette.exception_handlers"] = handlers
    finished = asyncio.Event()
    body_sent = False
    status = 0
    answer_headers: Headers = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, answer_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    try:
        async with AsyncExitStack() as stack:
            scope["fastapi_middleware_astack"] = stack
            await router(scope, receive, send)
    except Exception as exc:
        if status:
            raise
        failure = await _render_failure(scope, exc)
        return ProviderAnswer(
            failure.status_code, failure.raw_headers, bytes(failure.body)
        )
    finally:
        finished.set()
    return ProviderAnswer(status, answer_headers, b"".join(chunks))


async def _render_failure(scope: Scope, exc: Exception) -> Response:
    """The provider's own error answer for an exception its router raised.

    The application's exception handlers are used, as the exception middleware
    would; anything unexpected becomes the provider's 500 answer.
    """
    request = Request(scope)
    handlers: tuple[dict[Any, Any], dict[int, Any]] = scope.get(
        "starlette.exception_handlers"
    ) or ({}, {})
    by_class: dict[Any, Any] = handlers[0]
    for kind in type(exc).__mro__:
        handler = by_class.get(kind)
        if handler is not None:
            answer = handler(request, exc)
            if inspect.isawaitable(answer):
                answer = await answer
            return answer  # type: ignore[no-any-return]
    log.error("Provider failed on %s", scope.get("path"), exc_info=exc)
    return render_error(
        request,
        SandboxError(
            500,
            "internal_error",
            "The provider failed to handle this request. It has been logged; "
            "try again, and report it if it keeps happening.",
        ),
    )


_CLIENTS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[EgressPolicy, httpx.AsyncClient]
] = weakref.WeakKeyDictionary()


def _client(policy: EgressPolicy) -> httpx.AsyncClient:
    clients = _CLIENTS.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(policy)
    if client is None:
        client = httpx.AsyncClient(
            transport=guarded_transport(policy),
            follow_redirects=False,
            timeout=httpx.Timeout(30.0, connect=5.0),
            trust_env=False,
        )
        for name in ("accept", "accept-encoding", "connection", "user-agent"):
            del client.headers[name]
        clients[policy] = client
    return client


def external_url(service_url: str, raw_rest: bytes, query: bytes) -> str:
    """Join a registered service URL, the service path and the query."""
    url = service_url.rstrip("/") + raw_rest.decode("ascii")
    if not raw_rest and service_url.endswith("/"):
        url += "/"
    if query:
        url += "?" + query.decode("latin-1")
    return url


async def call_external(
    service_url: str,
    method: str,
    raw_rest: bytes,
    query: bytes,
    headers: Headers,
    body: bytes,
    policy: EgressPolicy,
) -> ProviderAnswer:
    """Call a learner-registered service over HTTP; raw bytes both ways.

    Only addresses ``policy`` allows are connected to; a refused one is a
    network error, as when nothing listens there.
    """
    url = external_url(service_url, raw_rest, query)
    outgoing = [(n, v) for n, v in headers if n not in _SECRET_HEADERS]
    outgoing.append((b"user-agent", USER_AGENT))
    client = _client(policy)
    try:
        request = client.build_request(method, url, headers=outgoing, content=body)
        response = await client.send(request, stream=True)
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
    except (httpx.HTTPError, ValueError) as exc:
        where = urlsplit(service_url)
        raise XRoadError(
            NETWORK_ERROR,
            f"Connect to {where.hostname}:{where.port or _default_port(where.scheme)}"
            f" failed: {exc.__class__.__name__} {str(exc)[:200]}".rstrip(),
        ) from exc
    return ProviderAnswer(response.status_code, list(response.headers.raw), raw)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
