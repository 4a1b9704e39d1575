"""Read nbgrader gradebooks into tidy pandas tables.

The reader works on nbgrader's own schema (``nbgrader.api``): ``assignment``
(one per course module, with its ``duedate``), ``notebook``, ``base_cell`` with
``grade_cells`` / ``task_cells`` (the questions and their ``max_score``),
``student``, ``submitted_assignment`` (with the submission ``timestamp``),
``submitted_notebook`` (with ``late_submission_penalty``) and ``grade``
(``auto_score``, ``manual_score``, ``extra_credit``).

It reads with plain SQL in chunks, so a gradebook of 100,000 learners loads in
seconds without building ORM objects. Both SQLite files and PostgreSQL URLs
work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from .errors import EmptyGradebook, GradebookNotFound

__all__ = ["Gradebooks", "gradebook_url", "load_gradebook", "load_gradebooks"]

_CHUNK = 250_000
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
    ``item_scores``
        one row per graded question of a submission: ``course``, ``module``,
        ``notebook``, ``item``, ``learner``, ``score``, ``max_score`` and
        ``pending`` (a hand-graded answer that has no score yet).
    """

    modules: pd.DataFrame
    items: pd.DataFrame
    learners: pd.DataFrame
    submissions: pd.DataFrame
    item_scores: pd.DataFrame

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
    stamps = pd.to_datetime(values, utc=True, format="mixed")
    return stamps


def load_gradebook(
    url: str | os.PathLike[str], course: str | None = None
) -> Gradebooks:
    """Read one gradebook; ``course`` names it (default: its assignments' course).

    Raises :class:`GradebookNotFound` when there is no database at ``url`` and
    :class:`EmptyGradebook` when it has no nbgrader tables or no assignments.
    """
    return load_gradebooks({course: url} if course else [url])


