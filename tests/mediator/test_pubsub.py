"""Pub/Sub in PULL mode: event types, subscriptions, FIFO order, acknowledgement."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import govlearn

SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
}
PUBLISHER = "SANDBOX/GOV/PROVIDER/PAYMENT"
SUBSCRIBER = "SANDBOX/ORG/CLIENT/TEST"


def test_publish_pull_acknowledge_in_fifo_order(sandbox) -> None:
    client = sandbox.learner("amina")
    mediator = client.mediator
    room = mediator.my_member() + "/APP"
    created = mediator.create_event_type(room, "payment.done", SCHEMA)
    assert created == {"eventType": "payment.done", "schema": SCHEMA}
    subscription = mediator.subscribe(room, "payment.done", client=SUBSCRIBER)
    assert subscription["delivery"] == "PULL"
    assert subscription["subscriberId"]["applicationCode"] == "TEST"

    ids = [
        mediator.publish(room, "payment.done", {"n": n}, client=PUBLISHER)
        for n in range(5)
    ]
    assert len(set(ids)) == 5
    seen = []
    while (event := mediator.pull(room, "payment.done", client=SUBSCRIBER)) is not None:
        again = mediator.pull(room, "payment.done", client=SUBSCRIBER)
        assert again == event, "an event stays first until it is acknowledged"
        seen.append(event)
        mediator.acknowledge(room, "payment.done", event["id"], client=SUBSCRIBER)
    assert [e["event"]["n"] for e in seen] == [0, 1, 2, 3, 4]
    assert [e["id"] for e in seen] == ids
    sequences = [e["sequence"] for e in seen]
    assert sequences == sorted(sequences) and len(set(sequences)) == 5
    assert seen[0]["publisherId"] == {
        "instanceId": "SANDBOX",
        "memberClass": "GOV",
        "memberCode": "PROVIDER",
        "applicationCode": "PAYMENT",
    }
    with pytest.raises(govlearn.ProviderError) as again:
        mediator.acknowledge(room, "payment.done", ids[0], client=SUBSCRIBER)
    assert again.value.status_code == 409


def test_pubsub_rules(sqlite_sandbox) -> None:
    client = sqlite_sandbox.learner("amina")
    mediator = client.mediator
    room = "SANDBOX/COM/amina/APP"
    mediator.create_event_type(room, "t", SCHEMA)
    with pytest.raises(govlearn.ProviderError) as exists:
        mediator.create_event_type(room, "t", SCHEMA)
    assert exists.value.status_code == 409
    # Events before a subscription are not delivered to it.
    mediator.publish(room, "t", {"n": 0})
    mediator.subscribe(room, "t")
    assert mediator.pull(room, "t") is None
    with pytest.raises(govlearn.ProviderError) as invalid:
        mediator.publish(room, "t", {"n": "not a number"})
    assert invalid.value.status_code == 400
    with pytest.raises(govlearn.ProviderError) as unknown:
        mediator.publish(room, "missing", {"n": 1})
    assert unknown.value.status_code == 404
    with pytest.raises(govlearn.ProviderError) as push:
        mediator.subscribe(room, "t", mode="PUSH", client="SANDBOX/COM/amina/APP")
    assert push.value.status_code == 400
    with pytest.raises(govlearn.ProviderError) as nobody:
        mediator.pull(room, "t", client="SANDBOX/COM/amina/APP")
    assert nobody.value.status_code == 404
    event_id = mediator.publish(room, "t", {"n": 2})
    status = client.http.get(
        f"/r1/{room}/pub/v1/t/{event_id}", headers={"X-Road-Client": SUBSCRIBER}
    )
    assert status.status_code == 200 and status.json()["event"] == {"n": 2}
    listed = client.http.get(
        f"/r1/{room}/api/v1/eventType", headers={"X-Road-Client": SUBSCRIBER}
    ).json()
    assert listed == [{"eventType": "t", "schema": SCHEMA}]
    subs = client.http.get(
        f"/r1/{room}/api/v1/subs", headers={"X-Road-Client": SUBSCRIBER}
    ).json()
    assert [s["eventType"] for s in subs] == ["t"]
    no_room = client.http.get(
        "/r1/SANDBOX/COM/amina/NOROOM/api/v1/eventType",
        headers={"X-Road-Client": SUBSCRIBER},
    )
    assert no_room.status_code == 404 and "X-Road-Error" not in no_room.headers


def test_rooms_are_per_workspace(sqlite_sandbox) -> None:
    amina = sqlite_sandbox.learner("amina").mediator
    bruno = sqlite_sandbox.learner("bruno").mediator
    room = "SANDBOX/GOV/PROVIDER/TEST"
    amina.create_event_type(room, "t", SCHEMA)
    bruno.create_event_type(room, "t", SCHEMA)
    amina.subscribe(room, "t")
    bruno.subscribe(room, "t")
    amina.publish(room, "t", {"n": 1})
    assert bruno.pull(room, "t") is None
    assert amina.pull(room, "t")["event"] == {"n": 1}


def test_concurrent_publishers_get_distinct_sequences(sandbox) -> None:
    client = sandbox.learner("amina")
    room = "SANDBOX/COM/amina/APP"
    client.mediator.create_event_type(room, "t", SCHEMA)
    client.mediator.subscribe(room, "t")

    def publish(n: int) -> str:
        return client.mediator.publish(room, "t", {"n": n})

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(publish, range(40)))
    assert len(set(ids)) == 40
    sequences = []
    while (event := client.mediator.pull(room, "t")) is not None:
        sequences.append(event["sequence"])
        client.mediator.acknowledge(room, "t", event["id"])
    assert len(sequences) == 40
    assert sequences == sorted(sequences) and len(set(sequences)) == 40
