"""The grading sandbox: each submission runs as its learner, in a fresh workspace.

A grading run starts one sandbox on its own database (or uses a hosted one
given by URL and admin key). Before a submission runs, its workspace
``<learner>.<assignment>`` is created, or given a new key and reset, so what
the hidden tests find depends only on what that submission did, never on
which submissions ran before it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import httpx

__all__ = ["GradingSandbox", "workspace_id"]

_VALID = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


def workspace_id(student: str, assignment: str) -> str:
    """The sandbox learner id used while grading ``student``'s ``assignment``."""
    candidate = f"{student}.{assignment}"
    if _VALID.match(candidate):
        return candidate
    digest = hashlib.sha256(candidate.encode()).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9._@-]", "-", student)[:40]
    return f"{safe}.{digest}"


class GradingSandbox:
    """A sandbox reachable over HTTP with an admin key."""

    def __init__(
        self,
        url: str,
        admin_key: str,
        *,
        _server: object = None,
        _folder: Path | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._server = _server
        self._folder = _folder
        self._http = httpx.Client(
            base_url=self.url, headers={"X-GovLearn-Admin-Key": admin_key}, timeout=30
        )

    def __repr__(self) -> str:
        return f"<GradingSandbox at {self.url}>"

    @classmethod
    def start(cls, database_url: str | None = None) -> GradingSandbox:
        """Serve a new sandbox in this process, on a fresh SQLite file by default."""
        from .._embedded import serve_in_background
        from ..sandbox import SandboxSettings, create_app

        folder = None
        if database_url is None:
            folder = Path(tempfile.mkdtemp(prefix="govlearn-grading-sandbox-"))
            database_url = f"sqlite:///{folder / 'sandbox.db'}"
        admin_key = secrets.token_urlsafe(24)
        settings = SandboxSettings(
            database_url=database_url,
            admin_key=admin_key,
            rate_limit=10_000.0,
            rate_burst=10_000,
        )
        server = serve_in_background(create_app(settings))
        return cls(server.url, admin_key, _server=server, _folder=folder)

    def identity(self, student: str, assignment: str) -> dict[str, str]:
        """Environment that makes a kernel this learner, in a fresh workspace."""
        learner = workspace_id(student, assignment)
        response = self._http.post(
            "/admin/learners",
            json={"learnerId": learner, "name": student, "rotate": True},
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"Attempted to create grading workspace {learner!r} in the sandbox at "
                f"{self.url}, but it answered {response.status_code}: "
                f"{response.text[:200]}. Check the admin key."
            )
        key = response.json()["key"]
        reset = self._http.post(f"/admin/learners/{learner}/reset")
        if reset.status_code != 200:
            raise RuntimeError(
                f"Attempted to reset grading workspace {learner!r}, but the sandbox "
                f"answered {reset.status_code}: {reset.text[:200]}."
            )
        return {"GOVLEARN_SANDBOX_URL": self.url, "GOVLEARN_LEARNER_KEY": key}

    def stop(self) -> None:
        self._http.close()
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
