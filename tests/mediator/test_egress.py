"""Where the mediator forwards learners' services: the egress policy.

A hosted sandbox must not become a way into its own network. The policy is
checked on the address each connection is made to, so a host name is judged
by what it resolves to (``localhost`` is loopback, whatever it is called).
"""

from __future__ import annotations

import ipaddress

import pytest

import govlearn
from govlearn.sandbox.egress import EgressPolicy
from tests.conftest import start_sandbox

CLIENT = "SANDBOX/ORG/CLIENT/TEST"
NETWORK_ERROR = "Server.ServerProxy.NetworkError"

ANY = EgressPolicy.parse("any")
PUBLIC = EgressPolicy.parse("public")
PODS = EgressPolicy.parse("10.42.0.0/16, 127.0.0.1")


@pytest.mark.parametrize(
    ("address", "allowed_by"),
    [
        ("169.254.169.254", ()),  # cloud metadata service
        ("::ffff:169.254.169.254", ()),
        ("fe80::1", ()),
        ("0.0.0.0", ()),
        ("224.0.0.1", ()),
        ("240.0.0.1", ()),
        ("127.0.0.1", ("any", "pods")),
        ("127.0.0.2", ("any",)),
        ("::1", ("any",)),
        ("10.42.7.9", ("any", "pods")),
        ("10.43.0.1", ("any",)),
        ("192.168.1.20", ("any",)),
        ("100.64.0.1", ("any",)),
        ("8.8.8.8", ("any", "public", "pods")),
        ("2001:4860:4860::8888", ("any", "public", "pods")),
    ],
)
def test_which_addresses_each_policy_allows(address: str, allowed_by) -> None:  # type: ignore[no-untyped-def]
    ip = ipaddress.ip_address(address)
    policies = {"any": ANY, "public": PUBLIC, "pods": PODS}
    allowed = {name for name, policy in policies.items() if policy.refusal(ip) is None}
    assert allowed == set(allowed_by)


@pytest.mark.parametrize("text", ["", "public", " PUBLIC "])
def test_public_is_the_policy_of_an_empty_setting(text: str) -> None:
    assert EgressPolicy.parse(text) == PUBLIC


def test_a_setting_that_names_no_network_says_which_entry_is_wrong() -> None:
    with pytest.raises(ValueError, match="'pods' is not a network"):
        EgressPolicy.parse("10.42.0.0/16, pods")


def _service(client, url: str) -> str:  # type: ignore[no-untyped-def]
    app = client.mediator.register_subsystem("SHOP")
    service = client.mediator.register_service(app, "orders", url)
    client.mediator.grant(service, CLIENT)
    return service


def _refusal(client, service: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(govlearn.ProviderUnreachable) as caught:
        client.mediator.call("GET", service, "/v1/orders")
    response = caught.value.response
    assert response is not None and response.status_code == 500
    assert response.headers["X-Road-Error"] == NETWORK_ERROR
    return str(response.json()["message"])


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_public_only_sandbox_does_not_call_internal_addresses(
    tmp_path, external_provider, host: str
) -> None:
    running = start_sandbox(
        f"sqlite:///{tmp_path / 'sandbox.db'}", service_networks="public"
    )
    try:
        client = running.learner("amina")
        url = external_provider.url.replace("127.0.0.1", host)
        message = _refusal(client, _service(client, url))
        assert "internal address" in message
        assert "GOVLEARN_SERVICE_NETWORKS" in message
        assert external_provider.received == [], "nothing reached the provider"
    finally:
        running.close()


def test_networks_named_by_the_operator_are_called(tmp_path, external_provider) -> None:
    running = start_sandbox(
        f"sqlite:///{tmp_path / 'sandbox.db'}", service_networks="127.0.0.0/8"
    )
    try:
        client = running.learner("amina")
        service = _service(client, external_provider.url)
        response = client.mediator.call("POST", service, "/v1/orders", content=b"hi")
        assert response.content == b"hi"
        assert external_provider.last().path == "/v1/orders"
    finally:
        running.close()


def test_the_cloud_metadata_address_is_refused_even_when_anything_goes(
    sqlite_sandbox,
) -> None:
    client = sqlite_sandbox.learner("amina")  # the embedded default: "any"
    message = _refusal(client, _service(client, "http://169.254.169.254/latest"))
    assert "link-local" in message
