"""Tables of the Information Mediator. Every one belongs to a learner workspace.

Identifiers are stored as their text form (``SANDBOX/GOV/PROVIDER/PAYMENT``),
which is what X-Road shows in its logs and error messages.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = [
    "AccessRight",
    "Delivery",
    "Event",
    "EventType",
    "Member",
    "MessageLogRecord",
    "PubSubRoom",
    "Service",
    "Subscription",
    "Subsystem",
]

_ID = String(420)
_WORKSPACE = String(64)


def _now_column() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow)


class Member(Base):
    """A member organisation of the instance, e.g. ``SANDBOX/GOV/PROVIDER``."""

    __tablename__ = "im_members"
    __table_args__ = (UniqueConstraint("workspace_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    member_id: Mapped[str] = mapped_column(_ID)
    name: Mapped[str] = mapped_column(String(200), default="")


class Subsystem(Base):
    """A subsystem (GovStack: application) of a member; also a pub/sub room."""

    __tablename__ = "im_subsystems"
    __table_args__ = (UniqueConstraint("workspace_id", "subsystem_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    member_id: Mapped[str] = mapped_column(_ID)
    subsystem_id: Mapped[str] = mapped_column(_ID)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = _now_column()


class Service(Base):
    """A service of a subsystem.

    ``service_url`` is empty for a provider emulator inside the sandbox (found
    through :mod:`govlearn.sandbox.providers`) and an http(s) URL for a
    service a learner registered.
    """

    __tablename__ = "im_services"
    __table_args__ = (UniqueConstraint("workspace_id", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    subsystem_id: Mapped[str] = mapped_column(_ID)
    service_id: Mapped[str] = mapped_column(_ID)
    service_code: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200), default="")
    service_url: Mapped[str] = mapped_column(String(2000), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_notice: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = _now_column()


class AccessRight(Base):
    """A grant: ``client_id`` may call ``service_id``."""

    __tablename__ = "im_access_rights"
    __table_args__ = (UniqueConstraint("workspace_id", "service_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    service_id: Mapped[str] = mapped_column(_ID)
    client_id: Mapped[str] = mapped_column(_ID)
    granted_at: Mapped[dt.datetime] = _now_column()


class MessageLogRecord(Base):
    """One mediated exchange: ids, parties, times, status and sizes; no payload."""

    __tablename__ = "im_message_log"
    __table_args__ = (Index("ix_im_message_log_ws_id", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE)
    message_id: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(500), default="")
    service_id: Mapped[str] = mapped_column(String(500), default="")
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[str] = mapped_column(String(100), default="")
    issue: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[float] = mapped_column(Float)
    status: Mapped[int] = mapped_column(Integer)
    xroad_error: Mapped[str] = mapped_column(String(100), default="")
    request_bytes: Mapped[int] = mapped_column(Integer, default=0)
    response_bytes: Mapped[int] = mapped_column(Integer, default=0)
    request_hash: Mapped[str] = mapped_column(String(100), default="")


class PubSubRoom(Base):
    """The FIFO sequence counter of one room."""

    __tablename__ = "im_pubsub_rooms"

    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, primary_key=True)
    room_id: Mapped[str] = mapped_column(_ID, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class EventType(Base):
    """An event type in a room, with the JSON schema its events follow."""

    __tablename__ = "im_event_types"
    __table_args__ = (UniqueConstraint("workspace_id", "room_id", "event_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    room_id: Mapped[str] = mapped_column(_ID)
    event_type: Mapped[str] = mapped_column(String(100))
    schema: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(_ID)
    created_at: Mapped[dt.datetime] = _now_column()


class Subscription(Base):
    """A subscriber's subscription to one event type of a room."""

    __tablename__ = "im_subscriptions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "room_id", "event_type", "subscriber_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    room_id: Mapped[str] = mapped_column(_ID)
    event_type: Mapped[str] = mapped_column(String(100))
    subscriber_id: Mapped[str] = mapped_column(_ID)
    delivery: Mapped[str] = mapped_column(String(10), default="PULL")
    ttl: Mapped[int] = mapped_column(Integer, default=0)
    fifo: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = _now_column()


class Event(Base):
    """A published event, numbered in its room's FIFO sequence."""

    __tablename__ = "im_events"
    __table_args__ = (UniqueConstraint("workspace_id", "room_id", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    room_id: Mapped[str] = mapped_column(_ID)
    event_type: Mapped[str] = mapped_column(String(100))
    sequence: Mapped[int] = mapped_column(Integer)
    publisher_id: Mapped[str] = mapped_column(_ID)
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = _now_column()
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class Delivery(Base):
    """One event waiting for (or acknowledged by) one subscription."""

    __tablename__ = "im_deliveries"
    __table_args__ = (Index("ix_im_deliveries_sub_seq", "subscription_id", "sequence"),)

    subscription_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(_WORKSPACE, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
