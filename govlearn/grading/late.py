"""The late-submission plugin nbgrader calls, so the gradebook holds the penalty.

Configured by :func:`govlearn.grading.policy.nbgrader_config` as
``AssignLatePenalties.plugin_class``; plain ``nbgrader autograde`` with the
same configuration applies the same penalty.
"""

from __future__ import annotations

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

from .policy import LatePolicy

__all__ = ["DailyLatePenalty"]


class DailyLatePenalty(LateSubmissionPlugin):
    """A fraction of the score per started day late, after a grace period, capped."""

    grace_minutes = Float(15.0, help="Minutes after the due date still on time.").tag(
        config=True
    )
    penalty_per_day = Float(
        0.10, help="Fraction of the score taken per started day late."
    ).tag(config=True)
    max_penalty = Float(0.50, help="Largest fraction of the score taken.").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        """The points taken from ``score`` for a submission this late."""
        policy = LatePolicy(self.grace_minutes, self.penalty_per_day, self.max_penalty)
        fraction = policy.fraction(total_seconds_late)
        if fraction <= 0:
            return None
        return round(score * fraction, 6)
