"""A simulated cohort: synthetic learners, their timetable and submissions.

Everything here is synthetic and seeded: the same seed gives the same files.
"""

from __future__ import annotations

from .roster import (
    COHORT_SIZE,
    DEFAULT_COHORT,
    DEFAULT_START,
    simulate_roster,
    write_roster,
)
from .schedule import apply_schedule, programme_schedule
from .simulate import CohortRun, resolve_dates, simulate_and_grade, simulate_cohort
from .submissions import (
    BROKEN_KINDS,
    LearnerProfile,
    learner_profiles,
    simulate_course_submissions,
)

__all__ = [
    "BROKEN_KINDS",
    "COHORT_SIZE",
    "CohortRun",
    "DEFAULT_COHORT",
    "DEFAULT_START",
    "LearnerProfile",
    "apply_schedule",
    "learner_profiles",
    "programme_schedule",
    "resolve_dates",
    "simulate_and_grade",
    "simulate_cohort",
    "simulate_course_submissions",
    "simulate_roster",
    "write_roster",
]
