"""Cohort grading on nbgrader: parallel, resumable, robust, sandbox-aware.

The instructor's workflow, each step also a ``govlearn grade`` command:

* :func:`import_roster` and :func:`issue_keys` - the cohort into the
  gradebook, and a sandbox key per learner;
* :func:`release`, :func:`collect`, :func:`collect_folder`,
  :func:`collect_zip` - assignments out, submissions in;
* :func:`autograde` - nbgrader's autograde, in parallel (local processes or
  a Dask cluster), each submission as its learner in a fresh sandbox
  workspace; returns a :class:`GradeReport`;
* :func:`generate_feedback` - HTML feedback without hidden tests;
* :func:`export_grades` - nbgrader CSV, per question, results, Moodle, Canvas.

Policy (timeouts, memory, late penalties) comes from ``grading/policy.toml``
through :func:`load_policy`.
"""

from __future__ import annotations

from .engine import GradeReport, SubmissionOutcome, autograde
from .exchange import collect, collect_folder, collect_zip, release
from .exports import EXPORT_FORMATS, export_grades, learner_results
from .feedback import generate_feedback
from .identity import GradingSandbox
from .outcomes import PROBLEMS, Problem
from .policy import GradingPolicy, PolicyError, load_policy
from .roster import import_roster, issue_keys, read_roster

__all__ = [
    "EXPORT_FORMATS",
    "PROBLEMS",
    "GradeReport",
    "GradingPolicy",
    "GradingSandbox",
    "PolicyError",
    "Problem",
    "SubmissionOutcome",
    "autograde",
    "collect",
    "collect_folder",
    "collect_zip",
    "export_grades",
    "generate_feedback",
    "import_roster",
    "issue_keys",
    "learner_results",
    "load_policy",
    "read_roster",
    "release",
]
