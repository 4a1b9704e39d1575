"""Service access through the mediator: forwarding, headers, payloads, hashes."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid

import httpx
import pytest

import govlearn

from .conftest import BINARY

HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
ECHO = "SANDBOX/GOV/PROVIDER/TEST/echo"
MIRROR = "SANDBOX/GOV/PROVIDER/TEST/mirror"
CLIENT = "SANDBOX/ORG/CLIENT/TEST"


def test_health_through_the_mediator(sandbox) -> None:
    client = sandbox.learner("amina")
    response = client.mediator.call("GET", HEALTH, "/")
    assert response.json() == {"status": "UP"}
    assert response.headers["X-Road-Client"] == CLIENT
    assert response.headers["X-Road-Service"] == HEALTH
    uuid.UUID(response.headers["X-Road-Id"])
    uuid.UUID(response.headers["X-Road-Request-Id"])
    digest = base64.b64decode(response.headers["X-Road-Request-Hash"])
    assert len(digest) == 64
    assert "X-Road-Error" not in response.headers


def test_provider_sees_same_workspace_and_path(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    echoed = client.mediator.call("GET", ECHO, "/a/b%20c?x=1&y=%C3%A9").json()
    assert echoed["workspace"] == "amina"
    assert echoed["method"] == "GET"
    assert echoed["path"] == "/emulators/test/echo/a/b%20c"
    assert echoed["query"] == "x=1&y=%C3%A9"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_method_is_forwarded(sqlite_sandbox, method: str) -> None:
    client = sqlite_sandbox.learner("amina")
    echoed = client.mediator.call(method, ECHO, "/x", content=b"hello").json()
    assert echoed["method"] == method
    assert base64.b64decode(echoed["bodyBase64"]) == b"hello"


def test_headers_pass_through_and_hop_by_hop_do_not(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    response = client.mediator.call(
        "POST",
        ECHO,
        "/headers",
        content=b"{}",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": "Bearer abc.def.ghi",
            "X-Custom": "kept",
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "dropped because Connection names it",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic c2VjcmV0",
            "User-Agent": "learner-notebook/1.0",
            "X-Road-UserId": "EE12345678901",
            "X-Road-Issue": "ticket-42",
        },
    )
    names = [name for name, _ in response.json()["headers"]]
    received = dict(response.json()["headers"])
    assert received["authorization"] == "Bearer abc.def.ghi"
    assert received["x-custom"] == "kept"
    assert received["content-type"] == "application/json"
    assert received["accept"] == "application/json"
    assert received["x-govlearn-key"]
    assert received["x-road-client"] == CLIENT
    assert received["x-road-service"] == ECHO
    assert received["x-road-userid"] == "EE12345678901"
    assert received["x-road-issue"] == "ticket-42"
    for dropped in (
        "connection",
        "x-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "user-agent",
    ):
        assert dropped not in names, dropped
    assert names.count("host") == 1


def test_x_road_id_is_kept_or_generated(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    given = client.mediator.call("GET", HEALTH, headers={"X-Road-Id": "my-id-1"})
    assert given.headers["X-Road-Id"] == "my-id-1"
    generated = client.mediator.call("GET", HEALTH)
    assert uuid.UUID(generated.headers["X-Road-Id"])
    assert generated.headers["X-Road-Request-Id"] != given.headers["X-Road-Request-Id"]


@pytest.mark.parametrize(
    "header", ["X-Road-Client", "X-GovStack-Client", "Information-Mediator-Client"]
)
def test_all_client_headers_are_accepted(sqlite_sandbox, header: str) -> None:
    key = sqlite_sandbox.new_key("amina")
    response = httpx.get(
        f"{sqlite_sandbox.url}/r1/{HEALTH}/",
        headers={"X-GovLearn-Key": key, header: CLIENT},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Road-Client"] == CLIENT


def test_request_hash_is_sha512_of_the_forwarded_message(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    body = b'{"amount": 10}'
    response = client.mediator.call(
        "POST",
        ECHO,
        "/pay?currency=USD",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    echoed = response.json()
    lines = b"POST\r\n/r1/" + ECHO.encode() + b"/pay?currency=USD\r\n"
    for name, value in echoed["headers"]:
        if name not in ("host", "content-length"):
            lines += f"{name}: {value}\r\n".encode("latin-1")
    expected = hashlib.sha512(lines + b"\r\n" + body).digest()
    assert base64.b64decode(response.headers["X-Road-Request-Hash"]) == expected


def test_payload_is_untouched_both_ways(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    payload = BINARY + os.urandom(4096)
    response = client.mediator.call(
        "PUT",
        MIRROR,
        "/blob",
        content=payload,
        headers={"Content-Type": "application/x-anything; charset=latin-1"},
    )
    assert response.content == payload
    assert response.headers["content-type"] == "application/x-anything; charset=latin-1"
    assert response.headers["content-length"] == str(len(payload))


def test_provider_errors_pass_through_untouched(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    body = b"<error>teapot</error>"
    with pytest.raises(govlearn.ProviderError) as caught:
        client.mediator.call(
            "POST",
            MIRROR,
            "?status=418",
            content=body,
            headers={"Content-Type": "application/xml"},
        )
    response = caught.value.response
    assert response is not None
    assert response.status_code == 418
    assert response.content == body
    assert "X-Road-Error" not in response.headers
    assert response.headers["X-Road-Service"] == MIRROR
    assert "418" in str(caught.value)


def test_learner_registered_service_over_real_http(
    sqlite_sandbox, external_provider
) -> None:
    client = sqlite_sandbox.learner("amina")
    app = client.mediator.register_subsystem("SHOP")
    service = client.mediator.register_service(app, "orders", external_provider.url)
    assert service == "SANDBOX/COM/amina/SHOP/orders"
    client.mediator.grant(service, CLIENT)

    response = client.mediator.call(
        "POST",
        service,
        "/v1/orders/7?fresh=true",
        content=BINARY,
        headers={
            "Content-Type": "application/x-test",
            "X-Custom": "kept",
            "User-Agent": "learner/1",
        },
    )
    seen = external_provider.last()
    assert (seen.method, seen.path, seen.body) == (
        "POST",
        "/v1/orders/7?fresh=true",
        BINARY,
    )
    received = {name.lower(): value for name, value in seen.headers}
    assert received["x-custom"] == "kept"
    assert received["x-road-client"] == CLIENT
    assert received["user-agent"] != "learner/1"
    assert "x-govlearn-key" not in received, "learner keys never leave the sandbox"
    assert response.content == BINARY
    assert response.headers["X-Provider-Header"] == "kept"
    assert "X-Road-Error" not in response.headers, (
        "providers cannot forge X-Road errors"
    )

    binary = client.mediator.call("GET", service, "/binary")
    assert binary.content == BINARY
    assert binary.headers["content-type"] == "application/x-test"

    with pytest.raises(govlearn.ProviderError) as caught:
        client.mediator.call("GET", service, "/status/503")
    assert caught.value.response is not None
    assert caught.value.response.status_code == 503
    assert caught.value.response.text == "provider says no"
