"""FastAPI dependencies every building block uses.

``CurrentLearner`` authenticates the learner key, applies the rate limit and
seeds the workspace on first use; ``DbSession`` gives a session that commits
when the handler returns, before the response is sent (``scope="function"``),
so a client that reads right after a write sees it; ``AdminAccess`` guards
instructor routes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from .errors import SandboxError
from .ratelimit import RateLimiter
from .state import CachedKey, SandboxState
from .workspaces.keys import hash_key, keys_match
from .workspaces.models import Learner
from .workspaces.seeding import ensure_seeded

__all__ = [
    "ADMIN_HEADER",
    "FORWARDED_STATE",
    "AdminAccess",
    "CurrentLearner",
    "DbSession",
    "LEARNER_HEADER",
    "LearnerContext",
    "get_state",
    "is_admin",
    "key_is_live",
]

LEARNER_HEADER = "X-GovLearn-Key"
ADMIN_HEADER = "X-GovLearn-Admin-Key"
#: Scope-state flag the mediator sets on its in-process hop to an emulator, so
#: one mediated call counts once against the learner's rate limit.
FORWARDED_STATE = "govlearn_forwarded"

log = logging.getLogger("govlearn")


@dataclass(frozen=True)
class LearnerContext:
    """The learner a request belongs to. ``id`` is also their workspace id."""

    id: str
    name: str


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def db_session(request: Request) -> Iterator[Session]:
    with get_state(request).database.session() as session:
        yield session


def is_admin(request: Request) -> bool:
    """Whether the request carries the instructor's admin key."""
    given = request.headers.get(ADMIN_HEADER)
    return bool(given) and keys_match(
        given or "", get_state(request).settings.admin_key
    )


def _invalid_key() -> SandboxError:
    return SandboxError(
        401,
        "unknown_learner_key",
        f"The learner key in {LEARNER_HEADER} is not valid in this "
        "sandbox (unknown or revoked). Check GOVLEARN_LEARNER_KEY, or "
        "ask your instructor for a new key.",
    )


def _seed_once(state: SandboxState, learner_id: str, generation: int) -> None:
    """Seed a workspace unless this process already did for its generation."""
    if (learner_id, generation) in state.seeded:
        return
    ensure_seeded(state.database, learner_id)
    state.seeded.add(learner_id, generation)


def _lookup_learner(state: SandboxState, digest: str) -> tuple[str, str]:
    """Find the learner of a key hash in the database and seed their workspace."""
    with state.database.session() as session:
        learner = session.scalars(
            select(Learner).where(Learner.key_hash == digest)
        ).first()
        if learner is None or learner.revoked_at is not None:
            raise _invalid_key()
        found = (learner.id, learner.name, learner.generation)
    _seed_once(state, found[0], found[2])
    state.keys.put(digest, found[0], found[1])
    return found[0], found[1]


def refresh_keys(state: SandboxState, digests: list[str]) -> None:
    """Check cached learner keys against the database again, in one query.

    Revoked or deleted keys leave the cache; for a workspace reset on another
    replica (a new generation) the seed is checked again here.
    """
    if not digests:
        return
    with state.database.session() as session:
        rows = session.execute(
            select(
                Learner.key_hash, Learner.id, Learner.name, Learner.generation
            ).where(Learner.key_hash.in_(digests), Learner.revoked_at.is_(None))
        ).all()
    live = {row.key_hash: row for row in rows}
    for digest in digests:
        row = live.get(digest)
        if row is None:
            state.keys.drop(digest)
            continue
        _seed_once(state, row.id, row.generation)
        state.keys.put(digest, row.id, row.name)


def _refresh_claimed(state: SandboxState) -> None:
    """Re-check every stale key; the caller holds ``state.refreshing``."""
    try:
        while digests := state.keys.claim_stale():
            try:
                refresh_keys(state, digests)
            except Exception:  # the database is away: let the entries expire
                log.warning("could not re-check %d learner keys", len(digests))
                for digest in digests:
                    state.keys.drop(digest)
    finally:
        state.refreshing.release()


