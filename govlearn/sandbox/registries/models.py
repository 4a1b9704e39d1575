"""Tables of the Digital Registries emulator: one row per record per workspace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = ["RegistryRecord"]


class RegistryRecord(Base):
    """One record of one registry in one learner's workspace."""

    __tablename__ = "registry_records"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "registry", "version", "record_id", name="uq_registry_id"
        ),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    registry_code: Mapped[str] = mapped_column("registry", String(32))
    version: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
