"""Where GovLearn keeps its files, and the environment variables it reads.

Only two places read the environment: :func:`home` and :func:`sandbox_target`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SandboxTarget", "home", "sandbox_target"]

ENV_HOME = "GOVLEARN_HOME"
ENV_SANDBOX_URL = "GOVLEARN_SANDBOX_URL"
ENV_LEARNER_KEY = "GOVLEARN_LEARNER_KEY"


def home() -> Path:
    """Return GovLearn's home folder (``$GOVLEARN_HOME`` or ``~/.govlearn``).

    The folder is created on first use.
    """
    path = Path(os.environ.get(ENV_HOME) or Path.home() / ".govlearn").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class SandboxTarget:
    """A hosted sandbox to talk to: its URL and the learner's key."""

    url: str
    learner_key: str | None

    def __repr__(self) -> str:
        key = "None" if self.learner_key is None else "'****'"
        return f"SandboxTarget(url={self.url!r}, learner_key={key})"


def sandbox_target() -> SandboxTarget | None:
    """Read ``GOVLEARN_SANDBOX_URL`` and ``GOVLEARN_LEARNER_KEY``, if set."""
    url = os.environ.get(ENV_SANDBOX_URL, "").strip()
    if not url:
        return None
    key = os.environ.get(ENV_LEARNER_KEY, "").strip() or None
    return SandboxTarget(url=url.rstrip("/"), learner_key=key)