def _refresh_now(state: SandboxState) -> None:
    """Re-check stale keys here, unless another re-check is under way."""
    if state.refreshing.acquire(blocking=False):
        _refresh_claimed(state)


def _refresh_in_background(state: SandboxState) -> None:
    """Start one re-check of stale keys in the thread pool, from the event loop.

    The flag is taken here, on the loop, so a burst of requests that all see
    stale keys starts one re-check, not one thread each.
    """
    if not state.refreshing.acquire(blocking=False):
        return
    task = asyncio.get_running_loop().create_task(
        run_in_threadpool(_refresh_claimed, state)
    )
    state.tasks.add(task)
    task.add_done_callback(state.tasks.discard)


def _cached_on_loop(state: SandboxState, digest: str) -> CachedKey | None:
    """The key cache's entry (on the event loop); a stale one starts its re-check."""
    cached = state.keys.lookup(digest)
    if cached is not None and cached.stale:
        _refresh_in_background(state)
    return cached


def key_is_live(state: SandboxState, digest: str) -> bool:
    """Whether the key cache vouches for a key hash now (on the event loop).

    For callers that answer from memory without running the dependency: a
    stale entry still counts, and starts its background re-check as the
    dependency would, so a key in steady use never falls out of the cache.
    """
    return _cached_on_loop(state, digest) is not None


def _learner_context(
    request: Request, state: SandboxState, digest: str, found: tuple[str, str]
) -> LearnerContext:
    forwarded = bool(request.scope.get("state", {}).get(FORWARDED_STATE))
    wait = 0.0 if forwarded else state.limiter.acquire(digest)
    if wait:
        raise SandboxError(
            429,
            "rate_limited",
            "Too many calls with this learner key. Wait a moment and try again.",
            headers={"Retry-After": RateLimiter.retry_after_header(wait)},
        )
    request.state.learner_id = found[0]
    return LearnerContext(id=found[0], name=found[1])


def _key_digest(request: Request) -> str:
    key = request.headers.get(LEARNER_HEADER, "").strip()
    if not key:
        raise SandboxError(
            401,
            "missing_learner_key",
            f"This call needs a learner key in the {LEARNER_HEADER} header. "
            "Use govlearn.connect(), or ask your instructor for a key.",
        )
    return hash_key(key)


def current_learner(request: Request) -> LearnerContext:
    """Authenticate the learner key and apply the rate limit (blocking)."""
    state = get_state(request)
    digest = _key_digest(request)
    cached = state.keys.lookup(digest)
    if cached is None:
        found = _lookup_learner(state, digest)
    else:
        found = (cached.learner_id, cached.name)
        if cached.stale:
            _refresh_now(state)
    return _learner_context(request, state, digest, found)


async def learner_dependency(request: Request) -> LearnerContext:
    """:func:`current_learner` for FastAPI, without a thread for known keys.

    A key seen in the last few seconds is answered from the key cache on the
    event loop; only a cache miss visits the database, in the thread pool.
    Entries past half their life are re-checked together in the background.
    """
    state = get_state(request)
    digest = _key_digest(request)
    cached = _cached_on_loop(state, digest)
    if cached is None:
        found = await run_in_threadpool(_lookup_learner, state, digest)
    else:
        found = (cached.learner_id, cached.name)
    return _learner_context(request, state, digest, found)


def require_admin(request: Request) -> None:
    if not request.headers.get(ADMIN_HEADER):
        raise SandboxError(
            401,
            "missing_admin_key",
            f"This is an instructor route: send the admin key in {ADMIN_HEADER}.",
        )
    if not is_admin(request):
        raise SandboxError(
            403,
            "invalid_admin_key",
            f"The key in {ADMIN_HEADER} is not this sandbox's admin key.",
        )


CurrentLearner = Annotated[LearnerContext, Depends(learner_dependency)]
# scope="function": the session commits when the handler returns, before the
# response is sent, so a client's next call sees what this one stored, and a
# failed commit becomes an error answer instead of a lost write.
DbSession = Annotated[Session, Depends(db_session, scope="function")]
AdminAccess = Annotated[None, Depends(require_admin)]
