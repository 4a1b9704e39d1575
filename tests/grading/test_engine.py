"""The engine: same scores as nbgrader, resumable, as the learner, on every backend."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from govlearn.grading import autograde
from govlearn.grading.policy import (
    ExecutionLimits,
    GradingPolicy,
    LatePolicy,
    nbgrader_cli_args,
)

from .conftest import answered, released, solution_of, submit

POLICY = GradingPolicy(
    ExecutionLimits(workers=2, cell_timeout=20, notebook_timeout=120),
    LatePolicy(grace_minutes=15, penalty_per_day=0.1, max_penalty=0.5),
)
DUE = "2026-03-01 12:00:00 UTC"


def _grades(db_url: str, course_id: str) -> dict[tuple[str, str, str], tuple]:
    """(student, notebook, grade id) -> (auto score, late penalty of the notebook)."""
    table = {}
    with Gradebook(db_url, course_id) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (submission.student.id, notebook.name, grade.name)
                        table[key] = (
                            grade.auto_score,
                            notebook.late_submission_penalty,
                        )
    return table


def _set_due_date(root: Path, assignment: str) -> None:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", root.name) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=DUE)


def _mixed_batch(root: Path) -> None:
    right = solution_of(root, "01-basics")
    submit(root, "right", "01-basics", answered(root, "01-basics", **right))
    submit(root, "blank", "01-basics", released(root, "01-basics"))
    partly = dict(
        right, squares="def squares(n):\n    return [i * i for i in range(1, n + 1)]"
    )
    submit(root, "partly", "01-basics", answered(root, "01-basics", **partly))
    fee = dict(
        right, total_fee="def total_fee(items):\n    return sum(items) if items else 1"
    )
    submit(root, "fee", "01-basics", answered(root, "01-basics", **fee))
    liar = dict(
        right, whoami=right["whoami"].replace("me = client", 'me = "x" or client')
    )
    submit(root, "liar", "01-basics", answered(root, "01-basics", **liar))
    submit(
        root,
        "late",
        "01-basics",
        answered(root, "01-basics", **right),
        timestamp="2026-03-03 13:00:00 UTC",
    )


@pytest.mark.slow
def test_scores_and_late_penalties_equal_nbgrader_autograde(
    course_root: Path, tmp_path: Path
) -> None:
    _set_due_date(course_root, "01-basics")
    _mixed_batch(course_root)
    baseline = tmp_path / "baseline" / course_root.name
    shutil.copytree(course_root, baseline)

    report = autograde(course_root, policy=POLICY, progress=False)

    env = dict(
        os.environ,
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        GOVLEARN_HOME=str(tmp_path / "home"),
    )
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "autograde", "01-basics", "--force"]
        + nbgrader_cli_args(POLICY),
        cwd=baseline,
        env=env,
        check=True,
        capture_output=True,
    )
    ours = _grades(f"sqlite:///{course_root / 'gradebook.db'}", course_root.name)
    theirs = _grades(f"sqlite:///{baseline / 'gradebook.db'}", baseline.name)
    assert ours == theirs
    scores = {o.student: o.score for o in report.outcomes}
    assert scores["right"] == 6.0 and scores["blank"] == 0.0
    assert scores["partly"] == 5.0 and scores["liar"] == 5.0
    assert scores["fee"] == pytest.approx(6.0 - 2 / 3)
    assert ours[("late", "01-basics", "test_squares")][1] == pytest.approx(6.0 * 0.3)
    assert scores["late"] == pytest.approx(6.0 * 0.7)


def test_each_submission_runs_as_its_learner_in_a_fresh_workspace(
    course_root: Path,
) -> None:
    right = solution_of(course_root, "01-basics")
    shout = dict(right, whoami=right["whoami"] + "\nprint(me)")
    for student in ("amina", "bo"):
        submit(
            course_root,
            student,
            "01-basics",
            answered(course_root, "01-basics", **shout),
        )

    report = autograde(course_root, policy=POLICY, progress=False)

    assert {o.student: o.score for o in report.outcomes} == {"amina": 6.0, "bo": 6.0}
    for student in ("amina", "bo"):
        path = course_root / "autograded" / student / "01-basics" / "01-basics.ipynb"
        nb = nbformat.read(path, 4)
        printed = [
            o.text.strip()
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if o.output_type == "stream"
        ]
        assert f"{student}.01-basics" in printed


def test_unchanged_submissions_are_skipped_until_they_change_or_force(
    course_root: Path,
) -> None:
    tiny = {"double": "def double(x):\n    return 2 * x"}
    for student in ("a", "b"):
        submit(
            course_root, student, "02-tiny", answered(course_root, "02-tiny", **tiny)
        )
    first = autograde(course_root, policy=POLICY, sandbox=False, progress=False)
    assert first.count("graded") == 2

    submit(course_root, "b", "02-tiny", released(course_root, "02-tiny"))
    second = autograde(course_root, policy=POLICY, sandbox=False, progress=False)
    assert {o.student: o.status for o in second.outcomes} == {
        "a": "skipped",
        "b": "graded",
    }
    assert {o.student: o.score for o in second.outcomes}["b"] == 0.0

    forced = autograde(
        course_root, policy=POLICY, sandbox=False, force=True, progress=False
    )
    assert forced.count("graded") == 2


@pytest.mark.slow
def test_a_dask_cluster_grades_by_the_same_code_path(course_root: Path) -> None:
    from distributed import Client, LocalCluster

    tiny = {"double": "def double(x):\n    return 2 * x"}
    submit(course_root, "a", "02-tiny", answered(course_root, "02-tiny", **tiny))
    submit(course_root, "b", "02-tiny", released(course_root, "02-tiny"))
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        report = autograde(
            course_root, policy=POLICY, sandbox=False, scheduler=client, progress=False
        )
    assert {o.student: o.score for o in report.outcomes} == {"a": 1.0, "b": 0.0}
    assert all(o.status == "graded" for o in report.outcomes)


@pytest.mark.postgres
def test_gradebook_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from govlearn.grading.course import prepare_course_root
    from govlearn.sandbox.db import normalise_url

    from .conftest import COURSE

    url = normalise_url(postgres_url)
    root = prepare_course_root(COURSE, tmp_path / "grading-basics", db_url=url)
    tiny = {"double": "def double(x):\n    return 2 * x"}
    submit(root, "a", "02-tiny", answered(root, "02-tiny", **tiny))
    submit(root, "b", "02-tiny", "not a notebook")

    report = autograde(root, policy=POLICY, sandbox=False, db_url=url, progress=False)

    assert {o.student: o.score for o in report.outcomes} == {"a": 1.0, "b": 0.0}
    grades = _grades(url, root.name)
    assert grades[("a", "02-tiny", "test_double")][0] == 1.0
    assert grades[("b", "02-tiny", "test_double")][0] == 0.0


def test_a_failed_recording_leaves_nothing_half_written(course_root: Path) -> None:
    from nbgrader.api import MissingEntry

    from govlearn.grading.store import transaction

    url = f"sqlite:///{course_root / 'gradebook.db'}"
    with Gradebook(url, course_root.name) as gradebook:
        with pytest.raises(RuntimeError, match="worker lost"):
            with transaction(gradebook):
                gradebook.update_or_create_student("half")
                gradebook.update_or_create_submission("02-tiny", "half")
                raise RuntimeError("worker lost")
    with Gradebook(url, course_root.name) as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_student("half")
