"""Directory, metaservices, access rights and isolation between learners."""

from __future__ import annotations

import pytest

import govlearn

HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
CLIENT = "SANDBOX/ORG/CLIENT/TEST"


def test_list_clients_in_xroad_shape(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    members = client.mediator.list_clients()
    ids = {
        tuple(m["id"].get(k) for k in ("member_class", "member_code", "subsystem_code"))
        for m in members
    }
    assert ("GOV", "PROVIDER", None) in ids
    assert ("GOV", "PROVIDER", "TEST") in ids
    assert ("ORG", "CLIENT", "TEST") in ids
    assert ("COM", "amina", "APP") in ids
    subsystem = next(m for m in members if m["id"].get("subsystem_code") == "TEST")
    assert subsystem["id"]["object_type"] == "SUBSYSTEM"
    assert subsystem["id"]["xroad_instance"] == "SANDBOX"
    assert set(subsystem) == {"id", "name"}
    other = client.http.get("/listClients", params={"xRoadInstance": "ELSEWHERE"})
    assert other.json() == {"member": []}


def test_provider_subsystems_come_from_the_registry(sqlite_sandbox) -> None:
    from govlearn.sandbox.providers import registered_providers

    client = sqlite_sandbox.learner("amina")
    listed = {(m["id"].get("subsystem_code")) for m in client.mediator.list_clients()}
    for provider in registered_providers():
        assert provider.subsystem in listed
        services = client.mediator.list_methods(
            f"SANDBOX/GOV/PROVIDER/{provider.subsystem}"
        )
        assert provider.service_code in {s["service_code"] for s in services}


def test_list_methods_and_openapi(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    services = client.mediator.list_methods("SANDBOX/GOV/PROVIDER/TEST")
    health = next(s for s in services if s["service_code"] == "health")
    assert health == {
        "member_class": "GOV",
        "member_code": "PROVIDER",
        "object_type": "SERVICE",
        "service_code": "health",
        "subsystem_code": "TEST",
        "xroad_instance": "SANDBOX",
        "service_type": "OPENAPI",
        "endpoint_list": [{"method": "GET", "path": "/"}],
    }
    document = client.mediator.get_openapi("SANDBOX/GOV/PROVIDER/TEST", "echo")
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "/r1/SANDBOX/GOV/PROVIDER/TEST/echo"}]
    assert document["paths"]
    with pytest.raises(govlearn.UnknownService):
        client.mediator.get_openapi("SANDBOX/GOV/PROVIDER/TEST", "nothing")


def test_grant_and_revoke_take_effect_at_once(sandbox) -> None:
    client = sandbox.learner("amina")
    own = "SANDBOX/COM/amina/APP"
    assert client.mediator.my_member() == "SANDBOX/COM/amina"
    with pytest.raises(govlearn.AccessDenied):
        client.mediator.call("GET", HEALTH, client=own)
    assert (
        client.mediator.allowed_methods("SANDBOX/GOV/PROVIDER/TEST", client=own) == []
    )

    client.mediator.grant(HEALTH, own)
    assert client.mediator.call("GET", HEALTH, client=own).json() == {"status": "UP"}
    allowed = client.mediator.allowed_methods("SANDBOX/GOV/PROVIDER/TEST", client=own)
    assert [s["service_code"] for s in allowed] == ["health"]
    rights = client.mediator.access_rights(HEALTH)
    assert rights == [{"service": HEALTH, "clients": [own, CLIENT]}]

    client.mediator.revoke(HEALTH, own)
    with pytest.raises(govlearn.AccessDenied):
        client.mediator.call("GET", HEALTH, client=own)
    assert client.mediator.access_rights(HEALTH)[0]["clients"] == [CLIENT]


