"""What one sandbox process holds while it runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .db import Database
from .ratelimit import RateLimiter
from .settings import SandboxSettings

__all__ = ["KeyCache", "SandboxState"]


class KeyCache:
    """Remembers key-hash → learner id for ``ttl`` seconds.

    The database stays the source of truth: a revoked key stops working on
    every replica within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> tuple[str, str] | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[2] < time.monotonic():
            return None
        return entry[0], entry[1]

    def put(self, key_hash: str, learner_id: str, name: str) -> None:
        with self._lock:
            self._entries[key_hash] = (learner_id, name, time.monotonic() + self.ttl)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class SandboxState:
    """Settings, storage and per-process helpers, kept on ``app.state.sandbox``."""

    settings: SandboxSettings
    database: Database
    limiter: RateLimiter
    keys: KeyCache = field(default_factory=KeyCache)
