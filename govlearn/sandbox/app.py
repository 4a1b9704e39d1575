"""The sandbox application factory."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from .. import __version__
from .db import Database
from .egress import EgressPolicy
from .errors import UnexpectedErrorMiddleware, install_error_handlers
from .middleware import BodyLimitMiddleware, CorrelationIdMiddleware
from .ratelimit import RateLimiter
from .settings import SandboxSettings
from .state import SandboxState
from .workspaces import models as _workspace_models  # noqa: F401  (tables)

__all__ = ["BLOCKS", "create_app", "load_blocks"]

log = logging.getLogger("govlearn")

#: Building-block packages under ``govlearn.sandbox``, in the order of the docs.
#: Each exposes ``router`` (an APIRouter) and ``TAG`` (its OpenAPI tag).
BLOCKS = ("identity", "mediator", "registries", "payments", "consent", "workspaces")
WORKSPACES = f"{__package__}.workspaces"

DESCRIPTION = """\
A mock of the [GovStack sandbox](https://govstack.gitbook.io/sandbox) for learning.
Endpoints, headers, payloads and errors follow the GovStack building-block
specifications. Every call carries a learner key in `X-GovLearn-Key`, and runs in
that learner's own workspace. All people and records here are synthetic.
"""


def load_blocks() -> list[ModuleType]:
    """Import every building block present, registering its tables and seeders.

    Anything that works on the database without an app (the learner-key
    commands) calls this first, or it would know only the workspace tables.
    """
    modules = []
    for name in BLOCKS:
        qualified = f"{__package__}.{name}"
        try:
            modules.append(importlib.import_module(qualified))
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
    return modules


async def _keep_house(
    state: SandboxState, chores: list[Callable[[SandboxState], None]], interval: float
) -> None:
    """Run each building block's clean-up now and then every ``interval`` s."""
    while True:
        for chore in chores:
            try:
                await run_in_threadpool(chore, state)
            except Exception as exc:  # the database is away: try next time
                log.warning(
                    "Housekeeping %s failed (%s); it runs again in %g s.",
                    chore.__module__,
                    exc,
                    interval,
                )
        await asyncio.sleep(interval)


def create_app(
    settings: SandboxSettings | None = None, *, settle_heap: bool = False
) -> FastAPI:
    """Build a sandbox application.

    Tables are created (if missing) when the application starts, so a fresh
    SQLite file or an empty PostgreSQL database both work.

    ``settle_heap`` is for a process that only serves the sandbox: once
    started, everything built so far (routes, models, schemas) is moved out
    of the garbage collector's reach (:func:`gc.freeze`), so its full
    collections stop walking that heap on the request path (see
    docs/performance.md).
    """
    settings = settings or SandboxSettings.from_env()
    blocks = load_blocks()
    database = Database(settings.database_url)
    database.create_tables()
    state = SandboxState(
        settings=settings,
        database=database,
        limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
        egress=EgressPolicy.parse(settings.service_networks),
    )

    chores = [block.housekeeping for block in blocks if hasattr(block, "housekeeping")]

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        for block in blocks:
            startup = getattr(block, "startup", None)
            if startup is not None:
                startup(state)
        if settle_heap:
            gc.collect()
            gc.freeze()
        cleaning = None
        if chores and settings.housekeeping_interval > 0:
            cleaning = asyncio.create_task(
                _keep_house(state, chores, settings.housekeeping_interval)
            )
        yield
        if cleaning is not None:
            cleaning.cancel()
            with suppress(asyncio.CancelledError):
                await cleaning
        database.dispose()

    tags: list[dict[str, Any]] = [block.TAG for block in blocks]
    # The docs pages use Swagger UI and ReDoc files shipped in the package, so
    # /docs works offline (the default loads them from a CDN).
    app = FastAPIOffline(
        title="GovLearn mock GovStack sandbox",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=tags,
        lifespan=lifespan,
    )
    app.state.sandbox = state
    install_error_handlers(app)

    @app.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/health", tags=["Workspaces"])
    async def health() -> dict[str, str]:
        """Liveness check; needs no key."""
        return {"status": "UP"}

    # Routes are matched in order, so the most called come first: the health
    # check, then the workspace routes, then each building block's.
    for block in sorted(blocks, key=lambda block: block.__name__ != WORKSPACES):
        app.include_router(block.router)

    for block in blocks:
        for middleware in getattr(block, "MIDDLEWARE", ()):
            app.add_middleware(middleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    return app
