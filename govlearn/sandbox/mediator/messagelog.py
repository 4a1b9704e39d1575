"""The message log: one row per mediated exchange, never the payload.

Rows are written by a small background writer in batches, so recording an
exchange costs the mediated call a list append, not a database commit. A
reader of the log first flushes what this process still holds, so a learner
always sees their own calls; another replica's rows appear within
:data:`FLUSH_INTERVAL` seconds.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import weakref
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..db import Database
from .models import MessageLogRecord

__all__ = ["FLUSH_INTERVAL", "MessageLogWriter", "query_log", "writer_for"]

log = logging.getLogger("govlearn")

FLUSH_INTERVAL = 0.05
_IDLE_EXIT = 5.0
_MAX_PENDING = 50_000
_MAX_ATTEMPTS = 3


class MessageLogWriter:
    """Batches message-log rows of one database and writes them in the background."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    def record(self, row: dict[str, Any]) -> None:
        """Queue one row; it reaches the database within ``FLUSH_INTERVAL``.

        A NUL character (a path with ``%00``) is written as U+FFFD: neither
        database would store the row, and one refused row would hold back
        every row written with it.
        """
        row = {
            name: value.replace("\x00", "\ufffd") if isinstance(value, str) else value
            for name, value in row.items()
        }
        with self._lock:
            if len(self._pending) >= _MAX_PENDING:
                log.warning("Message log backlog full; dropping the oldest row")
                self._pending.pop(0)
            self._pending.append(row)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="govlearn-message-log", daemon=True
                )
                self._thread.start()

    def flush(self) -> None:
        """Write every queued row now (readers call this before a query)."""
        with self._write_lock:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return
            try:
                with self.database.engine.begin() as connection:
                    connection.execute(insert(MessageLogRecord), rows)
                self._failures = 0
            except Exception:
                self._failures += 1
                if self._failures >= _MAX_ATTEMPTS:
                    log.exception("Message log: dropping %d rows", len(rows))
                    self._failures = 0
                    return
                with self._lock:
                    self._pending[:0] = rows

    def _run(self) -> None:
        idle = 0.0
        while idle < _IDLE_EXIT:
            self._wake.wait(FLUSH_INTERVAL)
            with self._lock:
                waiting = bool(self._pending)
            if waiting:
                idle = 0.0
                self.flush()
            else:
                idle += FLUSH_INTERVAL


_WRITERS: weakref.WeakKeyDictionary[Database, MessageLogWriter] = (
    weakref.WeakKeyDictionary()
)
_WRITERS_LOCK = threading.Lock()


def writer_for(database: Database) -> MessageLogWriter:
    """The one writer of ``database`` in this process."""
    writer = _WRITERS.get(database)
    if writer is None:
        with _WRITERS_LOCK:
            writer = _WRITERS.get(database)
            if writer is None:
                writer = _WRITERS[database] = MessageLogWriter(database)
    return writer


@atexit.register
def _flush_all() -> None:
    for writer in list(_WRITERS.values()):
        try:
            writer.flush()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def query_log(
    session: Session,
    *,
    workspace_id: str | None,
    service: str | None = None,
    client: str | None = None,
    status: int | None = None,
    since: dt.datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[MessageLogRecord]:
    """Records newest first; ``workspace_id=None`` reads every workspace."""
    statement = select(MessageLogRecord)
    if workspace_id is not None:
        statement = statement.where(MessageLogRecord.workspace_id == workspace_id)
    if service:
        statement = statement.where(MessageLogRecord.service_id == service)
    if client:
        statement = statement.where(MessageLogRecord.client_id == client)
    if status is not None:
        statement = statement.where(MessageLogRecord.status == status)
    if since is not None:
        statement = statement.where(MessageLogRecord.started_at >= since)
    if before_id is not None:
        statement = statement.where(MessageLogRecord.id < before_id)
    statement = statement.order_by(MessageLogRecord.id.desc()).limit(limit)
    return list(session.scalars(statement))
