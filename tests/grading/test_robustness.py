"""Every kind of broken submission gets an outcome; the rest of the cohort is graded.

One grading run over the tiny assignment, one learner per case, so the
whole matrix costs one run.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from govlearn.grading import autograde
from govlearn.grading.policy import ExecutionLimits, GradingPolicy, LatePolicy

from .conftest import answered, released, submit

pytestmark = pytest.mark.slow

RIGHT = "def double(x):\n    return 2 * x"
TIGHT = GradingPolicy(
    ExecutionLimits(
        workers=2,
        cell_timeout=3,
        notebook_timeout=8,
        startup_timeout=60,
        memory_limit_mb=1024,
        output_limit_kb=64,
    ),
    LatePolicy(),
)


def _with_extra_cells(
    nb: nbformat.NotebookNode, *sources: str
) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for source in sources:
        nb.cells.insert(2, new_code_cell(source))
    return nb


def _cases(root: Path, escape: Path) -> dict[str, object]:
    right = answered(root, "02-tiny", double=RIGHT)
    deleted = copy.deepcopy(right)
    deleted.cells = [
        c
        for c in deleted.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") != "test_double"
    ]
    duplicated = copy.deepcopy(right)
    test_cell = next(
        c
        for c in duplicated.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_double"
    )
    duplicated.cells.append(copy.deepcopy(test_cell))
    edited = copy.deepcopy(
        answered(root, "02-tiny", double="def double(x):\n    return 0")
    )
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_double":
            cell.source = "assert True"
    kernel = copy.deepcopy(right)
    kernel.metadata["kernelspec"] = {
        "name": "python2",
        "display_name": "Py 2",
        "language": "python",
    }
    hidden = root / "source" / "02-tiny" / "02-tiny.ipynb"
    return {
        "good": right,
        "loop": answered(root, "02-tiny", double="while True:\n    pass"),
        "slow": _with_extra_cells(right, *["import time\ntime.sleep(2.5)"] * 5),
        "crash": answered(root, "02-tiny", double="import os\nos._exit(3)"),
        "memory": answered(
            root, "02-tiny", double="hog = bytearray(4 * 1024 ** 3)\n" + RIGHT
        ),
        "flood": answered(root, "02-tiny", double="print('x' * 2_000_000)\n" + RIGHT),
        "deleted": deleted,
        "duplicated": duplicated,
        "edited": edited,
        "invalid": '{"cells": [ this is not json',
        "kernel": kernel,
        "peek": answered(
            root, "02-tiny", double=f"secret = open({str(hidden)!r}).read()\n" + RIGHT
        ),
        "escape": answered(
            root, "02-tiny", double=f"open({str(escape)!r}, 'w').write('x')\n" + RIGHT
        ),
        "blank": released(root, "02-tiny"),
    }


def test_every_broken_submission_gets_a_readable_outcome(
    course_root: Path, tmp_path: Path
) -> None:
    escape = tmp_path / f"escaped-{uuid.uuid4().hex}.txt"
    for student, notebook in _cases(course_root, escape).items():
        submit(course_root, student, "02-tiny", notebook)
    submit(
        course_root,
        "missing",
        "02-tiny",
        released(course_root, "02-tiny"),
        name="other",
    )

    report = autograde(
        course_root,
        assignments=["02-tiny"],
        policy=TIGHT,
        sandbox=False,
        progress=False,
    )

    by_student = {o.student: o for o in report.outcomes}
    kinds = {s: {p.kind for p in o.problems} for s, o in by_student.items()}
    scores = {s: o.score for s, o in by_student.items()}
    assert len(by_student) == 15
    assert kinds["good"] == set() and scores["good"] == 1.0
    assert kinds["blank"] == set() and scores["blank"] == 0.0
    assert "cell_timeout" in kinds["loop"] and scores["loop"] == 0.0
    assert "notebook_time_cap" in kinds["slow"] and scores["slow"] == 0.0
    assert by_student["slow"].status == "broken"
    assert "kernel_died" in kinds["crash"] and scores["crash"] == 0.0
    assert "memory_limit" in kinds["memory"] and scores["memory"] == 0.0
    assert "output_flood" in kinds["flood"] and scores["flood"] == 1.0
    assert "grade_cell_deleted" in kinds["deleted"] and scores["deleted"] == 1.0
    assert "duplicate_cell_ids" in kinds["duplicated"] and scores["duplicated"] == 1.0
    assert "locked_cell_edited" in kinds["edited"] and scores["edited"] == 0.0
    assert "invalid_notebook" in kinds["invalid"] and scores["invalid"] == 0.0
    assert "kernel_name_changed" in kinds["kernel"] and scores["kernel"] == 1.0
    assert "blocked_file_access" in kinds["peek"] and scores["peek"] == 0.0
    assert "blocked_file_access" in kinds["escape"] and not escape.exists()
    assert {"missing_notebook", "extra_notebook"} <= kinds["missing"]
    summary = report.summary()
    for student, found in kinds.items():
        if found:
            assert f"- {student} / 02-tiny" in summary
