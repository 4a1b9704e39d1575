"""The embedded sandbox: started once per process, keys kept, workspace warmed.

``start_embedded`` keeps one sandbox per process, so the tests that start it
run in fresh interpreters; the others serve apps of their own.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from govlearn._embedded import EmbeddedSandbox, serve_in_background

PROBE = textwrap.dedent(
    """
    import json, govlearn
    from govlearn._embedded import start_embedded
    first = govlearn.connect()
    second = govlearn.connect()
    other = govlearn.connect("second-learner")
    print(json.dumps({
        "urls": [first.url, second.url, other.url],
        "same_instance": start_embedded() is start_embedded(),
        "me": first.whoami(),
        "other": other.whoami(),
        "embedded": first.embedded,
    }))
    """
)


def _run_probe(home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
    env["GOVLEARN_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_one_embedded_sandbox_per_process_and_keys_survive_restarts(
    tmp_path: Path,
) -> None:
    first = _run_probe(tmp_path)
    urls = first["urls"]
    assert isinstance(urls, list) and len(set(urls)) == 1
    assert str(urls[0]).startswith("http://127.0.0.1:")
    assert first["same_instance"] is True
    assert first["embedded"] is True
    assert first["me"] == {"learnerId": "learner", "name": "learner"}
    assert first["other"] == {"learnerId": "second-learner", "name": "second-learner"}

    keys_file = tmp_path / "embedded-keys.json"
    keys = json.loads(keys_file.read_text())
    assert sorted(keys) == ["learner", "second-learner"]
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert (tmp_path / "sandbox.db").exists()

    # A new kernel finds the same learners with the same keys.
    second = _run_probe(tmp_path)
    assert second["me"] == first["me"]
    assert json.loads(keys_file.read_text()) == keys


def test_a_lost_key_is_replaced_by_a_working_one(tmp_path: Path) -> None:
    _run_probe(tmp_path)
    keys_file = tmp_path / "embedded-keys.json"
    keys = json.loads(keys_file.read_text())
    keys["learner"] = "glk_not-the-real-key"
    keys_file.write_text(json.dumps(keys))
    again = _run_probe(tmp_path)
    assert again["me"] == {"learnerId": "learner", "name": "learner"}
    assert json.loads(keys_file.read_text())["learner"] != "glk_not-the-real-key"


def test_serve_in_background_serves_an_app_until_stopped() -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(_request: object) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    server = serve_in_background(Starlette(routes=[Route("/", hello)]))
    try:
        assert httpx.get(server.url).json() == {"hello": "world"}
    finally:
        server.stop()
    assert not server.thread.is_alive()
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url, timeout=2)


def test_key_for_warms_the_workspace_before_the_first_call(tmp_path: Path) -> None:
    from sqlalchemy import select

    from govlearn.sandbox import SandboxSettings, create_app
    from govlearn.sandbox.workspaces.models import WorkspaceSeed
    from govlearn.sandbox.workspaces.seeding import _SEEDERS

    settings = SandboxSettings(database_url=f"sqlite:///{tmp_path / 'warm.db'}")
    app = create_app(settings)
    server = serve_in_background(app)
    database = app.state.sandbox.database
    sandbox = EmbeddedSandbox(
        url=server.url,
        database_url=settings.database_url,
        keys_file=tmp_path / "keys.json",
        _server=server.server,
        _thread=server.thread,
        _database=database,
    )
    try:
        key = sandbox.key_for("warm")
        deadline = time.monotonic() + 30
        seeded: set[str] = set()
        while time.monotonic() < deadline and len(seeded) < len(_SEEDERS):
            with database.session() as session:
                seeded = set(
                    session.scalars(
                        select(WorkspaceSeed.seeder).where(
                            WorkspaceSeed.workspace_id == "warm"
                        )
                    )
                )
            time.sleep(0.05)
        assert seeded == set(_SEEDERS)
        answer = httpx.get(f"{server.url}/workspace", headers={"X-GovLearn-Key": key})
        assert answer.json()["learnerId"] == "warm"
        assert sandbox.key_for("warm") == key
    finally:
        server.stop()
