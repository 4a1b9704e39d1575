"""Learner workspaces: keys, isolation and reset.

``router`` and ``TAG`` are loaded on first access, because the router depends
on :mod:`govlearn.sandbox.deps`, which itself uses this package's models.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TAG", "router"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import routes as module

        return getattr(module, name)
    raise AttributeError(name)
