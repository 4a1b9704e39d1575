"""Routes of the sandbox itself: learner keys (instructors), workspaces (learners)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..deps import AdminAccess, CurrentLearner, DbSession, get_state
from . import service

__all__ = ["TAG", "router"]

TAG = {
    "name": "Workspaces",
    "description": (
        "The sandbox's own routes. Instructors create learner keys with the admin "
        "key; each learner's calls run in their own workspace, which they can reset."
    ),
}

router = APIRouter(tags=["Workspaces"])


class NewLearner(BaseModel):
    learnerId: str = Field(min_length=1, max_length=64, examples=["learner-001"])
    name: str = Field(default="", max_length=200, examples=["Amina Diallo"])
    rotate: bool = False


class IssuedKeyOut(BaseModel):
    learnerId: str
    name: str
    key: str


class LearnerOut(BaseModel):
    learnerId: str
    name: str
    createdAt: dt.datetime
    revoked: bool


class ResetOut(BaseModel):
    learnerId: str
    removedRecords: int


@router.post("/admin/learners", response_model=IssuedKeyOut, status_code=201)
def create_learner(
    body: NewLearner, _admin: AdminAccess, session: DbSession, request: Request
) -> IssuedKeyOut:
    """Create a learner and return their key (shown only once)."""
    issued = service.create_learner(
        session, body.learnerId, body.name, rotate=body.rotate
    )
    # only a rotated key was cached; other learners' keys stay
    get_state(request).keys.drop_learner(issued.learner_id)
    return IssuedKeyOut(learnerId=issued.learner_id, name=issued.name, key=issued.key)


@router.get("/admin/learners", response_model=list[LearnerOut])
def list_learners(_admin: AdminAccess, session: DbSession) -> list[LearnerOut]:
    """Every learner of this sandbox (never their keys)."""
    return [
        LearnerOut(
            learnerId=learner.id,
            name=learner.name,
            createdAt=learner.created_at,
            revoked=learner.revoked_at is not None,
        )
        for learner in service.list_learners(session)
    ]


@router.delete("/admin/learners/{learner_id}", status_code=204)
def revoke_learner(
    learner_id: str, _admin: AdminAccess, session: DbSession, request: Request
) -> None:
    """Revoke a learner's key; their workspace stays."""
    service.revoke_learner(session, learner_id)
    get_state(request).keys.drop_learner(learner_id)


@router.post("/admin/learners/{learner_id}/reset", response_model=ResetOut)
def reset_learner(
    learner_id: str, _admin: AdminAccess, session: DbSession, request: Request
) -> ResetOut:
    """Empty a learner's workspace and seed it afresh."""
    removed = service.reset_learner(session, learner_id)
    get_state(request).keys.drop_learner(learner_id)
    return ResetOut(learnerId=learner_id, removedRecords=removed)


class WorkspaceOut(BaseModel):
    learnerId: str
    name: str


@router.get("/workspace", response_model=WorkspaceOut)
async def whoami(learner: CurrentLearner) -> WorkspaceOut:
    """Which learner the key belongs to."""
    return WorkspaceOut(learnerId=learner.id, name=learner.name)


@router.post("/workspace/reset", response_model=ResetOut)
def reset_own_workspace(
    learner: CurrentLearner, session: DbSession, request: Request
) -> ResetOut:
    """Empty your own workspace and start again from the seed data."""
    removed = service.reset_learner(session, learner.id)
    get_state(request).keys.drop_learner(learner.id)
    return ResetOut(learnerId=learner.id, removedRecords=removed)
