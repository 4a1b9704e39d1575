"""Managing learners: used by the admin API and by ``govlearn sandbox learners``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import SandboxError
from .keys import hash_key, new_key, valid_learner_id
from .models import Learner
from .seeding import reset_workspace, seed_workspace

__all__ = [
    "IssuedKey",
    "create_learner",
    "list_learners",
    "reset_learner",
    "revoke_learner",
]


@dataclass(frozen=True)
class IssuedKey:
    """A learner's id, name and key. The key is shown once and never stored."""

    learner_id: str
    name: str
    key: str

    def __repr__(self) -> str:
        return (
            f"IssuedKey(learner_id={self.learner_id!r}, name={self.name!r}, key='****')"
        )


def create_learner(
    session: Session, learner_id: str, name: str = "", *, rotate: bool = False
) -> IssuedKey:
    """Create a learner, or with ``rotate=True`` give an existing one a new key.

    Raises :class:`SandboxError` (400) for an invalid id and (409) when the
    learner exists and ``rotate`` is false.
    """
    if not valid_learner_id(learner_id):
        raise SandboxError(
            400,
            "invalid_learner_id",
            f"Cannot create learner {learner_id[:80]!r}: ids are 1-64 letters, "
            "digits, '.', '_', '@' or '-'. Choose another id.",
        )
    key = new_key()
    learner = session.get(Learner, learner_id)
    if learner is None:
        learner = Learner(id=learner_id, name=name[:200], key_hash=hash_key(key))
        session.add(learner)
    elif rotate or learner.revoked_at is not None:
        learner.key_hash = hash_key(key)
        learner.revoked_at = None
        if name:
            learner.name = name[:200]
    else:
        raise SandboxError(
            409,
            "learner_exists",
            f"Learner {learner_id!r} already exists. Rotate the key for a new one.",
        )
    session.flush()
    return IssuedKey(learner_id=learner.id, name=learner.name, key=key)


def list_learners(session: Session) -> list[Learner]:
    """Every learner, oldest first."""
    return list(
        session.scalars(select(Learner).order_by(Learner.created_at, Learner.id))
    )


def _require(session: Session, learner_id: str) -> Learner:
    learner = session.get(Learner, learner_id)
    if learner is None:
        raise SandboxError(
            404,
            "unknown_learner",
            f"No learner {learner_id[:80]!r} exists in this sandbox. "
            "List learners to check the id.",
        )
    return learner


def revoke_learner(session: Session, learner_id: str) -> None:
    """Stop a learner's key from working. Their workspace is kept."""
    learner = _require(session, learner_id)
    learner.revoked_at = utcnow()


def reset_learner(session: Session, learner_id: str) -> int:
    """Empty a learner's workspace and seed it afresh; return the rows removed.

    Both happen in ``session``'s transaction, so no replica ever sees the
    workspace empty: before the commit it reads the old rows, after it the
    new seed.
    """
    learner = _require(session, learner_id)
    learner.generation += 1
    removed = reset_workspace(session, learner_id)
    seed_workspace(session, learner_id)
    return removed
