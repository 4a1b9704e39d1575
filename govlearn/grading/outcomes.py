"""What can go wrong with a submission, in words an instructor can act on.

Every submission ends with an outcome: ``graded`` (perhaps with notes, such
as a restored cell) or ``broken`` (part or all of it earned zero because it
could not be run). :data:`PROBLEMS` describes each problem kind; the grading
summary and ``docs/grading.md`` use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BROKEN", "PROBLEMS", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing noticed while grading one notebook of a submission."""

    kind: str
    notebook: str
    detail: str

    @property
    def broken(self) -> bool:
        """Whether this problem cost the learner marks they might have earned."""
        return self.kind in BROKEN

    def describe(self) -> str:
        return f"{self.notebook}: {PROBLEMS.get(self.kind, self.kind)} {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "notebook": self.notebook, "detail": self.detail}


#: kind -> what it means, as a sentence start.
PROBLEMS = {
    "cell_timeout": "a cell ran past the per-cell time limit and was interrupted.",
    "notebook_time_cap": "the notebook ran past its time cap; its kernel was "
    "stopped and the cells not yet run scored zero.",
    "kernel_died": "the kernel stopped while running; the cells not yet run "
    "scored zero.",
    "memory_limit": "the code ran out of memory under the kernel's limit.",
    "output_flood": "a cell printed more than the output limit; the rest of its "
    "output was dropped.",
    "locked_cell_edited": "a read-only cell was edited; it was put back as released.",
    "grade_cell_deleted": "a graded cell was missing; it was put back and run.",
    "duplicate_cell_ids": "cells were copied with their grading ids; only the "
    "first copy counts.",
    "kernel_name_changed": "the notebook asked for another kernel; the course's "
    "kernel was used.",
    "missing_notebook": "the notebook was not submitted; it scored zero.",
    "extra_notebook": "a notebook the assignment does not have was ignored.",
    "invalid_notebook": "the notebook could not be read; it scored zero.",
    "blocked_file_access": "the code tried to read grading files or write outside "
    "its folder, and was stopped.",
    "internal_error": "grading failed for a reason on the grader's side; "
    "nothing was recorded.",
}

#: Problems that cost marks or left the submission unrecorded.
BROKEN = frozenset(
    {
        "notebook_time_cap",
        "kernel_died",
        "missing_notebook",
        "invalid_notebook",
        "internal_error",
    }
)
