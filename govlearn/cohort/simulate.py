"""Simulate a whole cohort as of a date, and grade it for real.

:func:`simulate_cohort` writes the roster, the timetable and every course's
``submitted/`` tree. :func:`simulate_and_grade` then imports the roster into
each course's gradebook and grades every submission with ``govlearn grade``
(nbgrader's engine): the report reads real grades, never invented ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._logging import logger
from .roster import COHORT_SIZE, DEFAULT_COHORT, DEFAULT_START, simulate_roster
from .roster import write_roster as _write_roster
from .schedule import apply_schedule, programme_schedule
from .submissions import simulate_course_submissions

__all__ = ["CohortRun", "resolve_dates", "simulate_and_grade", "simulate_cohort"]

#: days from the programme start to the default as-of date (mid-programme)
MID_PROGRAMME_DAYS = 49


def resolve_dates(as_of: str, start: str | None) -> tuple[str, str]:
    """``as_of`` and the programme ``start`` as ``YYYY-MM-DD`` strings.

    ``as_of`` may be ``"today"`` (UTC); then ``start`` defaults to seven weeks
    earlier, the middle of the programme, so that the sandbox calls made
    while simulating fall on the report's date. Otherwise ``start`` defaults
    to :data:`~.roster.DEFAULT_START`.
    """
    today = as_of.strip().lower() == "today"
    day = pd.Timestamp.now(tz="UTC").tz_localize(None) if today else pd.Timestamp(as_of)
    if start:
        begin = pd.Timestamp(start)
    elif today:
        begin = day.normalize() - pd.Timedelta(days=MID_PROGRAMME_DAYS)
    else:
        begin = pd.Timestamp(DEFAULT_START)
    return day.strftime("%Y-%m-%d"), begin.strftime("%Y-%m-%d")


@dataclass
class CohortRun:
    """What a simulation wrote (and, after grading, what grading reported)."""

    folder: Path
    roster: Path
    schedule: Path
    manifest: Path
    course_roots: dict[str, Path]
    submissions: pd.DataFrame
    as_of: str
    activity: str = ""
    grading: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def gradebooks(self) -> list[str]:
        """The gradebook of each course (``gradebook.db`` in its root)."""
        return [str(root / "gradebook.db") for root in self.course_roots.values()]

    def outcome_counts(self) -> pd.Series:
        """How many (learner, module) pairs ended each way."""
        return self.submissions["outcome"].value_counts().sort_index()


def simulate_cohort(
    folder: str | os.PathLike[str],
    *,
    as_of: str,
    seed: int = 2023,
    size: int = COHORT_SIZE,
    start: str | None = None,
    cohort: str = DEFAULT_COHORT,
    courses: Sequence[str] | None = None,
    course_roots: dict[str, str | os.PathLike[str]] | None = None,
    roster: str | os.PathLike[str] | None = None,
    max_loops: int = 1,
) -> CohortRun:
    """Write a synthetic cohort's roster, timetable and submissions.

    ``folder`` receives ``roster.csv``, ``schedule.csv``, ``submissions.csv``
    (one row per learner and module, with its outcome) and, unless
    ``course_roots`` names built course roots, ``courses/<id>/`` built with
    ``govlearn.courses.build_course``. Submissions go to each root's
    ``submitted/``; the timetable's due dates are written into each root's
    gradebook. ``roster`` reuses an existing roster CSV instead of simulating
    one. ``as_of`` may be ``"today"``; see :func:`resolve_dates` for the
    default ``start``. The same arguments give the same files.
    """
    as_of, start = resolve_dates(as_of, start)
    from ..courses import build_course, list_courses, load_course

    timings: dict[str, float] = {}
    out = Path(folder).resolve()
    out.mkdir(parents=True, exist_ok=True)
    chosen = list(courses or list_courses())
    started = time.perf_counter()
    roots: dict[str, Path] = {}
    for course in chosen:
        if course_roots and course in course_roots:
            roots[course] = Path(course_roots[course]).resolve()
        else:
            roots[course] = build_course(course, out / "courses" / course)
    timings["build"] = time.perf_counter() - started

    started = time.perf_counter()
    if roster is not None:
        people = pd.read_csv(roster, dtype=str, keep_default_na=False)
    else:
        people = simulate_roster(
            size, seed=seed, cohort=cohort, start=start, courses=chosen
        )
    roster_path = _write_roster(people, out / "roster.csv")
    modules = {c: [m.id for m in load_course(c).modules] for c in chosen}
    schedule = programme_schedule(modules, start)
    schedule_path = out / "schedule.csv"
    schedule.to_csv(schedule_path, index=False, lineterminator="\n")
    loops = [max_loops]
    frames = []
    for course, root in roots.items():
        apply_schedule(root / "gradebook.db", schedule, course)
        frames.append(
            simulate_course_submissions(
                root, course, people, schedule, as_of, seed=seed, loops_left=loops
            )
        )
    submissions = pd.concat(frames, ignore_index=True)
    manifest = out / "submissions.csv"
    submissions.to_csv(manifest, index=False, lineterminator="\n")
    timings["simulate"] = time.perf_counter() - started
    logger.info("Simulated %d learners into %s", len(people), out)
    return CohortRun(
        folder=out,
        roster=roster_path,
        schedule=schedule_path,
        manifest=manifest,
        course_roots=roots,
        submissions=submissions,
        as_of=as_of,
        seconds=timings,
    )


def simulate_and_grade(
    folder: str | os.PathLike[str],
    *,
    as_of: str,
    seed: int = 2023,
    practice: bool = True,
    workers: int | None = None,
    progress: bool = True,
    **options: Any,
) -> CohortRun:
    """Simulate a cohort (see :func:`simulate_cohort`), then grade it for real.

    Imports the roster into every course's gradebook, lets each learner
    practise in a sandbox of their own (``practice``; its database,
    ``sandbox.db`` in ``folder``, is the report's activity source), and runs
    ``govlearn.grading.autograde`` on every course root.
    """
    from ..grading.engine import autograde
    from ..grading.roster import import_roster

    as_of, start = resolve_dates(as_of, options.pop("start", None))
    run = simulate_cohort(folder, as_of=as_of, seed=seed, start=start, **options)
    if practice:
        from .practice import PracticeSandbox, practise

        started = time.perf_counter()
        database = run.folder / "sandbox.db"
        sandbox = PracticeSandbox.start(f"sqlite:///{database}")
        try:
            people = pd.read_csv(run.roster, dtype=str, keep_default_na=False)
            practise(sandbox, people, run.submissions, seed=seed)
        finally:
            sandbox.stop()
        run.activity = f"sqlite:///{database}"
        run.seconds["practice"] = time.perf_counter() - started
    started = time.perf_counter()
    for course, root in run.course_roots.items():
        imported = import_roster(root, run.roster)
        if imported.problems:
            raise ValueError(
                f"Attempted to import the simulated roster into {course}, but "
                f"{len(imported.problems)} rows were refused: "
                + "; ".join(str(p) for p in imported.problems[:3])
            )
        report = autograde(root, workers=workers, progress=progress)
        run.grading[course] = report
    run.seconds["grade"] = time.perf_counter() - started
    return run