def test_grants_of_one_learner_do_not_affect_another(sandbox) -> None:
    amina = sandbox.learner("amina")
    bruno = sandbox.learner("bruno")
    amina.mediator.revoke(HEALTH, CLIENT)
    amina.mediator.grant(HEALTH, "SANDBOX/COM/amina/APP")
    with pytest.raises(govlearn.AccessDenied):
        amina.mediator.call("GET", HEALTH)
    assert bruno.mediator.call("GET", HEALTH).status_code == 200
    with pytest.raises(govlearn.AccessDenied):
        bruno.mediator.call("GET", HEALTH, client="SANDBOX/COM/bruno/APP")
    shop = amina.mediator.register_subsystem("SHOP")
    assert all(
        m["id"].get("subsystem_code") != "SHOP" for m in bruno.mediator.list_clients()
    )
    assert shop not in {str(r["service"]) for r in bruno.mediator.access_rights()}


def test_learners_change_only_their_own_member(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    with pytest.raises(govlearn.SandboxError) as caught:
        client.request(
            "PATCH",
            "/api/v1/config",
            attempted="add a subsystem to the provider",
            json={
                "members": [
                    {
                        "class": "GOV",
                        "code": "PROVIDER",
                        "applications": [{"id": "EVIL"}],
                    }
                ]
            },
        )
    assert caught.value.status_code == 403
    with pytest.raises(govlearn.SandboxError) as bad_url:
        client.mediator.register_service(
            client.mediator.register_subsystem("X"), "svc", "file:///etc/passwd"
        )
    assert bad_url.value.status_code == 400
    with pytest.raises(govlearn.SandboxError) as unknown:
        client.mediator.grant(HEALTH, "SANDBOX/COM/nobody/APP")
    assert unknown.value.status_code == 404
    config = client.http.get("/api/v1/config").json()
    assert config["instance"] == "SANDBOX"
    assert config["ownMember"] == "SANDBOX/COM/amina"
    codes = {(m["class"], m["code"]) for m in config["members"]}
    assert codes == {("GOV", "PROVIDER"), ("ORG", "CLIENT"), ("COM", "amina")}


def test_rights_api_pages(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    first = client.http.get("/api/v1/rights/allow", params={"pageSize": 2}).json()
    assert len(first["allowList"]) == 2 and first["nextPageToken"]
    second = client.http.get(
        "/api/v1/rights/allow",
        params={"pageSize": 2, "nextPageToken": first["nextPageToken"]},
    ).json()
    assert second["allowList"][0] != first["allowList"][0]
    entry = first["allowList"][0]
    assert set(entry) == {
        "memberClass",
        "memberCode",
        "applicationId",
        "serviceId",
        "rights",
    }


def test_workspace_reset_restores_the_seeded_directory(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    client.mediator.revoke(HEALTH, CLIENT)
    client.mediator.register_subsystem("SHOP")
    client.reset_workspace()
    assert client.mediator.call("GET", HEALTH).status_code == 200
    assert all(
        m["id"].get("subsystem_code") != "SHOP" for m in client.mediator.list_clients()
    )


def test_new_providers_reach_existing_workspaces_on_restart(tmp_path) -> None:
    from fastapi import APIRouter

    from govlearn.sandbox import providers
    from tests.conftest import start_sandbox

    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    first = start_sandbox(url)
    try:
        key = first.new_key("amina")
        first_client = govlearn.Client(first.url, key)
        first_client.mediator.list_clients()
        first_client.close()
    finally:
        first.close()
    late = APIRouter()

    @late.get("/")
    def ping() -> dict[str, str]:
        return {"late": "yes"}

    service = providers.ProviderService("LATE", "svc", "/emulators/late", "Late", late)
    providers._PROVIDERS[("LATE", "svc")] = service
    try:
        second = start_sandbox(url)
        try:
            client = govlearn.Client(second.url, key)
            methods = client.mediator.list_methods("SANDBOX/GOV/PROVIDER/LATE")
            assert [m["service_code"] for m in methods] == ["svc"]
            rights = client.mediator.access_rights("SANDBOX/GOV/PROVIDER/LATE/svc")
            assert rights[0]["clients"] == [CLIENT]
            client.close()
        finally:
            second.close()
    finally:
        del providers._PROVIDERS[("LATE", "svc")]
