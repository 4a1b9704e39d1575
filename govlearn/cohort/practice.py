"""Learners practising in the sandbox as themselves, with real calls.

Each learner who has started gets a sandbox key of their own and makes real
calls through the Information Mediator (real HTTP, the mediator's own message
log): healthy calls, echo calls, and now and then a call to a service that
does not exist, as learners do while they explore. Learners who study more
(a higher skill, more modules submitted) call more. The message log then
feeds the report's "sandbox use" view. Calls carry the clock time at which
the simulation runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import pandas as pd

from .submissions import _rng, learner_profiles

__all__ = ["PracticeSandbox", "practise"]

_HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
_MIRROR = "SANDBOX/GOV/PROVIDER/TEST/mirror"
_MISSING = "SANDBOX/GOV/PROVIDER/TEST/no-such-service"


@dataclass
class PracticeSandbox:
    """A sandbox served in this process on ``database_url``."""

    url: str
    admin_key: str
    database_url: str
    _server: object

    @classmethod
    def start(cls, database_url: str) -> PracticeSandbox:
        """Serve a sandbox on ``database_url`` (created if new)."""
        from .._embedded import serve_in_background
        from ..sandbox import SandboxSettings, create_app

        admin_key = secrets.token_urlsafe(24)
        settings = SandboxSettings(
            database_url=database_url,
            admin_key=admin_key,
            rate_limit=10_000.0,
            rate_burst=10_000,
        )
        running = serve_in_background(create_app(settings))
        return cls(running.url, admin_key, database_url, running.server)

    def stop(self) -> None:
        """Stop serving (the database stays)."""
        self._server.should_exit = True  # type: ignore[attr-defined]

    def learner_key(self, learner: str, name: str = "") -> str:
        """Create (or rotate) ``learner``'s key through the admin API."""
        response = httpx.post(
            f"{self.url}/admin/learners",
            json={"learnerId": learner, "name": name or learner, "rotate": True},
            headers={"X-GovLearn-Admin-Key": self.admin_key},
            timeout=30,
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"Attempted to create a sandbox key for {learner!r}, but the "
                f"sandbox answered {response.status_code}: {response.text[:200]}."
            )
        return str(response.json()["key"])


def practise(
    sandbox: PracticeSandbox,
    roster: pd.DataFrame,
    submissions: pd.DataFrame,
    *,
    seed: int = 2023,
) -> pd.DataFrame:
    """Let every learner with a submission call the sandbox; count the calls.

    Returns ``learner``, ``calls``, ``errors`` (calls the mediator refused).
    """
    import govlearn

    handed_in = submissions[submissions["submitted_at"].notna()]
    done = handed_in.groupby("learner").size()
    profiles = {p.learner: p for p in learner_profiles(roster, seed)}
    rows = []
    for learner, modules in done.items():
        profile = profiles[str(learner)]
        rng = _rng(seed, "practice", str(learner))
        calls = int(rng.poisson(1 + 3 * profile.skill * int(modules)))
        key = sandbox.learner_key(str(learner))
        client = govlearn.connect(url=sandbox.url, key=key)
        errors = 0
        try:
            for _ in range(calls):
                pick = rng.random()
                try:
                    if pick < 0.6:
                        client.mediator.call("GET", _HEALTH)
                    elif pick < 0.9:
                        client.mediator.call("POST", _MIRROR, json={"n": 1})
                    else:
                        client.mediator.call("GET", _MISSING)
                except govlearn.GovLearnError:
                    errors += 1
        finally:
            client.close()
        rows.append((learner, calls, errors))
    return pd.DataFrame(rows, columns=["learner", "calls", "errors"])
