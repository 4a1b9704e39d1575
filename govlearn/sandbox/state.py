"""What one sandbox process holds while it runs."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from .db import Database
from .egress import EgressPolicy
from .ratelimit import RateLimiter
from .settings import SandboxSettings

__all__ = ["CachedKey", "KeyCache", "SandboxState", "SeededWorkspaces"]


class CachedKey(NamedTuple):
    """A learner key the database confirmed recently."""

    learner_id: str
    name: str
    #: True once the entry is old enough to be checked again in the background.
    stale: bool


class KeyCache:
    """Remembers key-hash → learner for ``ttl`` seconds.

    The database stays the source of truth: a revoked key stops working on
    every replica within ``ttl`` seconds. Entries older than ``refresh_after``
    are still served but reported stale, so the caller can check them again
    off the request path (:meth:`claim_stale` hands them out once each) and a
    busy sandbox does not send its learners' keys back to the database all at
    the same moment.
    """

    def __init__(self, ttl: float = 2.0, refresh_after: float | None = None) -> None:
        self.ttl = ttl
        self.refresh_after = ttl / 2 if refresh_after is None else refresh_after
        self._entries: dict[str, tuple[str, str, float]] = {}
        self._stale: set[str] = set()
        self._lock = threading.Lock()

    def lookup(self, key_hash: str) -> CachedKey | None:
        """The cached learner of ``key_hash``, or None when unknown or expired."""
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        age = time.monotonic() - entry[2]
        if age >= self.ttl:
            return None
        stale = age >= self.refresh_after
        if stale:
            with self._lock:
                self._stale.add(key_hash)
        return CachedKey(entry[0], entry[1], stale)

    def get(self, key_hash: str) -> tuple[str, str] | None:
        """``(learner id, name)`` of a live entry, or None."""
        found = self.lookup(key_hash)
        return None if found is None else (found.learner_id, found.name)

    def claim_stale(self) -> list[str]:
        """Key hashes reported stale since the last claim, each handed out once."""
        with self._lock:
            claimed = sorted(self._stale)
            self._stale.clear()
        return claimed

    def put(self, key_hash: str, learner_id: str, name: str) -> None:
        with self._lock:
            self._entries[key_hash] = (learner_id, name, time.monotonic())
            self._stale.discard(key_hash)

    def drop(self, key_hash: str) -> None:
        with self._lock:
            self._entries.pop(key_hash, None)
            self._stale.discard(key_hash)

    def drop_learner(self, learner_id: str) -> None:
        """Forget every cached key of ``learner_id`` (rotated, revoked, reset)."""
        with self._lock:
            for digest in [
                d for d, entry in self._entries.items() if entry[0] == learner_id
            ]:
                del self._entries[digest]
                self._stale.discard(digest)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stale.clear()


class SeededWorkspaces:
    """The ``(workspace, generation)`` pairs this process has seeded or seen seeded.

    Resetting a workspace raises its learner's generation; the reset seeds the
    workspace itself, and the next key check here makes sure of it.
    """

    def __init__(self) -> None:
        self._done: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def __contains__(self, item: object) -> bool:
        return item in self._done

    def add(self, workspace_id: str, generation: int) -> None:
        with self._lock:
            self._done.add((workspace_id, generation))


@dataclass
class SandboxState:
    """Settings, storage and per-process helpers, kept on ``app.state.sandbox``."""

    settings: SandboxSettings
    database: Database
    limiter: RateLimiter
    #: Where the mediator may forward learners' registered services.
    egress: EgressPolicy = field(default_factory=EgressPolicy)
    keys: KeyCache = field(default_factory=KeyCache)
    seeded: SeededWorkspaces = field(default_factory=SeededWorkspaces)
    #: Held while a re-check of stale learner keys runs (one at a time).
    refreshing: threading.Lock = field(default_factory=threading.Lock)
    #: Background tasks of this process, kept referenced until they finish.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
