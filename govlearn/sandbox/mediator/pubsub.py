"""Pub/Sub as the GovStack IM PubSub API defines it, in PULL mode.

A room is a subsystem, addressed like a service without the service code:
``/r1/{instance}/{class}/{member}/{room}/...``. Publishers and subscribers
are identified by their client header. Every event gets a UUID and the next
number of its room's FIFO sequence. A subscription receives the events
published after it was made, oldest first, until it acknowledges each one.

Errors here are the Pub/Sub service's own (``{"error", "message"}`` with the
spec's status codes), not X-Road errors: in the GovStack sandbox the
messaging API is a provider behind the security server.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from .identifiers import ClientId, IdentifierError, decode_part
from .models import Delivery, Event, EventType, PubSubRoom, Subscription, Subsystem

__all__ = ["PubSubError", "handle", "is_pubsub_path"]

Answer = tuple[int, Any]
_MAX_EVENT_TYPE = 100


class PubSubError(Exception):
    """An error of the Pub/Sub service, with the spec's HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def is_pubsub_path(service_code: str, rest: str | None) -> bool:
    """Whether ``{service_code}/{rest}`` is one of the Pub/Sub paths."""
    if rest is None:
        return False
    parts = rest.split("/")
    if service_code == "api":
        return (
            len(parts) >= 2 and parts[0] == "v1" and parts[1] in ("eventType", "subs")
        )
    return service_code in ("pub", "pull") and len(parts) >= 2 and parts[0] == "v1"


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise PubSubError(400, "invalid_json", f"The body is not JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise PubSubError(400, "invalid_body", "The body must be a JSON object.")
    return data


def _event_type_name(raw: str) -> str:
    try:
        name = decode_part(raw, "event type")
    except IdentifierError as exc:
        raise PubSubError(400, "invalid_event_type", f"Invalid path: {exc}.") from exc
    if len(name) > _MAX_EVENT_TYPE:
        raise PubSubError(400, "invalid_event_type", "The event type is too long.")
    return name


def _party(client: ClientId) -> dict[str, str | None]:
    return {
        "instanceId": client.instance,
        "memberClass": client.member_class,
        "memberCode": client.member_code,
        "applicationCode": client.subsystem_code,
    }


def _type_row(session: Session, ws: str, room: str, name: str) -> EventType:
    row = session.scalar(
        select(EventType).where(
            EventType.workspace_id == ws,
            EventType.room_id == room,
            EventType.event_type == name,
        )
    )
    if row is None:
        raise PubSubError(
            404,
            "unknown_event_type",
            f"Room {room} has no event type {name!r}. Create it with "
            f"POST .../api/v1/eventType first.",
        )
    return row


def _subscription(session: Session, ws: str, room: str, name: str, client: str):  # type: ignore[no-untyped-def]
    return session.scalar(
        select(Subscription).where(
            Subscription.workspace_id == ws,
            Subscription.room_id == room,
            Subscription.event_type == name,
            Subscription.subscriber_id == client,
        )
    )


def _subscription_json(row: Subscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "subscriberId": _party(ClientId.parse(row.subscriber_id)),
        "eventType": row.event_type,
        "delivery": row.delivery,
        "options": {"TTL": row.ttl, "FIFO": row.fifo},
    }


def _event_json(row: Event) -> dict[str, Any]:
    return {
        "id": row.id,
        "sequence": row.sequence,
        "publisherId": _party(ClientId.parse(row.publisher_id)),
        "eventType": row.event_type,
        "event": json.loads(row.body),
    }


def handle(
    session: Session,
    workspace_id: str,
    room: ClientId,
    client: ClientId,
    method: str,
    kind: str,
    rest: str,
    body: bytes,
) -> Answer:
    """Answer one Pub/Sub request; raises :class:`PubSubError`."""
    room_id = str(room)
    if (
        session.scalar(
            select(Subsystem.id).where(
                Subsystem.workspace_id == workspace_id,
                Subsystem.subsystem_id == room_id,
            )
        )
        is None
    ):
        raise PubSubError(
            404,
            "unknown_room",
            f"There is no room {room_id}: a room is a registered subsystem. "
            "Register the subsystem first, or use your own APP subsystem.",
        )
    parts = rest.split("/")[1:]
    ctx = _Context(session, workspace_id, room_id, str(client), client)
    if kind == "api" and parts[0] == "eventType":
        return ctx.event_types(method, parts[1:], body)
    if kind == "api":
        return ctx.subscriptions(method, parts[1:], body)
    if kind == "pub":
        return ctx.publishing(method, parts, body)
    return ctx.pulling(method, parts)


class _Context:
    def __init__(
        self, session: Session, ws: str, room: str, client: str, party: ClientId
    ) -> None:
        self.session = session
        self.ws = ws
        self.room = room
        self.client = client
        self.party = party

    @staticmethod
    def _not_allowed(method: str) -> PubSubError:
        return PubSubError(
            405, "method_not_allowed", f"{method} is not allowed on this path."
        )

    def event_types(self, method: str, parts: list[str], body: bytes) -> Answer:
        s, ws, room = self.session, self.ws, self.room
        if not parts or parts == [""]:
            if method == "GET":
                rows = s.scalars(
                    select(EventType)
                    .where(EventType.workspace_id == ws, EventType.room_id == room)
                    .order_by(EventType.event_type)
                )
                return 200, [
                    {"eventType": r.event_type, "schema": json.loads(r.schema)}
                    for r in rows
                ]
            if method != "POST":
                raise self._not_allowed(method)
            data = _json(body)
            name = data.get("eventType")
            schema = data.get("schema")
            if not isinstance(name, str) or not isinstance(schema, dict):
                raise PubSubError(
                    400,
                    "invalid_body",
                    'Send {"eventType": "<name>", "schema": {<JSON Schema>}}.',
                )
            name = _event_type_name(name)
            import jsonschema  # only publishers pay for it, not every start-up

            try:
                jsonschema.validators.validator_for(schema).check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise PubSubError(
                    400, "invalid_schema", f"The schema is not valid: {exc.message}."
                ) from exc
            try:
                with s.begin_nested():
                    s.add(
                        EventType(
                            workspace_id=ws,
                            room_id=room,
                            event_type=name,
                            schema=json.dumps(schema),
                            created_by=self.client,
                        )
                    )
            except IntegrityError as exc:
                raise PubSubError(
                    409, "event_type_exists", f"Room {room} already has {name!r}."
                ) from exc
            try:
                with s.begin_nested():
                    s.add(PubSubRoom(workspace_id=ws, room_id=room, last_sequence=0))
            except IntegrityError:
                pass
            return 200, {"eventType": name, "schema": schema}
        if len(parts) != 1:
            raise PubSubError(404, "not_found", "No such Pub/Sub path.")
        row = _type_row(s, ws, room, _event_type_name(parts[0]))
        if method == "GET":
            return 200, {"eventType": row.event_type, "schema": json.loads(row.schema)}
        if method == "DELETE":
            s.delete(row)
            return 204, None
        raise self._not_allowed(method)

    def subscriptions(self, method: str, parts: list[str], body: bytes) -> Answer:
        s, ws, room = self.session, self.ws, self.room
        if not parts or parts == [""]:
            if method != "GET":
                raise self._not_allowed(method)
            rows = s.scalars(
                select(Subscription)
                .where(
                    Subscription.workspace_id == ws,
                    Subscription.room_id == room,
                    Subscription.subscriber_id == self.client,
                )
                .order_by(Subscription.event_type)
            )
            return 200, [_subscription_json(r) for r in rows]
        if len(parts) != 1:
            raise PubSubError(404, "not_found", "No such Pub/Sub path.")
        name = _event_type_name(parts[0])
        _type_row(s, ws, room, name)
        row = _subscription(s, ws, room, name, self.client)
        if method == "POST":
            if row is not None:
                raise PubSubError(
                    409, "subscription_exists", f"You already subscribe to {name!r}."
                )
            delivery, ttl, fifo = self._options(_json(body), "PULL", 0, True)
            row = Subscription(
                id=str(uuid.uuid4()),
                workspace_id=ws,
                room_id=room,
                event_type=name,
                subscriber_id=self.client,
                delivery=delivery,
                ttl=ttl,
                fifo=fifo,
            )
            s.add(row)
            s.flush()
            return 200, _subscription_json(row)
        if row is None:
            raise PubSubError(
                404, "unknown_subscription", f"You have no subscription to {name!r}."
            )
        if method == "GET":
            return 200, _subscription_json(row)
        if method == "PATCH":
            row.delivery, row.ttl, row.fifo = self._options(
                _json(body), row.delivery, row.ttl, row.fifo
            )
            return 201, _subscription_json(row)
        if method == "DELETE":
            s.execute(delete(Delivery).where(Delivery.subscription_id == row.id))
            s.delete(row)
            return 204, None
        raise self._not_allowed(method)

    @staticmethod
    def _options(
        data: dict[str, Any], delivery: str, ttl: int, fifo: bool
    ) -> tuple[str, int, bool]:
        wanted = data.get("delivery", delivery)
        if wanted == "PUSH":
            raise PubSubError(
                400,
                "push_not_supported",
                "The sandbox delivers events in PULL mode only: subscribe with "
                '"delivery": "PULL" and fetch events from .../pull/v1/{eventType}.',
            )
        if wanted != "PULL":
            raise PubSubError(400, "invalid_delivery", 'delivery must be "PULL".')
        options = data.get("options") or {}
        if not isinstance(options, dict):
            raise PubSubError(400, "invalid_options", "options must be an object.")
        ttl_value = options.get("TTL", ttl)
        fifo_value = options.get("FIFO", fifo)
        if (
            not isinstance(ttl_value, int)
            or isinstance(ttl_value, bool)
            or not (0 <= ttl_value <= 10**9)
        ):
            raise PubSubError(400, "invalid_options", "options.TTL must be seconds.")
        if not isinstance(fifo_value, bool):
            raise PubSubError(400, "invalid_options", "options.FIFO must be boolean.")
        return "PULL", ttl_value, fifo_value

    def publishing(self, method: str, parts: list[str], body: bytes) -> Answer:
        s, ws, room = self.session, self.ws, self.room
        if len(parts) not in (1, 2):
            raise PubSubError(404, "not_found", "No such Pub/Sub path.")
        name = _event_type_name(parts[0])
        kind = _type_row(s, ws, room, name)
        if len(parts) == 2:
            event = s.get(Event, parts[1][:36])
            if event is None or (event.workspace_id, event.room_id) != (ws, room):
                raise PubSubError(404, "unknown_event", "No such event in this room.")
            if method == "GET":
                return 200, _event_json(event)
            if method == "DELETE":
                event.cancelled = True
                s.execute(
                    delete(Delivery).where(
                        Delivery.event_id == event.id,
                        Delivery.acknowledged_at.is_(None),
                    )
                )
                return 204, None
            raise self._not_allowed(method)
        if method != "POST":
            raise self._not_allowed(method)
        data = _json(body)
        if data.get("eventType", name) != name or "event" not in data:
            raise PubSubError(
                400,
                "invalid_body",
                f'Send {{"eventType": "{name}", "event": {{...}}}} to this path.',
            )
        import jsonschema

        try:
            jsonschema.validate(data["event"], json.loads(kind.schema))
        except jsonschema.ValidationError as exc:
            raise PubSubError(
                400,
                "event_does_not_match_schema",
                f"The event does not match the schema of {name!r}: {exc.message}.",
            ) from exc
        sequence = self._next_sequence()
        event = Event(
            id=str(uuid.uuid4()),
            workspace_id=ws,
            room_id=room,
            event_type=name,
            sequence=sequence,
            publisher_id=self.client,
            body=json.dumps(data["event"]),
            published_at=utcnow(),
        )
        s.add(event)
        for subscription_id in s.scalars(
            select(Subscription.id).where(
                Subscription.workspace_id == ws,
                Subscription.room_id == room,
                Subscription.event_type == name,
            )
        ):
            s.add(
                Delivery(
                    subscription_id=subscription_id,
                    event_id=event.id,
                    workspace_id=ws,
                    sequence=sequence,
                )
            )
        return 201, {"id": event.id}

    def _next_sequence(self) -> int:
        statement = (
            update(PubSubRoom)
            .where(PubSubRoom.workspace_id == self.ws, PubSubRoom.room_id == self.room)
            .values(last_sequence=PubSubRoom.last_sequence + 1)
            .returning(PubSubRoom.last_sequence)
        )
        value = self.session.execute(statement).scalar()
        if value is None:
            self.session.add(
                PubSubRoom(workspace_id=self.ws, room_id=self.room, last_sequence=1)
            )
            self.session.flush()
            return 1
        return int(value)

    def pulling(self, method: str, parts: list[str]) -> Answer:
        s, ws, room = self.session, self.ws, self.room
        if len(parts) not in (1, 2):
            raise PubSubError(404, "not_found", "No such Pub/Sub path.")
        name = _event_type_name(parts[0])
        _type_row(s, ws, room, name)
        subscription = _subscription(s, ws, room, name, self.client)
        if subscription is None:
            raise PubSubError(
                404,
                "unknown_subscription",
                f"{self.client} has no subscription to {name!r} in {room}. "
                "Subscribe first with POST .../api/v1/subs/{eventType}.",
            )
        if len(parts) == 1:
            if method != "GET":
                raise self._not_allowed(method)
            delivery = s.scalar(
                select(Delivery)
                .where(
                    Delivery.subscription_id == subscription.id,
                    Delivery.acknowledged_at.is_(None),
                )
                .order_by(Delivery.sequence)
                .limit(1)
            )
            if delivery is None:
                raise PubSubError(404, "no_event", f"No {name!r} event is waiting.")
            event = s.get(Event, delivery.event_id)
            assert event is not None
            return 200, _event_json(event)
        if method != "DELETE":
            raise self._not_allowed(method)
        delivery = s.get(Delivery, (subscription.id, parts[1][:36]))
        if delivery is None:
            raise PubSubError(
                404, "unknown_event", "That event was never delivered to you."
            )
        if delivery.acknowledged_at is not None:
            raise PubSubError(
                409, "already_acknowledged", "You already acknowledged that event."
            )
        delivery.acknowledged_at = utcnow()
        return 204, None
