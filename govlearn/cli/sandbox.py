"""``govlearn sandbox``: serve the mock sandbox and manage learner keys."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from ..sandbox.egress import SERVED_DEFAULT, SETTING, EgressPolicy
from ..sandbox.settings import SandboxSettings, default_database_url

__all__ = ["DEFAULT_LOOP", "cli"]

#: The event loop a served sandbox runs on. uvloop answers more calls per
#: second, but lets in one new connection per turn of its loop: under load a
#: burst of new connections waits in line, the last for about a second.
#: asyncio's loop takes them all at once (docs/performance.md).
DEFAULT_LOOP = "asyncio"


def _log_config() -> dict[str, object]:
    """uvicorn's logging, with the sandbox's own ``govlearn`` logger beside it.

    The library installs no handlers; a served sandbox is an application, and
    an operator needs its warnings and tracebacks in the same log as uvicorn's.
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["govlearn"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


database_option = click.option(
    "--database-url",
    envvar="GOVLEARN_DATABASE_URL",
    default=None,
    help="SQLAlchemy URL (sqlite:///file.db or postgresql://user@host/db). "
    "Default: the SQLite file under the GovLearn home folder.",
)


@click.group()
def cli() -> None:
    """Serve the mock GovStack sandbox and manage learner keys."""


def _service_networks(_ctx: object, _param: object, value: str) -> str:
    try:
        EgressPolicy.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@database_option
@click.option(
    "--admin-key",
    envvar="GOVLEARN_ADMIN_KEY",
    default=None,
    help="Instructor key for the admin routes (or GOVLEARN_ADMIN_KEY).",
)
@click.option(
    "--public-url", default="", help="Address learners use (the OIDC issuer)."
)
@click.option(
    "--workers", default=1, show_default=True, help="uvicorn worker processes."
)
@click.option(
    "--loop",
    type=click.Choice(["asyncio", "uvloop"]),
    default=DEFAULT_LOOP,
    show_default=True,
    help="Event loop. asyncio lets in a burst of new connections at once; "
    "uvloop lets in one per turn of the loop, so on a busy server a burst "
    "waits in line, the last for a second or more (docs/performance.md).",
)
@click.option(
    "--service-networks",
    envvar=SETTING,
    default=SERVED_DEFAULT,
    callback=_service_networks,
    show_default=True,
    help="Where learners' registered services may be: `public` (the public "
    "internet), `any`, or networks allowed besides the public internet, such "
    "as 10.42.0.0/16 (or GOVLEARN_SERVICE_NETWORKS).",
)
@click.option(
    "--rate-limit",
    default=100.0,
    show_default=True,
    help="Calls per second allowed per learner key (0 = no limit).",
)
def serve(
    host: str,
    port: int,
    database_url: str | None,
    admin_key: str | None,
    public_url: str,
    workers: int,
    loop: str,
    service_networks: str,
    rate_limit: float,
) -> None:
    """Serve the sandbox with uvicorn."""
    import os

    import uvicorn

    settings = SandboxSettings.from_env(
        database_url=database_url,
        admin_key=admin_key,
        public_url=public_url,
        rate_limit=rate_limit,
    )
    if not admin_key and not os.environ.get("GOVLEARN_ADMIN_KEY"):
        click.echo(
            f"No admin key given; this run's admin key is: {settings.admin_key}",
            err=True,
        )
    os.environ["GOVLEARN_DATABASE_URL"] = settings.database_url
    os.environ["GOVLEARN_ADMIN_KEY"] = settings.admin_key
    os.environ["GOVLEARN_PUBLIC_URL"] = settings.public_url
    os.environ["GOVLEARN_RATE_LIMIT"] = str(rate_limit)
    os.environ[SETTING] = service_networks
    click.echo(
        f"GovLearn sandbox on http://{host}:{port} (API docs at /docs)", err=True
    )
    uvicorn.run(
        "govlearn.sandbox.asgi:app",
        host=host,
        port=port,
        workers=workers,
        loop=loop,
        log_level="info",
        log_config=_log_config(),
        proxy_headers=True,
        forwarded_allow_ips="*",
    )


@cli.group()
def learners() -> None:
    """Create, list, revoke and reset learner keys (works on the database)."""


def _database(url: str | None):  # type: ignore[no-untyped-def]
    from ..sandbox.app import load_blocks
    from ..sandbox.db import Database

    load_blocks()  # every table and seeder, so a reset empties and seeds them all
    database = Database(url or default_database_url())
    database.create_tables()
    return database


@learners.command("create")
@click.argument("learner_ids", nargs=-1, required=False)
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV with a learner_id column (and optionally name).",
)
@click.option("--rotate", is_flag=True, help="Issue new keys to learners that exist.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Write learner_id,name,key CSV here instead of stdout.",
)
@database_option
def create(
    learner_ids: tuple[str, ...],
    roster: str | None,
    rotate: bool,
    output: str | None,
    database_url: str | None,
) -> None:
    """Create learners and print their keys (shown only once)."""
    from ..sandbox.errors import SandboxError
    from ..sandbox.workspaces.service import create_learner

    wanted: list[tuple[str, str]] = [(i, i) for i in learner_ids]
    if roster:
        with open(roster, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                wanted.append((row["learner_id"].strip(), row.get("name", "").strip()))
    if not wanted:
        raise click.UsageError("Give learner ids or --roster FILE.")
    database = _database(database_url)
    rows = []
    with database.session() as session:
        for learner_id, name in wanted:
            try:
                issued = create_learner(session, learner_id, name, rotate=rotate)
            except SandboxError as exc:
                raise click.ClickException(exc.message) from exc
            rows.append(
                {
                    "learner_id": issued.learner_id,
                    "name": issued.name,
                    "key": issued.key,
                }
            )
    fields = ["learner_id", "name", "key"]
    if output:
        with open(output, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        click.echo(f"Wrote {len(rows)} learner keys to {output}", err=True)
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@learners.command("list")
@database_option
def list_(database_url: str | None) -> None:
    """List learners (never their keys) as JSON lines."""
    from ..sandbox.workspaces.service import list_learners

    database = _database(database_url)
    with database.session() as session:
        for learner in list_learners(session):
            click.echo(
                json.dumps(
                    {
                        "learner_id": learner.id,
                        "name": learner.name,
                        "created_at": learner.created_at.isoformat(),
                        "revoked": learner.revoked_at is not None,
                    }
                )
            )


@learners.command("revoke")
@click.argument("learner_id")
@database_option
def revoke(learner_id: str, database_url: str | None) -> None:
    """Revoke a learner's key; the workspace is kept."""
    from ..sandbox.errors import SandboxError
    from ..sandbox.workspaces.service import revoke_learner

    with _database(database_url).session() as session:
        try:
            revoke_learner(session, learner_id)
        except SandboxError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"Revoked the key of {learner_id}.")


@learners.command("reset")
@click.argument("learner_id")
@database_option
def reset(learner_id: str, database_url: str | None) -> None:
    """Empty a learner's workspace and seed it afresh."""
    from ..sandbox.errors import SandboxError
    from ..sandbox.workspaces.service import reset_learner

    with _database(database_url).session() as session:
        try:
            removed = reset_learner(session, learner_id)
        except SandboxError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"Reset the workspace of {learner_id}: {removed} records removed.")
