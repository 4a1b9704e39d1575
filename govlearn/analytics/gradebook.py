"""Read nbgrader gradebooks into tidy pandas tables.

The reader works on nbgrader's own schema (``nbgrader.api``): ``assignment``
(one per course module, with its ``duedate``), ``notebook``, ``base_cell`` with
``grade_cells`` / ``task_cells`` (the questions and their ``max_score``),
``student``, ``submitted_assignment`` (with the submission ``timestamp``),
``submitted_notebook`` (with ``late_submission_penalty``) and ``grade``
(``auto_score``, ``manual_score``, ``extra_credit``).

The large ``grade`` table is summed inside the database (per submission and
per question), so a gradebook of 100,000 learners loads in seconds without
building ORM objects or moving millions of rows into Python. Both SQLite
files and PostgreSQL URLs work.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from .errors import EmptyGradebook, GradebookNotFound

__all__ = ["Gradebooks", "gradebook_url", "load_gradebook", "load_gradebooks"]

_CHUNK = 250_000
# Readers of several gradebooks run their queries side by side (at most one
# per core) but take turns at the Python side: fetching rows holds the GIL,
# and two threads fetching at once hand the GIL back and forth on every row.
_PYTHON_SIDE = threading.Lock()
_NBGRADER_TABLES = (
    "assignment",
    "notebook",
    "base_cell",
    "student",
    "submitted_assignment",
    "submitted_notebook",
    "grade",
)


@dataclass(frozen=True)
class Gradebooks:
    """The tidy tables read from one or more gradebooks (one per course).

    ``modules``
        one row per course module (nbgrader assignment): ``course``, ``module``,
        ``position`` (1, 2, ... in due-date order), ``duedate``, ``max_score``,
        ``n_items``.
    ``items``
        one row per question (grade cell): ``course``, ``module``, ``notebook``,
        ``item``, ``max_score``, ``kind`` (``auto`` for autograded tests,
        ``manual`` for cells graded by hand).
    ``learners``
        one row per learner known to each course's gradebook: ``course``,
        ``learner``, ``first_name``, ``last_name``, ``email``.
    ``submissions``
        one row per submitted module: ``course``, ``module``, ``learner``,
        ``submitted_at``, ``duedate``, ``seconds_late``, ``late``,
        ``raw_score``, ``penalty``, ``score`` (raw score minus the late
        penalty, never below zero), ``max_score``, ``percent`` (``score`` over
        ``max_score``, 0-100), ``graded`` (the gradebook holds grades for it)
        and ``needs_manual`` (some answer still waits for a human grader).
    Each submission row also holds ``answer_0``, ``answer_1``, ...: the
    score of the module's questions in the order of ``items`` (``slot``),
    empty when not graded yet (a hand-graded answer waiting for its grader).
    """

    modules: pd.DataFrame
    items: pd.DataFrame
    learners: pd.DataFrame
    submissions: pd.DataFrame

    @property
    def courses(self) -> list[str]:
        """The course ids, in the order the gradebooks were given."""
        return list(dict.fromkeys(self.modules["course"]))


def gradebook_url(location: str | os.PathLike[str]) -> str:
    """Turn a path or URL into a SQLAlchemy URL (a bare path means SQLite)."""
    text = os.fspath(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            raise GradebookNotFound(
                f"Attempted to read the gradebook {url!r}, but there is no such "
                "file. Run `govlearn grade` first (it creates one gradebook per "
                "course), or pass the path of an existing gradebook.db."
            )
    elif parsed.get_backend_name() == "postgresql" and parsed.drivername in (
        "postgresql",
        "postgres",
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(parsed)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise GradebookNotFound(
            f"Attempted to open the gradebook {url!r}, but the database could "
            f"not be reached ({exc.orig}). Check the URL, that the server is "
            "running and that the database exists."
        ) from exc
    return engine


def _fetch(
    connection: Any, sql: str, params: tuple[Any, ...] = ()
) -> Iterable[list[tuple[Any, ...]]]:
    cursor = connection.cursor()
    try:
        if params:
            cursor.execute(sql.replace("?", _placeholder(connection)), params)
        else:
            cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(_CHUNK)
            if not rows:
                break
            yield rows
    finally:
        cursor.close()


def _placeholder(connection: Any) -> str:
    module = type(connection).__module__
    return "?" if "sqlite" in module else "%s"


def _frame(connection: Any, sql: str, columns: list[str], params=()) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rows = [row for chunk in _fetch(connection, sql, params) for row in chunk]
    return pd.DataFrame.from_records(rows, columns=columns)


def _timestamps(values: pd.Series) -> pd.Series:
    """nbgrader stores naive UTC datetimes (SQLite: text); make them UTC-aware."""
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return pd.to_datetime(values, utc=True, format="mixed")


#: SQLAlchemy keeps an ``Interval`` on SQLite as this moment plus the interval.
_INTERVAL_EPOCH = pd.Timestamp("1970-01-01")


def _extensions(values: pd.Series) -> pd.Series:
    """nbgrader's per-submission extensions (a duration) as timedeltas.

    PostgreSQL returns an interval; on SQLite the column holds the text of
    1970-01-01 plus the interval. A missing extension is a zero duration.
    """
    given = values.dropna()
    if given.empty:
        return pd.Series(pd.Timedelta(0), index=values.index)
    if isinstance(given.iloc[0], str):
        moments = pd.to_datetime(values, format="mixed")
        durations = moments - _INTERVAL_EPOCH
    else:
        durations = pd.to_timedelta(values)
    return durations.fillna(pd.Timedelta(0))


def load_gradebook(
    url: str | os.PathLike[str],
    course: str | None = None,
    as_of: pd.Timestamp | None = None,
) -> Gradebooks:
    """Read one gradebook; ``course`` names it (default: its assignments' course).

    Raises :class:`GradebookNotFound` when there is no database at ``url`` and
    :class:`EmptyGradebook` when it has no nbgrader tables or no assignments.
    """
    return load_gradebooks({course: url} if course else [url], as_of=as_of)


def load_gradebooks(
    gradebooks: Mapping[str, str | os.PathLike[str]] | Iterable[str | os.PathLike[str]],
    *,
    as_of: pd.Timestamp | None = None,
) -> Gradebooks:
    """Read several gradebooks (one per course) into one set of tidy tables.

    ``gradebooks`` is a list of URLs/paths, or a mapping ``course id -> URL``
    when the gradebooks' own course ids should be overridden. ``as_of``
    (UTC) limits the question statistics to submissions made by then.
    """
    if isinstance(gradebooks, Mapping):
        pairs = [(name, gradebook_url(url)) for name, url in gradebooks.items()]
    else:
        pairs = [(None, gradebook_url(url)) for url in gradebooks]
    if not pairs:
        raise GradebookNotFound(
            "Attempted to build a report, but no gradebook was given. Pass the "
            "URL or path of at least one nbgrader gradebook."
        )
    # the databases do the heavy work and release the GIL meanwhile, so the
    # gradebooks are read side by side: one big query per core at a time, and
    # each reader's Python side overlaps the other readers' queries
    count = os.cpu_count() or 1
    cores = threading.BoundedSemaphore(count)
    with ThreadPoolExecutor(max_workers=min(len(pairs), 2 * count)) as pool:
        parts = list(pool.map(lambda pair: _read_one(pair[1], pair[0], cores), pairs))
    tables = {
        field: pd.concat([getattr(p, field) for p in parts], ignore_index=True)
        for field in ("modules", "items", "learners", "submissions")
    }
    return Gradebooks(**tables)


def _read_one(
    url: str, course_override: str | None, cores: threading.BoundedSemaphore
) -> Gradebooks:
    engine = _engine(url)
    try:
        present = set(sa.inspect(engine).get_table_names())
        missing = [t for t in _NBGRADER_TABLES if t not in present]
        if missing:
            raise EmptyGradebook(
                f"Attempted to read the gradebook {url!r}, but it has no nbgrader "
                f"tables ({', '.join(missing)} missing). Point the report at a "
                "gradebook written by `govlearn grade` or `nbgrader`."
            )
        raw = engine.raw_connection()
        try:
            return _read_tables(raw.driver_connection, url, course_override, cores)
        finally:
            raw.close()
    finally:
        engine.dispose()


def _read_tables(
    connection: Any,
    url: str,
    course_override: str | None,
    cores: threading.BoundedSemaphore,
) -> Gradebooks:
    assignments = _frame(
        connection,
        "SELECT id, name, duedate, course_id FROM assignment",
        ["assignment_id", "module", "duedate", "course"],
    )
    if assignments.empty:
        raise EmptyGradebook(
            f"Attempted to read the gradebook {url!r}, but it holds no "
            "assignments. Build the course and grade at least one submission "
            "(`govlearn grade`), then build the report again."
        )
    if course_override:
        assignments["course"] = course_override
    assignments["duedate"] = _timestamps(assignments["duedate"])
    assignments = assignments.sort_values(
        ["course", "duedate", "module"], na_position="last"
    )
    assignments["position"] = assignments.groupby("course").cumcount() + 1

    cells = _frame(
        connection,
        "SELECT bc.id, bc.name, n.name, n.assignment_id, "
        "gc.max_score, tc.max_score, gc.cell_type "
        "FROM base_cell bc JOIN notebook n ON n.id = bc.notebook_id "
        "LEFT JOIN grade_cells gc ON gc.id = bc.id "
        "LEFT JOIN task_cells tc ON tc.id = bc.id "
        "WHERE gc.id IS NOT NULL OR tc.id IS NOT NULL",
        ["cell_id", "item", "notebook", "assignment_id", "gmax", "tmax", "ctype"],
    )
    cells["max_score"] = cells["gmax"].fillna(cells["tmax"]).astype(float)
    cells["kind"] = np.where(
        (cells["ctype"] == "code") & cells["gmax"].notna(), "auto", "manual"
    )
    cells = cells.merge(
        assignments[["assignment_id", "course", "module", "position"]],
        on="assignment_id",
    ).sort_values(["position", "notebook", "item"], ignore_index=True)
    cells["slot"] = cells.groupby("assignment_id").cumcount()
    items = cells[["course", "module", "notebook", "item", "max_score", "kind", "slot"]]

    totals = cells.groupby("assignment_id").agg(
        max_score=("max_score", "sum"), n_items=("item", "size")
    )
    modules = assignments.join(totals, on="assignment_id")
    modules["max_score"] = modules["max_score"].fillna(0.0)
    modules["n_items"] = modules["n_items"].fillna(0).astype(int)
    course_name = str(modules["course"].iloc[0])

    slots = int(cells.groupby("assignment_id").size().max()) if len(cells) else 0
    cursor = connection.cursor()
    try:
        with cores:
            # the query ends in a sort, so SQLite does all of its work inside
            # execute() (without the GIL) and fetching only copies rows
            cursor.execute(_submissions_sql(cells))
        with _PYTHON_SIDE:
            rows = cursor.fetchall()
            learners = _frame(
                connection,
                "SELECT id, first_name, last_name, email FROM student",
                ["learner", "first_name", "last_name", "email"],
            )
            learners.insert(0, "course", course_name)
            learners = learners.sort_values("learner", ignore_index=True)
            columns = _SUBMISSION_COLUMNS + [f"answer_{k}" for k in range(slots)]
            submissions = pd.DataFrame.from_records(rows, columns=columns)
            del rows
            return _finish(submissions, slots, modules, items, learners)
    finally:
        cursor.close()


def _finish(
    submissions: pd.DataFrame,
    slots: int,
    modules: pd.DataFrame,
    items: pd.DataFrame,
    learners: pd.DataFrame,
) -> Gradebooks:
    """Turn the fetched submission rows into the tidy tables."""
    submissions["submitted_at"] = _timestamps(submissions["submitted_at"])
    submissions["extension"] = _extensions(submissions["extension"])
    for column in ("raw_score", "penalty", "n_grades", "pending"):
        submissions[column] = submissions[column].astype(float).fillna(0.0)
    submissions["graded"] = submissions["n_grades"] > 0
    submissions["needs_manual"] = submissions["pending"] > 0
    submissions = submissions.merge(
        modules[["assignment_id", "course", "module", "duedate", "max_score"]],
        on="assignment_id",
    )
    submissions["score"] = (submissions["raw_score"] - submissions["penalty"]).clip(
        lower=0.0
    )
    submissions["percent"] = np.where(
        submissions["max_score"] > 0,
        100.0
        * submissions["score"]
        / submissions["max_score"].where(submissions["max_score"] > 0, 1.0),
        np.nan,
    )
    due = submissions["duedate"] + submissions["extension"]
    late = (submissions["submitted_at"] - due).dt.total_seconds()
    submissions["seconds_late"] = late.clip(lower=0.0).fillna(0.0)
    submissions["late"] = submissions["seconds_late"] > 0
    answers = [f"answer_{k}" for k in range(slots)]
    submissions[answers] = submissions[answers].astype(float)
    submissions = submissions[
        [
            "course",
            "module",
            "learner",
            "submitted_at",
            "duedate",
            "seconds_late",
            "late",
            "raw_score",
            "penalty",
            "score",
            "max_score",
            "percent",
            "graded",
            "needs_manual",
            *answers,
        ]
    ]

    modules = modules[
        ["course", "module", "position", "duedate", "max_score", "n_items"]
    ].reset_index(drop=True)
    return Gradebooks(
        modules=modules,
        items=items.reset_index(drop=True),
        learners=learners,
        submissions=submissions.reset_index(drop=True),
    )


# The score nbgrader gives a grade: the manual score if there is one, else the
# automatic score, plus any extra credit; 0 when neither is set.
_SCORE = (
    "CASE WHEN g.manual_score IS NOT NULL "
    "THEN g.manual_score + COALESCE(g.extra_credit, 0) "
    "WHEN g.auto_score IS NOT NULL "
    "THEN g.auto_score + COALESCE(g.extra_credit, 0) ELSE 0 END"
)
# a hand-graded answer still waiting for its grader
_PENDING = "CASE WHEN g.needs_manual_grade AND g.manual_score IS NULL THEN 1 ELSE 0 END"
_SUBMISSION_COLUMNS = [
    "assignment_id",
    "learner",
    "submitted_at",
    "extension",
    "raw_score",
    "n_grades",
    "pending",
    "penalty",
]


def _quoted(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _submissions_sql(cells: pd.DataFrame) -> str:
    """One row per submission; its questions' scores pivoted into columns.

    A single pass over ``grade`` sums each submitted notebook (its score, its
    grades, the answers waiting for a grader) and picks out each question's
    score into the column of its slot, so no per-answer rows leave the
    database.
    """
    pivots = []
    slots = cells.groupby("slot")["cell_id"].apply(list) if len(cells) else []
    for slot, ids in getattr(slots, "items", lambda: [])():
        listed = ", ".join(_quoted(i) for i in ids)
        pivots.append(
            f"SUM(CASE WHEN g.cell_id IN ({listed}) "
            f"THEN CASE WHEN {_PENDING} = 0 THEN {_SCORE} END END) AS x{slot}"
        )
    inner = ",\n           ".join(pivots)
    outer = "".join(f", SUM(t.x{slot})" for slot in range(len(pivots)))
    comma = "," if pivots else ""
    return f"""
SELECT sa.assignment_id, sa.student_id, sa.timestamp, sa.extension,
       SUM(t.raw), SUM(t.n), SUM(t.pending), SUM(sn.late_submission_penalty){outer}
FROM submitted_assignment sa
LEFT JOIN submitted_notebook sn ON sn.assignment_id = sa.id
LEFT JOIN (
    SELECT g.notebook_id AS nb, SUM({_SCORE}) AS raw, COUNT(*) AS n,
           SUM({_PENDING}) AS pending{comma}
           {inner}
    FROM grade g GROUP BY g.notebook_id
) t ON t.nb = sn.id
GROUP BY sa.id, sa.assignment_id, sa.student_id, sa.timestamp, sa.extension
ORDER BY sa.id
"""
