"""The mock GovStack sandbox: one FastAPI application, one package per building block.

Create an application with :func:`create_app`; serve it with
``govlearn sandbox serve`` or embed it with :func:`govlearn.connect`.
"""

from __future__ import annotations

from .app import create_app
from .settings import SandboxSettings

__all__ = ["SandboxSettings", "create_app"]
