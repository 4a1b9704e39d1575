"""Read a cohort roster (CSV) into a tidy table.

A roster has one row per learner. The columns the analytics use:

``learner_id`` (required), ``first_name`` and ``last_name`` (or one
``name``, as ``govlearn grade`` reads it), ``email``,
``country``, ``continent``, ``cohort``, ``organisation``,
``organisation_type``, ``role``, ``enrolled_on`` (a date) and ``courses``
(course ids separated by ``;``; empty means every course).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import EmptyCohort, RosterError

__all__ = ["ROSTER_COLUMNS", "enrolments", "load_roster"]

ROSTER_COLUMNS = [
    "learner_id",
    "first_name",
    "last_name",
    "email",
    "country",
    "continent",
    "cohort",
    "organisation",
    "organisation_type",
    "role",
    "enrolled_on",
    "courses",
]
_ALIASES = {"id": "learner_id", "student_id": "learner_id", "learner": "learner_id"}


def load_roster(
    source: str | os.PathLike[str] | pd.DataFrame, cohort: str | None = None
) -> pd.DataFrame:
    """Read a roster CSV (or frame) and keep the learners of ``cohort``.

    Missing optional columns are added empty, ``enrolled_on`` becomes a UTC
    timestamp. Raises :class:`RosterError` for a missing file or a roster
    without ``learner_id``, and :class:`EmptyCohort` when no learner is left.
    """
    if isinstance(source, pd.DataFrame):
        roster = source.copy()
        where = "the roster table"
    else:
        path = Path(source)
        where = f"the roster {str(path)!r}"
        if not path.is_file():
            raise RosterError(
                f"Attempted to read {where}, but there is no such file. Write "
                "one with `govlearn cohort simulate` or pass the path of your "
                "cohort's roster CSV."
            )
        roster = pd.read_csv(path, dtype=str, keep_default_na=False)
    roster = roster.rename(columns=_ALIASES)
    if "learner_id" not in roster.columns:
        raise RosterError(
            f"Attempted to read {where}, but it has no learner_id column (it "
            f"has: {', '.join(map(str, roster.columns)) or 'no columns'}). Add "
            "a learner_id column holding each learner's nbgrader student id."
        )
    has_names = "first_name" in roster.columns or "last_name" in roster.columns
    for column in ROSTER_COLUMNS:
        if column not in roster.columns:
            roster[column] = ""
    if "name" in roster.columns and not has_names:
        parts = roster["name"].fillna("").astype(str).str.strip().str.split(" ", n=1)
        roster["first_name"] = parts.str[0].fillna("")
        roster["last_name"] = parts.str[1].fillna("")
    roster["learner_id"] = roster["learner_id"].astype(str).str.strip()
    duplicated = roster["learner_id"][roster["learner_id"].duplicated()]
    if len(duplicated):
        raise RosterError(
            f"Attempted to read {where}, but learner ids repeat "
            f"({', '.join(sorted(set(duplicated))[:5])}). Give every learner "
            "one row."
        )
    if cohort:
        roster = roster[roster["cohort"] == cohort]
    if roster.empty:
        chosen = f" in cohort {cohort!r}" if cohort else ""
        raise EmptyCohort(
            f"Attempted to report on {where}, but it lists no learners{chosen}. "
            "Check the cohort name and that the roster has rows; "
            "`govlearn cohort simulate` writes an example roster."
        )
    enrolled = roster["enrolled_on"].replace("", None)
    roster["enrolled_on"] = pd.to_datetime(enrolled, utc=True, format="mixed")
    return roster.reset_index(drop=True)


def enrolments(roster: pd.DataFrame, courses: list[str]) -> pd.DataFrame:
    """One row per (course, learner) the roster enrols: all courses by default."""
    listed = roster["courses"].fillna("").astype(str)
    rows: list[tuple[str, str, object]] = []
    for learner, enrolled_on, wanted in zip(
        roster["learner_id"], roster["enrolled_on"], listed, strict=True
    ):
        chosen = [c.strip() for c in wanted.split(";") if c.strip()] or courses
        rows.extend((c, learner, enrolled_on) for c in chosen if c in courses)
    return pd.DataFrame(rows, columns=["course", "learner", "enrolled_on"])
