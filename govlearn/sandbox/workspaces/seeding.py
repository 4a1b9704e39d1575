"""Starting data for each workspace: filled in on a learner's first call, and
again in the same transaction that resets their workspace.

A building block registers a seeder with :func:`seeder`; it receives a session
and a workspace id and inserts that workspace's synthetic starting records.
Seeders must be deterministic: the same workspace always starts the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import Base, Database
from .models import WorkspaceSeed

__all__ = [
    "SHARED_WORKSPACE",
    "ensure_seeded",
    "reset_workspace",
    "seed_workspace",
    "seeder",
]

Seeder = Callable[[Session, str], None]
_SEEDERS: dict[str, Seeder] = {}

#: Workspace id of rows every learner can read (for example the demo identities).
SHARED_WORKSPACE = "__shared__"


def seeder(name: str) -> Callable[[Seeder], Seeder]:
    """Register a workspace seeder under ``name``."""

    def register(function: Seeder) -> Seeder:
        _SEEDERS[name] = function
        return function

    return register


def ensure_seeded(database: Database, workspace_id: str) -> None:
    """Run every registered seeder that has not yet run for ``workspace_id``.

    Safe when several replicas do it at once: the seed marker's primary key
    lets only one of them commit, and the others roll back.
    """
    with database.session() as session:
        done = set(
            session.scalars(
                select(WorkspaceSeed.seeder).where(
                    WorkspaceSeed.workspace_id == workspace_id
                )
            )
        )
    for name, function in sorted(_SEEDERS.items()):
        if name in done:
            continue
        try:
            with database.session() as session:
                _run_seeder(session, workspace_id, name, function)
        except IntegrityError:
            continue


def seed_workspace(session: Session, workspace_id: str) -> None:
    """Run every registered seeder for an emptied ``workspace_id`` in ``session``.

    For a reset: the caller commits the emptying and the new seed together.
    A seeder that another replica ran meanwhile (the learner's first call,
    at the same moment) is left as that replica stored it.
    """
    for name, function in sorted(_SEEDERS.items()):
        try:
            with session.begin_nested():
                _run_seeder(session, workspace_id, name, function)
        except IntegrityError:
            continue


def _run_seeder(
    session: Session, workspace_id: str, name: str, function: Seeder
) -> None:
    """Mark the seeder done, then run it: the marker's key lets only one win."""
    session.add(WorkspaceSeed(workspace_id=workspace_id, seeder=name))
    session.flush()
    function(session, workspace_id)


def reset_workspace(session: Session, workspace_id: str) -> int:
    """Delete every row that belongs to ``workspace_id``; return how many."""
    removed = 0
    for table in reversed(Base.metadata.sorted_tables):
        column = table.c.get("workspace_id")
        if column is None or table.name == WorkspaceSeed.__tablename__:
            continue
        result = session.execute(delete(table).where(column == workspace_id))
        removed += getattr(result, "rowcount", 0) or 0
    session.execute(
        delete(WorkspaceSeed).where(WorkspaceSeed.workspace_id == workspace_id)
    )
    return removed
