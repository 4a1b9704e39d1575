"""Sandbox activity: what each learner did in the mock GovStack sandbox.

The tidy activity table has one row per call a learner made through the
Information Mediator, with the columns ``learner`` (the workspace id, which is
the learner id), ``at`` (UTC time), ``client``, ``service``, ``status`` (the
HTTP status) and ``bytes`` (request plus response size).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from .errors import AnalyticsError

__all__ = [
    "ACTIVITY_COLUMNS",
    "MESSAGE_LOG_TABLE",
    "activity_frame",
    "empty_activity",
    "load_activity",
]

#: the Information Mediator's message log in the sandbox database
MESSAGE_LOG_TABLE = "im_message_log"

ACTIVITY_COLUMNS = ["learner", "at", "client", "service", "status", "bytes"]


def empty_activity() -> pd.DataFrame:
    """An activity table with no rows (a report without sandbox data)."""
    return activity_frame(pd.DataFrame(columns=ACTIVITY_COLUMNS))


def activity_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a table of calls to the tidy activity columns and types."""
    data = frame.copy()
    for column in ACTIVITY_COLUMNS:
        if column not in data.columns:
            data[column] = pd.NA if column != "bytes" else 0
    data = data[ACTIVITY_COLUMNS]
    data["learner"] = data["learner"].astype(str)
    data["at"] = pd.to_datetime(data["at"], utc=True, format="mixed")
    data["status"] = pd.to_numeric(data["status"], errors="coerce")
    data["bytes"] = pd.to_numeric(data["bytes"], errors="coerce").fillna(0)
    return data.sort_values("at", ignore_index=True)


def load_activity(source: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Read sandbox activity from the sandbox database or a CSV file.

    ``source`` is a database URL (``sqlite:///...``, ``postgresql://...``) or
    the path of a sandbox ``.db`` file, whose Information Mediator message log
    (``im_message_log``: one row per mediated exchange; the workspace id is
    the learner id) is read; or a CSV with the activity columns. Empty means
    no activity.
    """
    if source is None or os.fspath(source) == "":
        return empty_activity()
    text = os.fspath(source)
    if text.endswith(".csv"):
        if not Path(text).is_file():
            raise AnalyticsError(
                f"Attempted to read sandbox activity from {text!r}, but there is "
                "no such file. Pass the sandbox database URL or leave it empty."
            )
        return activity_frame(pd.read_csv(text))
    url = text if "://" in text else f"sqlite:///{Path(text).resolve()}"
    parsed = sa.make_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and not Path(parsed.database or "").is_file()
    ):
        raise AnalyticsError(
            f"Attempted to read sandbox activity from {url!r}, but there is no "
            "such database file. Pass the sandbox's database URL "
            "(GOVLEARN_DATABASE_URL) or leave it empty."
        )
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(parsed)
    try:
        if not sa.inspect(engine).has_table(MESSAGE_LOG_TABLE):
            raise AnalyticsError(
                f"Attempted to read the message log from {url!r}, but the "
                f"database has no {MESSAGE_LOG_TABLE} table. Is this the "
                "sandbox's database, and has the mediator served a call?"
            )
        query = (
            "SELECT workspace_id AS learner, started_at AS at, client_id AS "
            "client, service_id AS service, status, "
            "request_bytes + response_bytes AS bytes "
            f"FROM {MESSAGE_LOG_TABLE}"
        )
        with engine.connect() as connection:
            frame = pd.read_sql_query(sa.text(query), connection)
    finally:
        engine.dispose()
    return activity_frame(frame)
