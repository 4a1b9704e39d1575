"""The embedded sandbox: started once per process on 127.0.0.1, in a thread.

Its data lives in the SQLite file under the GovLearn home folder, so a learner
who restarts a notebook finds their workspace as they left it. Learner keys for
the embedded sandbox are kept in ``embedded-keys.json`` beside it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._config import home
from ._errors import SandboxUnavailable
from ._logging import logger

__all__ = [
    "BackgroundServer",
    "EmbeddedSandbox",
    "serve_in_background",
    "start_embedded",
]

_LOCK = threading.Lock()
_INSTANCE: EmbeddedSandbox | None = None


@dataclass
class EmbeddedSandbox:
    """A running embedded sandbox: its URL and how to get learner keys."""

    url: str
    database_url: str
    keys_file: Path
    _server: object = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _keys: dict[str, str] = field(default_factory=dict, repr=False)
    _database: Any = field(default=None, repr=False)

    def key_for(self, learner_id: str) -> str:
        """The key of ``learner_id``, creating the learner on first use."""
        from .sandbox.db import Database
        from .sandbox.workspaces.keys import hash_key
        from .sandbox.workspaces.models import Learner
        from .sandbox.workspaces.service import create_learner

        with _LOCK:
            key = self._keys.get(learner_id)
            # The running app's own engine, when there is one: no second pool.
            database = self._database or Database(self.database_url)
            try:
                with database.session() as session:
                    learner = session.get(Learner, learner_id)
                    valid = (
                        key is not None
                        and learner is not None
                        and learner.revoked_at is None
                        and learner.key_hash == hash_key(key)
                    )
                    if not valid:
                        issued = create_learner(
                            session, learner_id, learner_id, rotate=learner is not None
                        )
                        key = issued.key
            finally:
                if database is not self._database:
                    database.dispose()
            assert key is not None
            self._keys[learner_id] = key
            _save_keys(self.keys_file, self._keys)
        self._warm_up(learner_id)
        return key

    def _warm_up(self, learner_id: str) -> None:
        """Seed the learner's workspace in the background, before their first call.

        The first call would otherwise wait for the seeding. Seeding is safe to
        race: whichever of this thread and the first request commits the seed
        marker first does the work, the other waits for it and skips.
        """
        if self._database is None:
            return
        from .sandbox.workspaces.seeding import ensure_seeded

        def seed() -> None:
            try:
                ensure_seeded(self._database, learner_id)
            except Exception:  # the first request seeds and reports instead
                logger.debug("Background seeding of %s failed", learner_id)

        threading.Thread(target=seed, name="govlearn-seed", daemon=True).start()


def _load_keys(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_keys(path: Path, keys: dict[str, str]) -> None:
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(keys, indent=2, sort_keys=True))
    os.chmod(temporary, 0o600)
    temporary.replace(path)


@dataclass
class BackgroundServer:
    """A uvicorn server running an ASGI app in a daemon thread."""

    url: str
    server: object = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout)


def serve_in_background(app: object, timeout: float = 15.0) -> BackgroundServer:
    """Serve ``app`` on a free port of 127.0.0.1 from a daemon thread."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this. Without it uvicorn's separate writes of
    # headers and body meet the client's delayed ACK: about 40 ms per call.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        loop="asyncio",
        ws="none",
        lifespan="on",
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name="govlearn-sandbox-server",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SandboxUnavailable(
                "Attempted to start the embedded GovLearn sandbox, but it did not "
                f"become ready within {timeout:.0f} s. Restart the kernel and try "
                "again, or set GOVLEARN_SANDBOX_URL to use a hosted sandbox."
            )
        time.sleep(0.005)
    return BackgroundServer(f"http://127.0.0.1:{port}", server, thread)


def start_embedded(
    database_url: str | None = None, timeout: float = 15.0
) -> EmbeddedSandbox:
    """Start the embedded sandbox if this process has none; return it."""
    global _INSTANCE
    with _LOCK:
        if _INSTANCE is not None and _INSTANCE._thread.is_alive():
            return _INSTANCE
        from .sandbox import SandboxSettings, create_app

        started = time.perf_counter()
        settings = SandboxSettings.from_env(database_url=database_url)
        app = create_app(settings)
        running = serve_in_background(app, timeout)
        keys_file = home() / "embedded-keys.json"
        _INSTANCE = EmbeddedSandbox(
            url=running.url,
            database_url=settings.database_url,
            keys_file=keys_file,
            _server=running.server,
            _thread=running.thread,
            _keys=_load_keys(keys_file),
            _database=app.state.sandbox.database,
        )
        logger.info(
            "Embedded sandbox ready at %s in %.2f s",
            _INSTANCE.url,
            time.perf_counter() - started,
        )
        return _INSTANCE
