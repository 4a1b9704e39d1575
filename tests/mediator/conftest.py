"""Fixtures of the mediator tests: a small real HTTP provider outside the sandbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

#: Bytes that are not UTF-8 and not JSON, to prove payloads pass untouched.
BINARY = bytes(range(256)) * 4 + b"\x00\xff\r\n--end"


@dataclass
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class ExternalProvider:
    """An HTTP server that records requests and answers by path.

    * ``/binary`` answers 200 with :data:`BINARY` as ``application/x-test``;
    * ``/status/<n>`` answers ``n`` with a plain-text body and a custom header;
    * anything else answers 200 with the request body and content type.
    """

    url: str
    received: list[Received] = field(default_factory=list)
    server: Any = None

    def last(self) -> Received:
        return self.received[-1]


def _handler(provider: ExternalProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            provider.received.append(
                Received(self.command, self.path, list(self.headers.items()), body)
            )
            status, payload = 200, body
            content_type = self.headers.get("Content-Type", "application/octet-stream")
            if self.path.startswith("/binary"):
                payload, content_type = BINARY, "application/x-test"
            elif self.path.startswith("/status/"):
                status = int(self.path.split("/")[2].split("?")[0])
                payload, content_type = b"provider says no", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Provider-Header", "kept")
            self.send_header("X-Road-Error", "forged")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


@pytest.fixture
def external_provider() -> Iterator[ExternalProvider]:
    """A real HTTP server on 127.0.0.1 acting as a learner's own provider."""
    provider = ExternalProvider(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    provider.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """An http URL on which nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


@pytest.fixture(autouse=True)
def _keys_work_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait until a new learner key is accepted before a test uses it.

    The admin route that creates a key commits its database session only after
    the 201 answer has been sent (FastAPI runs ``yield`` dependencies' exit
    code after the response), so a call made at once may still be refused.
    """
    import time

    import httpx

    from tests import conftest as root

    original = root.RunningSandbox.new_key

    def new_key(self: Any, learner_id: str) -> str:
        key = original(self, learner_id)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            answer = httpx.get(
                f"{self.url}/workspace", headers={"X-GovLearn-Key": key}, timeout=60
            )
            if answer.status_code != 401:
                break
            time.sleep(0.02)
        return str(key)

    monkeypatch.setattr(root.RunningSandbox, "new_key", new_key)
