"""X-Road errors: every type, their shape, and the helper's exceptions."""

from __future__ import annotations

import http.client
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

import govlearn

from .conftest import closed_port_url

HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
CLIENT = "SANDBOX/ORG/CLIENT/TEST"


def assert_xroad_error(response: httpx.Response, error_type: str, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["X-Road-Error"] == error_type
    body = response.json()
    assert set(body) == {"type", "message", "detail"}
    assert body["type"] == error_type
    uuid.UUID(body["detail"])
    return body


def raw_get(url: str, path: str, headers: dict[str, str]) -> httpx.Response:
    """Send ``path`` exactly as written (httpx would normalise it)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=body)
    finally:
        connection.close()


@pytest.fixture
def learner_headers(sqlite_sandbox) -> dict[str, str]:
    return {"X-GovLearn-Key": sqlite_sandbox.new_key("amina"), "X-Road-Client": CLIENT}


def test_missing_and_malformed_client_header(sqlite_sandbox, learner_headers) -> None:
    key = {"X-GovLearn-Key": learner_headers["X-GovLearn-Key"]}
    missing = httpx.get(f"{sqlite_sandbox.url}/r1/{HEALTH}", headers=key)
    body = assert_xroad_error(missing, "Client.BadRequest", 400)
    assert "X-Road-Client" in body["message"]
    for bad in (
        "SANDBOX/ORG",
        "SANDBOX/ORG/CLIENT/TEST/EXTRA",
        "SANDBOX//CLIENT",
        "SANDBOX/ORG/CLI%ZZ",
        "SANDBOX/ORG/" + "x" * 500,
    ):
        response = httpx.get(
            f"{sqlite_sandbox.url}/r1/{HEALTH}", headers={**key, "X-Road-Client": bad}
        )
        assert_xroad_error(response, "Client.BadRequest", 400)


@pytest.mark.parametrize(
    "path",
    [
        "/r1",
        "/r1/",
        "/r1/SANDBOX/GOV/PROVIDER",
        "/r1/SANDBOX/GOV/PROVIDER/TEST",
        "/r1/SANDBOX/GOV//TEST/health",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/health/../../../admin/learners",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/health/%2e%2e/%2E%2E/x",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/..",
        "/r1/SANDBOX/GOV/PROVIDER/TE%2FST/health",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/health/%00",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/health/%zz",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/%C3%28",
        "/r1/SANDBOX/GOV/" + "P" * 5000 + "/TEST/health",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/health/" + "a/" * 2000,
    ],
)
def test_hostile_paths_are_bad_requests(sqlite_sandbox, learner_headers, path) -> None:
    response = raw_get(sqlite_sandbox.url, path, learner_headers)
    if path.endswith("a/" * 2000):
        # A long service path is a legal path: the provider answers it.
        assert response.status_code in (200, 404), response.text
        assert response.status_code < 500
        return
    assert_xroad_error(response, "Client.BadRequest", 400)


def test_unknown_service(sqlite_sandbox, learner_headers) -> None:
    response = httpx.get(
        f"{sqlite_sandbox.url}/r1/SANDBOX/GOV/PROVIDER/TEST/nothing",
        headers=learner_headers,
    )
    body = assert_xroad_error(response, "Server.ServerProxy.UnknownService", 500)
    assert "SANDBOX/GOV/PROVIDER/TEST/nothing" in body["message"]


def test_access_denied_message_names_the_service(sqlite_sandbox) -> None:
    key = sqlite_sandbox.new_key("amina")
    response = httpx.get(
        f"{sqlite_sandbox.url}/r1/{HEALTH}",
        headers={"X-GovLearn-Key": key, "X-Road-Client": "SANDBOX/COM/amina/APP"},
    )
    body = assert_xroad_error(response, "Server.ServerProxy.AccessDenied", 500)
    assert body["message"] == f"Request is not allowed: SERVICE:{HEALTH}"


def test_service_disabled(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    client.mediator.set_service_enabled(HEALTH, False, notice="maintenance")
    with pytest.raises(govlearn.ServiceDisabled, match="set_service_enabled") as caught:
        client.mediator.call("GET", HEALTH)
    assert caught.value.response is not None
    assert_xroad_error(caught.value.response, "Server.ServerProxy.ServiceDisabled", 500)
    assert "maintenance" in caught.value.response.json()["message"]
    client.mediator.set_service_enabled(HEALTH, True)
    assert client.mediator.call("GET", HEALTH).status_code == 200


def test_unreachable_provider_is_a_network_error(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    app = client.mediator.register_subsystem("DOWN")
    service = client.mediator.register_service(app, "gone", closed_port_url())
    client.mediator.grant(service, CLIENT)
    with pytest.raises(govlearn.ProviderUnreachable) as caught:
        client.mediator.call("GET", service, "/x")
    assert caught.value.response is not None
    assert_xroad_error(caught.value.response, "Server.ServerProxy.NetworkError", 500)


def test_helper_exceptions_and_friendly_text(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    own = "SANDBOX/COM/amina/APP"
    with pytest.raises(govlearn.AccessDenied) as denied:
        client.mediator.call("GET", HEALTH, client=own)
    text = str(denied.value)
    assert own in text and HEALTH in text and "grant(" in text
    assert denied.value.code == "Server.ServerProxy.AccessDenied"
    with pytest.raises(govlearn.UnknownService, match="list_methods"):
        client.mediator.call("GET", "SANDBOX/GOV/PROVIDER/TEST/nope")
    with pytest.raises(govlearn.BadRequest):
        client.mediator.call("GET", HEALTH, headers={"X-Road-Client": "bad"})
    with pytest.raises(ValueError, match="service id"):
        client.mediator.call("GET", "SANDBOX/GOV/PROVIDER")
    for error in (denied.value,):
        assert isinstance(error, govlearn.MediatorError)
        assert isinstance(error, govlearn.SandboxError)


def test_learner_key_and_body_errors_come_in_xroad_shape(sqlite_sandbox) -> None:
    url = sqlite_sandbox.url
    no_key = httpx.get(f"{url}/r1/{HEALTH}", headers={"X-Road-Client": CLIENT})
    assert no_key.status_code == 401
    assert no_key.headers["X-Road-Error"].startswith("Client.")
    assert set(no_key.json()) == {"type", "message", "detail"}
    client = sqlite_sandbox.learner("amina")
    with pytest.raises(govlearn.AuthenticationError):
        govlearn.Client(url, "glk_wrong").mediator.call("GET", HEALTH)

    big = client.http.post(
        f"/r1/{HEALTH}", content=b"x" * 2_000_000, headers={"X-Road-Client": CLIENT}
    )
    assert big.status_code == 413
    assert big.headers["X-Road-Error"].startswith("Client.")

    invalid = client.http.patch("/api/v1/rights/allow", content=b"{not json")
    assert invalid.status_code == 400
    assert invalid.headers["X-Road-Error"].startswith("Client.")
    wrong_shape = client.http.patch("/api/v1/rights/allow", json={"a": 1})
    assert wrong_shape.status_code == 400
    assert set(wrong_shape.json()) == {"type", "message", "detail"}
    bad_query = client.http.get("/api/v1/messagelog", params={"pageSize": "0"})
    assert bad_query.status_code == 400
    assert bad_query.headers["X-Road-Error"] == "Client.InvalidRequest"


def test_metaservice_errors(sqlite_sandbox, learner_headers) -> None:
    url = sqlite_sandbox.url
    unknown = httpx.get(
        f"{url}/r1/SANDBOX/GOV/NOBODY/X/listMethods", headers=learner_headers
    )
    assert_xroad_error(unknown, "Server.ServerProxy.UnknownService", 500)
    no_code = httpx.get(
        f"{url}/r1/SANDBOX/GOV/PROVIDER/TEST/getOpenAPI", headers=learner_headers
    )
    assert_xroad_error(no_code, "Client.BadRequest", 400)
    post = httpx.post(
        f"{url}/r1/SANDBOX/GOV/PROVIDER/TEST/listMethods", headers=learner_headers
    )
    assert_xroad_error(post, "Client.BadRequest", 400)
