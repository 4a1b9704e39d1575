"""Tables of learner workspaces."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

__all__ = ["Learner", "WorkspaceSeed"]


class Learner(Base):
    """A learner and the hash of their sandbox key. The key itself is never stored."""

    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=0)


class WorkspaceSeed(Base):
    """Marks that one seeder has filled one workspace with its starting data."""

    __tablename__ = "workspace_seeds"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seeder: Mapped[str] = mapped_column(String(64), primary_key=True)
    seeded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
