"""Learners practising in the sandbox as themselves, with real calls.

Each learner who has started gets a sandbox key of their own and makes real
calls through the Information Mediator (real HTTP, the mediator's own message
log): healthy calls, echo calls, and now and then a call to a service that
does not exist, as learners do while they explore. Learners who study more
(a higher skill, more modules submitted) call more. The message log then
feeds the report's "sandbox use" view. Calls carry the clock time at which
the simulation runs.

Every learner's calls are drawn from their own seeded generator before any
call is made, so the same seed gives the same calls whatever order the
learners run in. A few learners practise at a time, each on a connection of
their own, as a class in a lab would.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pandas as pd

from .._logging import logger
from .submissions import _rng, learner_profiles

__all__ = [
    "DEFAULT_WORKERS",
    "PracticeSandbox",
    "PracticePlan",
    "plan_practice",
    "practise",
]

_HEALTH = "SANDBOX/GOV/PROVIDER/TEST/health"
_MIRROR = "SANDBOX/GOV/PROVIDER/TEST/mirror"
_MISSING = "SANDBOX/GOV/PROVIDER/TEST/no-such-service"

#: Learners practising at once. The sandbox runs in this process and shares its
#: interpreter lock, so more threads add no CPU; on a busy machine four keep the
#: sandbox working while one learner's thread waits to be scheduled.
DEFAULT_WORKERS = 4

_ADMIN_HEADER = "X-GovLearn-Admin-Key"


@dataclass
class PracticeSandbox:
    """A sandbox served in this process on ``database_url``.

    Admin calls (learner keys, flushing the message log) share one HTTP
    connection; :meth:`stop` closes it and waits for the server to finish.
    """

    url: str
    admin_key: str
    database_url: str
    _server: object
    _thread: threading.Thread | None = field(default=None, repr=False)
    _admin: httpx.Client | None = field(default=None, repr=False)
    _admin_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        return cls(running.url, admin_key, database_url, running.server, running.thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the server to shut down (the database stays)."""
        with self._admin_lock:
            if self._admin is not None:
                self._admin.close()
                self._admin = None
        self._server.should_exit = True  # type: ignore[attr-defined]
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _admin_http(self) -> httpx.Client:
        """The admin's HTTP client: one connection, kept open between calls."""
        with self._admin_lock:
            if self._admin is None:
                self._admin = httpx.Client(
                    base_url=self.url,
                    headers={_ADMIN_HEADER: self.admin_key},
                    timeout=30,
                )
            return self._admin

    def learner_key(self, learner: str, name: str = "") -> str:
        """Create (or rotate) ``learner``'s key through the admin API."""
        response = self._admin_http().post(
            "/admin/learners",
            json={"learnerId": learner, "name": name or learner, "rotate": True},
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"Attempted to create a sandbox key for {learner!r}, but the "
                f"sandbox answered {response.status_code}: {response.text[:200]}."
            )
        return str(response.json()["key"])

    def flush_message_log(self) -> None:
        """Make every call made so far readable in the database.

        The mediator writes its message log in batches in the background;
        reading the log through the admin API writes what is still queued.
        """
        response = self._admin_http().get("/api/v1/messagelog", params={"pageSize": 1})
        if response.status_code != 200:
            raise RuntimeError(
                "Attempted to write the sandbox's queued message log by reading "
                f"it, but the sandbox answered {response.status_code}: "
                f"{response.text[:200]}. Check the sandbox's log for database "
                "errors."
            )


@dataclass(frozen=True)
class PracticePlan:
    """One learner's calls, in order: ``"health"``, ``"mirror"`` or ``"missing"``."""

    learner: str
    calls: tuple[str, ...]

    @property
    def refusals(self) -> int:
        """How many of the calls the mediator refuses (the missing service)."""
        return self.calls.count("missing")


def plan_practice(
    roster: pd.DataFrame, submissions: pd.DataFrame, *, seed: int = 2023
) -> list[PracticePlan]:
    """Every learner with a submission and the calls they will make, by learner.

    A learner calls a Poisson number of times, more the higher their skill and
    the more modules they handed in; 60 % of calls are health checks, 30 %
    echo calls and 10 % calls to a service that does not exist.
    """
    handed_in = submissions[submissions["submitted_at"].notna()]
    done = handed_in.groupby("learner").size()
    profiles = {p.learner: p for p in learner_profiles(roster, seed)}
    plans = []
    for learner, modules in done.items():
        profile = profiles[str(learner)]
        rng = _rng(seed, "practice", str(learner))
        count = int(rng.poisson(1 + 3 * profile.skill * int(modules)))
        calls = []
        for _ in range(count):
            pick = rng.random()
            if pick < 0.6:
                calls.append("health")
            elif pick < 0.9:
                calls.append("mirror")
            else:
                calls.append("missing")
        plans.append(PracticePlan(str(learner), tuple(calls)))
    return plans


def _run(url: str, key: str, learner: PracticePlan) -> int:
    """Make ``learner``'s calls with their own client; return the refusals."""
    import govlearn

    errors = 0
    with govlearn.connect(url=url, key=key) as client:
        for kind in learner.calls:
            try:
                if kind == "health":
                    client.mediator.call("GET", _HEALTH)
                elif kind == "mirror":
                    client.mediator.call("POST", _MIRROR, json={"n": 1})
                else:
                    client.mediator.call("GET", _MISSING)
            except govlearn.MediatorError:
                errors += 1
            except govlearn.GovLearnError as exc:
                raise RuntimeError(
                    f"Attempted a {kind} call through the mediator as learner "
                    f"{learner.learner!r}, but it failed: {exc}"
                ) from exc
    return errors


def practise(
    sandbox: PracticeSandbox,
    roster: pd.DataFrame,
    submissions: pd.DataFrame,
    *,
    seed: int = 2023,
    workers: int = DEFAULT_WORKERS,
) -> pd.DataFrame:
    """Let every learner with a submission call the sandbox; count the calls.

    Returns ``learner``, ``calls``, ``errors`` (calls the mediator refused),
    one row per learner in learner order, whatever order they ran in. Every
    call is in the sandbox's message log when this returns.
    """
    plans = plan_practice(roster, submissions, seed=seed)
    started = time.perf_counter()
    # Keys first: creating one clears the sandbox's key cache, which would
    # send every learner already calling back to the database.
    keys = [sandbox.learner_key(p.learner) for p in plans]
    keyed = time.perf_counter()
    with ThreadPoolExecutor(
        max_workers=max(1, workers), thread_name_prefix="govlearn-practice"
    ) as pool:
        errors = list(pool.map(_run, [sandbox.url] * len(plans), keys, plans))
    sandbox.flush_message_log()
    total = sum(len(p.calls) for p in plans)
    elapsed = time.perf_counter() - keyed
    logger.info(
        "Practice: %d keys in %.1f s; %d calls by %d learners in %.1f s (%.0f/s)",
        len(plans),
        keyed - started,
        total,
        len(plans),
        elapsed,
        total / elapsed if elapsed > 0 else 0.0,
    )
    rows = [(p.learner, len(p.calls), e) for p, e in zip(plans, errors, strict=True)]
    return pd.DataFrame(rows, columns=["learner", "calls", "errors"])
