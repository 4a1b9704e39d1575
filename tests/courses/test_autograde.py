"""Sample submissions autograde with real ``nbgrader autograde`` to the expected scores.

For each module, a wrong, a partly right and a right submission are made from
the source notebook's own solution regions (``govlearn.courses.samples``), plus
a second copy of the right one. They are graded against a hosted sandbox, as a
cohort would be, by two ``nbgrader autograde`` processes side by side (one
learner key each). The second right copy is graded after the first on the same
workspace, so a notebook that is not idempotent scores differently.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from govlearn.courses import load_course, sample_submissions
from govlearn.courses.build import course_id_of

from .conftest import COURSES, learner_env, run_tool

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]

AGAIN = "sample-right-again"
#: Two processes: each its own learner workspace; the right answers graded
#: twice in a row on one workspace.
BATCHES = ("sample-[pw]*", "sample-right*")


def _write_samples(root: Path, course_id: str) -> dict[tuple[str, str], float]:
    course = load_course(course_id)
    expected: dict[tuple[str, str], float] = {}
    for module in course.modules:
        release = root / "release" / module.id / f"{module.id}.ipynb"
        for sample in sample_submissions(course, module.id, release):
            students = [sample.student_id]
            if sample.kind == "right":
                students.append(AGAIN)
            for student in students:
                folder = root / "submitted" / student / module.id
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(sample.notebook, str(folder / f"{module.id}.ipynb"))
                expected[(student, module.id)] = sample.expected_score
    return expected


def _results(root: Path, expected) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    scores, short = {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id_of(root)) as book:
        for student, module_id in expected:
            notebook = book.find_submission_notebook(module_id, module_id, student)
            scores[(student, module_id)] = float(notebook.score)
            short[(student, module_id)] = [
                f"{grade.name} {grade.score:g}/{grade.max_score:g}"
                for grade in notebook.grades
                if grade.auto_score is not None and grade.score < grade.max_score
            ]
    return scores, short


@pytest.mark.parametrize("course_id", COURSES)
def test_samples_autograde_to_expected_scores(
    course_id: str, built_courses, hosted_sandbox, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    root = built_courses(course_id)
    expected = _write_samples(root, course_id)
    for (student, module_id), score in expected.items():
        if student == "sample-wrong":
            assert score == 0
        if student == "sample-partial":
            assert 0 < score < expected[("sample-right", module_id)], module_id

    def grade(batch: str):  # type: ignore[no-untyped-def]
        env = learner_env(hosted_sandbox, tmp_path / batch.strip("*[]"))
        command = [sys.executable, "-m", "nbgrader", "autograde", "*"]
        return run_tool(command + ["--student", batch, "--force"], root, env)

    with ThreadPoolExecutor(max_workers=len(BATCHES)) as pool:
        runs = list(pool.map(grade, BATCHES))
    for run in runs:
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    scores, short = _results(root, expected)
    wrong = {
        f"{student} {module_id}": f"scored {scores[(student, module_id)]:g}, "
        f"expected {score:g}; short: {short[(student, module_id)]}"
        for (student, module_id), score in expected.items()
        if scores[(student, module_id)] != score
    }
    assert not wrong, wrong
