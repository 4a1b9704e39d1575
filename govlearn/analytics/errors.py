"""The errors the analytics data layer raises.

Each message says what was attempted, what went wrong and what to try::

    GovLearnError
    └── AnalyticsError            the data for a report is missing or inconsistent
        ├── GradebookNotFound     no gradebook at the given URL or path
        ├── EmptyGradebook        a gradebook with no assignments in it
        ├── EmptyCohort           a roster (or the chosen cohort) with no learners
        ├── RosterError           a roster file that cannot be read
        └── RosterMismatch        gradebook learners that the roster does not know
"""

from __future__ import annotations

from .._errors import GovLearnError

__all__ = [
    "AnalyticsError",
    "EmptyCohort",
    "EmptyGradebook",
    "GradebookNotFound",
    "RosterError",
    "RosterMismatch",
]


class AnalyticsError(GovLearnError):
    """The data behind a progress report is missing or inconsistent."""


class GradebookNotFound(AnalyticsError):
    """No nbgrader gradebook exists at the given URL or path."""


class EmptyGradebook(AnalyticsError):
    """The gradebook exists but holds no assignments (or no nbgrader tables)."""


class EmptyCohort(AnalyticsError):
    """The roster, or the cohort chosen from it, has no learners."""


class RosterError(AnalyticsError):
    """The roster file is missing or lacks a column the report needs."""


class RosterMismatch(AnalyticsError):
    """The gradebook holds learners that the roster does not list.

    ``unknown`` holds their ids, sorted.
    """

    def __init__(self, message: str, unknown: list[str] | None = None) -> None:
        super().__init__(message)
        self.unknown = list(unknown or [])

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (str(self), self.unknown))
