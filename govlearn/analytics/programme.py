"""Everything a progress report reads, gathered and checked in one object.

:func:`load_programme` reads the gradebooks, the roster and (optionally) the
sandbox activity, keeps what happened on or before the as-of date, and checks
that roster and gradebooks agree. Every metric in :mod:`.metrics` takes the
resulting :class:`Programme`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .activity import empty_activity
from .errors import RosterMismatch
from .gradebook import Gradebooks, load_gradebooks
from .roster import enrolments, load_roster

__all__ = ["CoursePolicy", "Programme", "course_policies", "load_programme"]


@dataclass(frozen=True)
class CoursePolicy:
    """How a course decides who passed and who earns its certificate.

    Fractions are of the points (0.6 = 60 %). A module is *passed* when its
    score reaches ``pass_mark`` of its points; the course is *passed* when the
    points over all its modules reach ``pass_mark`` of the course's points.
    The *certificate* needs (like ``course.toml``'s ``[certificate]``) every
    module submitted when ``every_module_submitted``, each submitted module at
    ``min_module_fraction`` of its points or more, and ``min_total_fraction``
    of the course's points.
    """

    title: str = ""
    pass_mark: float = 0.6
    min_total_fraction: float = 0.6
    every_module_submitted: bool = True
    min_module_fraction: float = 0.0


def course_policies(courses: Iterable[str]) -> dict[str, CoursePolicy]:
    """Read each course's pass mark and certificate rule from ``course.toml``.

    Uses ``govlearn.courses.load_course`` when the course is known there and
    the defaults of :class:`CoursePolicy` otherwise.
    """
    return {course: _policy_from_course(course) for course in courses}


def _policy_from_course(course: str) -> CoursePolicy:
    try:
        from govlearn.courses import load_course
    except ImportError:
        return CoursePolicy(title=course)
    try:
        definition: Any = load_course(course)
    except Exception:  # not one of the packaged courses: keep the defaults
        return CoursePolicy(title=course)
    rule = definition.certificate
    return CoursePolicy(
        title=str(definition.title or course),
        pass_mark=float(definition.pass_mark),
        min_total_fraction=float(rule.min_total_fraction),
        every_module_submitted=bool(rule.every_module_submitted),
        min_module_fraction=float(rule.min_module_fraction),
    )


@dataclass(frozen=True)
class Programme:
    """Gradebooks, roster and sandbox activity of one cohort, as of a date.

    ``grades``
        the gradebook tables (see :class:`~.gradebook.Gradebooks`), keeping
        only submissions made on or before ``as_of`` by the cohort's
        learners.
    ``roster``
        the cohort's learners (see :func:`~.roster.load_roster`) enrolled on
        or before ``as_of``.
    ``enrolments``
        one row per (``course``, ``learner``, ``enrolled_on``).
    ``activity``
        sandbox calls on or before ``as_of`` (see :mod:`.activity`).
    ``as_of``
        the report date (UTC, end of that day).
    ``policies``
        the :class:`CoursePolicy` of each course.
    """

    grades: Gradebooks
    roster: pd.DataFrame
    enrolments: pd.DataFrame
    activity: pd.DataFrame
    as_of: pd.Timestamp
    policies: dict[str, CoursePolicy] = field(default_factory=dict)
    cohort: str | None = None

    @property
    def courses(self) -> list[str]:
        """The course ids in report order."""
        return self.grades.courses

    def policy(self, course: str) -> CoursePolicy:
        """The pass mark and certificate rule of ``course``."""
        return self.policies.get(course, CoursePolicy(title=course))

    def title(self, course: str) -> str:
        """The course's title (its id when the definition is not available)."""
        return self.policy(course).title or course


def _as_of(value: str | pd.Timestamp | None, grades: Gradebooks | None) -> pd.Timestamp:
    if value is None or value == "":
        assert grades is not None
        latest = grades.submissions["submitted_at"].max()
        if pd.isna(latest):
            return pd.Timestamp.now(tz="UTC").normalize() + pd.Timedelta(days=1)
        return latest.normalize() + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    stamp = pd.Timestamp(value)
    stamp = (
        stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    )
    if stamp == stamp.normalize():
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    return stamp


def load_programme(
    gradebooks: Mapping[str, str | os.PathLike[str]]
    | Iterable[str | os.PathLike[str]]
    | Gradebooks,
    roster: str | os.PathLike[str] | pd.DataFrame,
    *,
    cohort: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    activity: pd.DataFrame | None = None,
    policies: Mapping[str, CoursePolicy] | None = None,
) -> Programme:
    """Read and check everything a report needs.

    ``as_of`` is a date or timestamp (a bare date means the end of that day,
    UTC); by default the day of the latest submission. Raises
    :class:`~.errors.RosterMismatch` when the gradebooks hold learners that
    the full roster does not list.
    """
    given = None if as_of in (None, "") else _as_of(as_of, None)
    grades = (
        gradebooks
        if isinstance(gradebooks, Gradebooks)
        else load_gradebooks(gradebooks, as_of=given)
    )
    full_roster = load_roster(roster)
    _check_agreement(grades, full_roster)
    chosen = load_roster(full_roster, cohort) if cohort else full_roster
    stamp = given if given is not None else _as_of(None, grades)

    enrolled = chosen["enrolled_on"].isna() | (chosen["enrolled_on"] <= stamp)
    chosen = chosen[enrolled].reset_index(drop=True)
    members = set(chosen["learner_id"])
    subs = grades.submissions
    subs = subs[subs["learner"].isin(members) & (subs["submitted_at"] <= stamp)]
    # categories make the many per-course and per-module selections cheap
    subs = subs.astype({"course": "category", "module": "category"})
    learners = grades.learners[grades.learners["learner"].isin(members)]
    filtered = replace(
        grades,
        submissions=subs.reset_index(drop=True),
        learners=learners.reset_index(drop=True),
    )
    if activity is None:
        activity = empty_activity()
    activity = activity[
        activity["learner"].isin(members) & (activity["at"] <= stamp)
    ].reset_index(drop=True)
    known = dict(policies or {})
    for course, policy in course_policies(
        c for c in grades.courses if c not in known
    ).items():
        known[course] = policy
    return Programme(
        grades=filtered,
        roster=chosen,
        enrolments=enrolments(chosen, grades.courses),
        activity=activity,
        as_of=stamp,
        policies=known,
        cohort=cohort,
    )


def _check_agreement(grades: Gradebooks, roster: pd.DataFrame) -> None:
    listed = set(roster["learner_id"])
    seen = set(grades.submissions["learner"]) | set(grades.learners["learner"])
    unknown = sorted(seen - listed)
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise RosterMismatch(
            f"Attempted to match the gradebooks to the roster, but "
            f"{len(unknown)} learner(s) in the gradebooks are not on the roster "
            f"({shown}). Use the roster the cohort was graded with, or add "
            "these learners to it.",
            unknown,
        )