def load_gradebooks(
    gradebooks: Mapping[str, str | os.PathLike[str]] | Iterable[str | os.PathLike[str]],
) -> Gradebooks:
    """Read several gradebooks (one per course) into one set of tidy tables.

    ``gradebooks`` is a list of URLs/paths, or a mapping ``course id -> URL``
    when the gradebooks' own course ids should be overridden.
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
    parts = [_read_one(url, name) for name, url in pairs]
    tables = {
        field: pd.concat([getattr(p, field) for p in parts], ignore_index=True)
        for field in ("modules", "items", "learners", "submissions")
    }
    item_scores = _concat_categorical([p.item_scores for p in parts])
    return Gradebooks(item_scores=item_scores, **tables)


def _concat_categorical(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    merged = pd.concat(frames, ignore_index=True)
    for column in ("course", "module", "notebook", "item", "learner"):
        merged[column] = merged[column].astype("category")
    return merged


def _read_one(url: str, course_override: str | None) -> Gradebooks:
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
            return _read_tables(raw.driver_connection, url, course_override)
        finally:
            raw.close()
    finally:
        engine.dispose()


def _read_tables(connection: Any, url: str, course_override: str | None) -> Gradebooks:
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
    ).sort_values(["position", "notebook", "item"])
    items = cells[["course", "module", "notebook", "item", "max_score", "kind"]]

    totals = cells.groupby("assignment_id").agg(
        max_score=("max_score", "sum"), n_items=("item", "size")
    )
    modules = assignments.join(totals, on="assignment_id")
    modules["max_score"] = modules["max_score"].fillna(0.0)
    modules["n_items"] = modules["n_items"].fillna(0).astype(int)
    course_name = str(modules["course"].iloc[0])

    learners = _frame(
        connection,
        "SELECT id, first_name, last_name, email FROM student",
        ["learner", "first_name", "last_name", "email"],
    )
    learners.insert(0, "course", course_name)
    learners = learners.sort_values("learner", ignore_index=True)

    submissions = _frame(
        connection,
        "SELECT id, assignment_id, student_id, timestamp, extension "
        "FROM submitted_assignment",
        ["submission_id", "assignment_id", "learner", "submitted_at", "extension"],
    )
    penalties = _frame(
        connection,
        "SELECT assignment_id, SUM(late_submission_penalty) "
        "FROM submitted_notebook GROUP BY assignment_id",
        ["submission_id", "penalty"],
    )
    index = {sid: i for i, sid in enumerate(submissions["submission_id"])}
    cell_index = {cid: i for i, cid in enumerate(cells["cell_id"])}
    sub_codes, cell_codes, scores, manual_flags = _read_grades(
        connection, index, cell_index
    )

    count = len(submissions)
    submissions["raw_score"] = np.bincount(sub_codes, weights=scores, minlength=count)
    submissions["graded"] = np.bincount(sub_codes, minlength=count) > 0
    submissions["needs_manual"] = (
        np.bincount(sub_codes, weights=manual_flags, minlength=count) > 0
    )
    item_scores = _item_table(
        sub_codes,
        cell_codes,
        scores,
        manual_flags,
        submissions,
        cells.reset_index(drop=True),
    )
    submissions["submitted_at"] = _timestamps(submissions["submitted_at"])
    submissions["extension"] = _timestamps(submissions["extension"])
    submissions = submissions.merge(penalties, on="submission_id", how="left").merge(
        modules[["assignment_id", "course", "module", "duedate", "max_score"]],
        on="assignment_id",
    )
    submissions["penalty"] = submissions["penalty"].fillna(0.0).astype(float)
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
    extension = submissions["extension"]
    due = submissions["duedate"].where(extension.isna(), extension)
    late = (submissions["submitted_at"] - due).dt.total_seconds()
    submissions["seconds_late"] = late.clip(lower=0.0).fillna(0.0)
    submissions["late"] = submissions["seconds_late"] > 0
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
        item_scores=item_scores,
    )


def _read_grades(
    connection: Any, index: dict[str, int], cell_index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stream the grade table; return codes and scores as compact arrays."""
    sub_parts: list[np.ndarray] = []
    cell_parts: list[np.ndarray] = []
    score_parts: list[np.ndarray] = []
    manual_parts: list[np.ndarray] = []
    sql = (
        "SELECT sn.assignment_id, g.cell_id, g.auto_score, g.manual_score, "
        "g.extra_credit, g.needs_manual_grade "
        "FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id"
    )
    for rows in _fetch(connection, sql):
        subs, cell_ids, auto, manual, extra, needs = zip(*rows, strict=True)
        keep = np.fromiter(
            (c in cell_index for c in cell_ids), dtype=bool, count=len(rows)
        )
        sub_parts.append(
            np.fromiter((index[s] for s in subs), dtype=np.int64, count=len(rows))[keep]
        )
        cell_parts.append(
            np.fromiter(
                (cell_index.get(c, -1) for c in cell_ids),
                dtype=np.int32,
                count=len(rows),
            )[keep]
        )
        auto_a = np.array(auto, dtype=float)
        manual_a = np.array(manual, dtype=float)
        extra_a = np.nan_to_num(np.array(extra, dtype=float))
        base = np.where(np.isnan(manual_a), auto_a, manual_a)
        score = np.where(np.isnan(base), 0.0, base + extra_a)
        score_parts.append(score[keep])
        waiting = np.array(needs, dtype=bool) & np.isnan(manual_a)
        manual_parts.append(waiting[keep].astype(float))
    if not sub_parts:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int32), empty, empty
    return (
        np.concatenate(sub_parts),
        np.concatenate(cell_parts),
        np.concatenate(score_parts),
        np.concatenate(manual_parts),
    )


def _item_table(
    sub_codes: np.ndarray,
    cell_codes: np.ndarray,
    scores: np.ndarray,
    pending: np.ndarray,
    submissions: pd.DataFrame,
    cells: pd.DataFrame,
) -> pd.DataFrame:
    learner_cat = pd.Categorical(submissions["learner"])
    learner_codes = learner_cat.codes[sub_codes]
    notebook_cat = pd.Categorical(cells["notebook"])
    item_cat = pd.Categorical(cells["item"])
    module_cat = pd.Categorical(cells["module"])
    course_cat = pd.Categorical(cells["course"])
    return pd.DataFrame(
        {
            "course": pd.Categorical.from_codes(
                course_cat.codes[cell_codes], course_cat.categories
            ),
            "module": pd.Categorical.from_codes(
                module_cat.codes[cell_codes], module_cat.categories
            ),
            "notebook": pd.Categorical.from_codes(
                notebook_cat.codes[cell_codes], notebook_cat.categories
            ),
            "item": pd.Categorical.from_codes(
                item_cat.codes[cell_codes], item_cat.categories
            ),
            "learner": pd.Categorical.from_codes(learner_codes, learner_cat.categories),
            "score": scores,
            "max_score": cells["max_score"].to_numpy()[cell_codes],
            "pending": pending.astype(bool),
        }
    )
