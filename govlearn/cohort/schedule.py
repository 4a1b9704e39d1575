"""The programme's timetable: when each course module opens and is due.

GovStack 101 comes first, one module a week; Identity and the Information
Mediator start while it ends, each at one module a week, a few days apart.
Due dates are at 23:59 UTC.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["COURSE_OFFSETS", "apply_schedule", "programme_schedule"]

#: days from the programme start to each course's first due date
COURSE_OFFSETS = {"govstack-101": 7, "identity": 28, "information-mediator": 31}


def programme_schedule(
    courses: dict[str, list[str]], start: str | pd.Timestamp
) -> pd.DataFrame:
    """Due dates of every module; ``courses`` maps course id -> module ids.

    Columns: ``course``, ``module``, ``position``, ``opens`` (one week before
    the due date, never before the start) and ``duedate`` (UTC).
    """
    begin = pd.Timestamp(start)
    begin = begin.tz_localize("UTC") if begin.tzinfo is None else begin
    rows = []
    for index, (course, modules) in enumerate(courses.items()):
        offset = COURSE_OFFSETS.get(course, 7 + 14 * index)
        for position, module in enumerate(modules, start=1):
            due = begin + pd.Timedelta(days=offset + 7 * (position - 1))
            due = due.normalize() + pd.Timedelta(hours=23, minutes=59)
            opens = max(begin, due.normalize() - pd.Timedelta(days=7))
            rows.append((course, module, position, opens, due))
    return pd.DataFrame(
        rows, columns=["course", "module", "position", "opens", "duedate"]
    )


def apply_schedule(
    gradebook: str | os.PathLike[str], schedule: pd.DataFrame, course: str
) -> int:
    """Write the due dates of ``course`` into its nbgrader gradebook.

    Uses nbgrader's own ``Gradebook`` API; returns the assignments updated.
    """
    import sys

    from nbgrader.api import Gradebook

    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        # nbgrader runs this environment's `alembic` command
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    text = os.fspath(gradebook)
    url = text if "://" in text else f"sqlite:///{Path(text).resolve()}"
    mine = schedule[schedule["course"] == course]
    updated = 0
    with Gradebook(url, course_id=course) as book:
        known = {a.name for a in book.assignments}
        for row in mine.itertuples():
            if row.module in known:
                due = row.duedate.tz_convert("UTC").tz_localize(None).to_pydatetime()
                book.update_or_create_assignment(row.module, duedate=due)
                updated += 1
    return updated
