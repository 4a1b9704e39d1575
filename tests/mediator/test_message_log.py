"""The message log: every exchange, no payload, each learner only their own."""

from __future__ import annotations

import datetime as dt

import pytest

import govlearn

HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
MIRROR = "SANDBOX/GOV/PROVIDER/TEST/mirror"
SECRET = "payload-marker-7f3a"


def test_each_exchange_is_logged_without_payload(sandbox) -> None:
    client = sandbox.learner("amina")
    ok = client.mediator.call(
        "POST", MIRROR, "/x", json={"secret": SECRET}, headers={"X-Road-Id": "m-1"}
    )
    with pytest.raises(govlearn.AccessDenied):
        client.mediator.call("GET", HEALTH, client="SANDBOX/COM/amina/APP")
    records = client.mediator.message_log()
    assert len(records) == 2
    denied, mirrored = records
    assert mirrored["messageId"] == "m-1"
    assert mirrored["requestId"] == ok.headers["X-Road-Request-Id"]
    assert mirrored["requestHash"] == ok.headers["X-Road-Request-Hash"]
    assert mirrored["client"] == "SANDBOX/ORG/CLIENT/TEST"
    assert mirrored["service"] == MIRROR
    assert (mirrored["method"], mirrored["status"]) == ("POST", 200)
    assert mirrored["path"] == "/r1/SANDBOX/GOV/PROVIDER/TEST/mirror/x"
    assert mirrored["requestBytes"] == len(ok.request.content)
    assert mirrored["responseBytes"] == len(ok.content)
    assert mirrored["xroadError"] is None
    started = dt.datetime.fromisoformat(mirrored["startedAt"])
    finished = dt.datetime.fromisoformat(mirrored["finishedAt"])
    assert started <= finished and mirrored["durationMs"] >= 0
    assert denied["status"] == 500
    assert denied["xroadError"] == "Server.ServerProxy.AccessDenied"
    assert denied["client"] == "SANDBOX/COM/amina/APP"
    raw = client.http.get("/api/v1/messagelog").text
    assert SECRET not in raw
    assert "workspace" not in raw
    assert client.mediator.message_log(service=HEALTH) == [denied]


def test_learners_see_only_their_own_and_instructors_all(sandbox) -> None:
    amina = sandbox.learner("amina")
    bruno = sandbox.learner("bruno")
    amina.mediator.call("GET", HEALTH)
    amina.mediator.call("GET", HEALTH)
    bruno.mediator.call("GET", HEALTH)
    assert len(amina.mediator.message_log()) == 2
    assert len(bruno.mediator.message_log()) == 1
    snoop = bruno.http.get("/api/v1/messagelog", params={"workspace": "amina"})
    assert snoop.status_code == 403
    assert snoop.headers["X-Road-Error"].startswith("Client.")

    admin = sandbox.admin()
    every = admin.get("/api/v1/messagelog").json()["records"]
    assert sorted(r["workspace"] for r in every) == ["amina", "amina", "bruno"]
    only = admin.get("/api/v1/messagelog", params={"workspace": "bruno"}).json()
    assert [r["workspace"] for r in only["records"]] == ["bruno"]


def test_message_log_pages(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    for _ in range(5):
        client.mediator.call("GET", HEALTH)
    page = client.http.get("/api/v1/messagelog", params={"pageSize": 2}).json()
    assert len(page["records"]) == 2 and page["nextPageToken"]
    ids = {r["requestId"] for r in client.mediator.message_log(limit=5)}
    assert len(ids) == 5
    assert len(client.mediator.message_log(limit=3)) == 3
    failed = client.http.get("/api/v1/messagelog", params={"status": 500}).json()
    assert failed["records"] == []


def test_a_nul_in_a_path_is_logged_without_losing_other_rows(sandbox) -> None:
    amina = sandbox.learner("amina")
    bruno = sandbox.learner("bruno")
    # Both calls reach the log's queue together; the NUL one must not keep
    # the other from being written.
    odd = amina.http.get(f"/r1/{MIRROR}/a%00b", headers={"X-Road-Client": ""})
    assert odd.status_code < 500, odd.text
    bruno.mediator.call("GET", HEALTH)
    [logged] = amina.mediator.message_log()
    assert logged["path"] == "/r1/SANDBOX/GOV/PROVIDER/TEST/mirror/a\ufffdb"
    assert len(bruno.mediator.message_log()) == 1
