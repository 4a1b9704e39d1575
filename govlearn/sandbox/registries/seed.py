"""Starting records of each workspace's registries (always the same)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..workspaces.seeding import seeder
from .catalog import BENEFIT_PACKAGES, PACKAGES, PERSONS, seed_persons
from .models import RegistryRecord

__all__ = ["seed_registries"]


@seeder("registries")
def seed_registries(session: Session, workspace_id: str) -> None:
    """Fill ``prsn`` with 24 synthetic persons and ``bpkg`` with the 4 packages."""
    for registry, rows in ((PERSONS, seed_persons()), (PACKAGES, BENEFIT_PACKAGES)):
        for content in rows:
            session.add(
                RegistryRecord(
                    workspace_id=workspace_id,
                    registry_code=registry.code,
                    version=registry.version,
                    record_id=str(content["id"]),
                    content=dict(content),
                )
            )
