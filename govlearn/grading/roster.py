"""Cohort rosters: read a CSV, load it into the gradebook, issue sandbox keys.

The CSV has a header row with ``learner_id, name, email, country, continent,
cohort, organisation`` (``id`` and ``organization`` are accepted too). Every
row that cannot be used is reported with its line number and the reason;
none is dropped silently.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "IssuedKeys",
    "RosterEntry",
    "RosterImport",
    "RowProblem",
    "import_roster",
    "issue_keys",
    "parse_roster",
    "read_roster",
]

COLUMNS = (
    "learner_id",
    "name",
    "email",
    "country",
    "continent",
    "cohort",
    "organisation",
)
_ALIASES = {
    "id": "learner_id",
    "learner id": "learner_id",
    "learnerid": "learner_id",
    "organization": "organisation",
}
_LEARNER_ID = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
CONTINENTS = (
    "Africa",
    "Asia",
    "Europe",
    "North America",
    "South America",
    "Oceania",
    "Antarctica",
)


@dataclass(frozen=True)
class RosterEntry:
    """One learner of a cohort."""

    learner_id: str
    name: str
    email: str
    country: str
    continent: str
    cohort: str
    organisation: str

    @property
    def first_and_last(self) -> tuple[str, str]:
        """nbgrader's first and last name: the last word is the last name."""
        parts = self.name.split()
        if len(parts) < 2:
            return self.name, ""
        return " ".join(parts[:-1]), parts[-1]


@dataclass(frozen=True)
class RowProblem:
    """A roster row that was not used, and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class RosterImport:
    """What reading (and importing) a roster found."""

    entries: list[RosterEntry] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _header(names: list[str]) -> list[str]:
    cleaned = [n.strip().lower().replace("-", "_") for n in names]
    return [_ALIASES.get(n, _ALIASES.get(n.replace("_", " "), n)) for n in cleaned]


def read_roster(path: Path | str) -> RosterImport:
    """Read and check a roster CSV file without importing it."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        result = RosterImport()
        result.problems.append(RowProblem(0, f"the file could not be read: {exc}"))
        return result
    return parse_roster(text)


def parse_roster(text: str) -> RosterImport:
    """Check roster CSV text; see the module docstring for the columns."""
    result = RosterImport()
    reader = csv.reader(io.StringIO(text))
    try:
        header = _header(next(reader))
    except StopIteration:
        result.problems.append(
            RowProblem(1, "the file is empty; it needs a header row")
        )
        return result
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.problems.append(
            RowProblem(1, f"the header lacks {', '.join(missing)} (it has {header})")
        )
        return result
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.problems.append(
                RowProblem(
                    line, f"it has {len(row)} fields, the header has {len(header)}"
                )
            )
            continue
        values = {
            k: v.strip() for k, v in zip(header, row, strict=True) if k in COLUMNS
        }
        reasons = []
        learner_id = values["learner_id"]
        if not _LEARNER_ID.match(learner_id):
            reasons.append(
                f"learner id {learner_id!r} must be 1-64 letters, digits, '.', '_', "
                "'@' or '-'"
            )
        elif learner_id in seen:
            reasons.append(f"learner id {learner_id!r} repeats line {seen[learner_id]}")
        if not values["name"]:
            reasons.append("the name is empty")
        if not _EMAIL.match(values["email"]):
            reasons.append(f"email {values['email']!r} is not an email address")
        for column in ("country", "cohort", "organisation"):
            if not values[column]:
                reasons.append(f"the {column} is empty")
        if values["continent"] not in CONTINENTS:
            reasons.append(
                f"continent {values['continent']!r} is not one of "
                + ", ".join(CONTINENTS)
            )
        if reasons:
            result.problems.append(RowProblem(line, "; ".join(reasons)))
            continue
        seen[learner_id] = line
        result.entries.append(RosterEntry(**values))
    return result


def import_roster(
    course_root: Path | str, source: Path | str, *, db_url: str | None = None
) -> RosterImport:
    """Add or update the roster's learners as nbgrader students of a course.

    Good rows are imported, bad rows are returned in ``problems``. The fields
    nbgrader has no column for (country, continent, cohort, organisation) go
    to GovLearn's ``govlearn_learners`` table in the same gradebook.
    """
    from nbgrader.api import Gradebook

    from .course import ensure_tools_on_path
    from .policy import load_policy, nbgrader_config
    from .store import LearnerProfile, create_tables, transaction

    result = read_roster(source)
    ensure_tools_on_path()
    config = nbgrader_config(Path(course_root), load_policy(), db_url=db_url)
    gradebook = Gradebook(
        config.CourseDirectory.db_url, config.CourseDirectory.course_id
    )
    try:
        create_tables(gradebook.engine)
        with transaction(gradebook):
            for entry in result.entries:
                first, last = entry.first_and_last
                gradebook.update_or_create_student(
                    entry.learner_id,
                    first_name=first,
                    last_name=last,
                    email=entry.email,
                )
                gradebook.db.merge(
                    LearnerProfile(
                        id=entry.learner_id,
                        name=entry.name,
                        email=entry.email,
                        country=entry.country,
                        continent=entry.continent,
                        cohort=entry.cohort,
                        organisation=entry.organisation,
                    )
                )
    finally:
        gradebook.close()
    return result


@dataclass
class IssuedKeys:
    """Keys created for a cohort, and the learners that got none (with why)."""

    written: Path
    issued: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def issue_keys(
    entries: list[RosterEntry],
    sandbox_url: str,
    admin_key: str,
    out: Path | str,
    *,
    rotate: bool = False,
    transport: Any = None,
) -> IssuedKeys:
    """Create a sandbox key for every learner and write them to a CSV for hand-out.

    Uses the sandbox's admin API (``POST /admin/learners``). A learner who
    already has a key keeps it unless ``rotate`` is set; they are listed in
    ``refused``. The CSV (``learner_id, name, email, sandbox_url, key``) is
    readable only by its owner.
    """
    out = Path(out)
    result = IssuedKeys(out)
    rows = []
    with httpx.Client(
        base_url=sandbox_url.rstrip("/"),
        headers={"X-GovLearn-Admin-Key": admin_key},
        timeout=30,
        transport=transport,
    ) as client:
        for entry in entries:
            try:
                response = client.post(
                    "/admin/learners",
                    json={
                        "learnerId": entry.learner_id,
                        "name": entry.name,
                        "rotate": rotate,
                    },
                )
            except httpx.TransportError as exc:
                raise ConnectionError(
                    f"Attempted to create sandbox keys at {sandbox_url}, but it could "
                    f"not be reached ({exc.__class__.__name__}). Check the URL and "
                    "that the sandbox is running."
                ) from exc
            if response.status_code == 201:
                rows.append((entry, response.json()["key"]))
                result.issued.append(entry.learner_id)
            elif response.status_code == 409:
                result.refused.append(
                    (entry.learner_id, "already has a key; use --rotate to replace it")
                )
            elif response.status_code in (401, 403):
                raise PermissionError(
                    f"Attempted to create sandbox keys at {sandbox_url}, but the admin "
                    "key was refused. Check GOVLEARN_ADMIN_KEY."
                )
            else:
                result.refused.append(
                    (entry.learner_id, f"{response.status_code}: {response.text[:160]}")
                )
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner_id", "name", "email", "sandbox_url", "key"])
        for entry, key in rows:
            writer.writerow(
                [entry.learner_id, entry.name, entry.email, sandbox_url, key]
            )
    return result
