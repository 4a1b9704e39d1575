"""``govlearn sandbox serve``: what it asks uvicorn for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from govlearn.cli import main
from govlearn.sandbox.app import load_blocks
from govlearn.sandbox.db import Database

SERVE_ENV = (
    "GOVLEARN_DATABASE_URL",
    "GOVLEARN_ADMIN_KEY",
    "GOVLEARN_PUBLIC_URL",
    "GOVLEARN_RATE_LIMIT",
    "GOVLEARN_SERVICE_NETWORKS",
)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture uvicorn.run's arguments instead of serving."""
    import uvicorn

    for name in SERVE_ENV:  # serve exports these for its workers; undo afterwards
        monkeypatch.setenv(name, "")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **options: calls.append({"app": app, **options})
    )
    return calls


def _serve(tmp_path: Path, *extra: str) -> Any:
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    return CliRunner().invoke(
        main,
        ["sandbox", "serve", "--database-url", url, "--admin-key", "a", *extra],
    )


def test_the_sandbox_is_served_on_asyncios_loop_by_default(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    # uvloop lets in one new connection per turn of the loop: under load a
    # burst of new connections waits up to a second (docs/performance.md).
    result = _serve(tmp_path)
    assert result.exit_code == 0, result.output
    assert served == [
        {
            "app": "govlearn.sandbox.asgi:app",
            "host": "127.0.0.1",
            "port": 8000,
            "workers": 1,
            "loop": "asyncio",
            "log_level": "info",
            "log_config": served[0]["log_config"],
            "proxy_headers": True,
            "forwarded_allow_ips": "*",
        }
    ]


def test_an_operator_can_choose_uvloop(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = _serve(tmp_path, "--loop", "uvloop")
    assert result.exit_code == 0, result.output
    assert served[0]["loop"] == "uvloop"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--loop", "trio", "'trio' is not one of 'asyncio', 'uvloop'"),
        ("--service-networks", "10.42.0.0/16, pods", "'pods' is not a network"),
    ],
)
def test_a_bad_option_is_refused_before_serving(
    served: list[dict[str, Any]], tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = _serve(tmp_path, option, value)
    assert result.exit_code == 2
    assert message in result.output
    assert served == []


def test_served_sandboxes_forward_to_the_public_internet_unless_told(
    served: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.delenv("GOVLEARN_SERVICE_NETWORKS")
    assert _serve(tmp_path).exit_code == 0
    assert os.environ["GOVLEARN_SERVICE_NETWORKS"] == "public"
    result = _serve(tmp_path, "--service-networks", "10.42.0.0/16, 127.0.0.1")
    assert result.exit_code == 0, result.output
    assert os.environ["GOVLEARN_SERVICE_NETWORKS"] == "10.42.0.0/16, 127.0.0.1"


def test_the_served_sandbox_logs_its_own_lines_with_uvicorns(tmp_path: Path) -> None:
    """A real ``serve`` on a database from before ``name_key``: the upgrade's
    log line reaches the operator beside uvicorn's."""
    load_blocks()
    url = f"sqlite:///{tmp_path / 'older.db'}"
    database = Database(url)
    database.create_tables()
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ux_identity_people_name")
        connection.exec_driver_sql("ALTER TABLE identity_people DROP COLUMN name_key")
    database.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
    env["GOVLEARN_HOME"] = str(tmp_path / "home")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("govlearn")),
            *("sandbox", "serve", f"--port={port}", f"--database-url={url}"),
            "--admin-key=a",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "Application startup complete" in output, output
    assert "Adding the column name_key to identity_people" in output, output
