"""The one-pass submissions query gives nbgrader's own scores, on both databases.

The gradebook here has what the benchmark's synthetic ones lack: an
assignment with two notebooks (its scores and late penalties add up), cell
names repeated across assignments, extra credit, a task cell, an answer
waiting for a grader, a submission that has not been graded at all and
extensions (nbgrader keeps them as durations: an interval on PostgreSQL, a
moment after 1970-01-01 on SQLite).
nbgrader's ORM (``SubmittedAssignment.score``, ``Grade.score``, ...) is the
reference the tidy tables are checked against.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from govlearn import analytics as an

# module -> notebook -> [(cell, points, cell type, grade or task cell)]
LAYOUT = {
    "a1": {
        "n1": [("q1", 2.0, "code", "grade"), ("q2", 3.0, "code", "grade")],
        "n2": [("r1", 4.0, "markdown", "grade"), ("t1", 2.0, "markdown", "task")],
    },
    "a2": {"n1": [("q1", 1.0, "code", "grade")]},
}
# (module, learner) -> (submitted at, {cell: (auto, manual, extra credit, pending)},
#                       late penalty per notebook)
SUBMISSIONS = {
    ("a1", "s1"): (
        datetime(2026, 3, 9, 12),
        {
            "q1": (2.0, None, None, False),
            "q2": (1.5, None, 0.5, False),
            "r1": (None, 3.0, None, False),
            "t1": (None, 2.0, None, False),
        },
        {},
    ),
    ("a1", "s2"): (
        datetime(2026, 3, 12, 8),
        {
            "q1": (0.0, None, None, False),
            "q2": (3.0, None, None, False),
            "r1": (None, None, None, True),
            "t1": (None, 1.0, 1.0, False),
        },
        {"n1": 0.5, "n2": 4.0},
    ),
    ("a2", "s1"): (datetime(2026, 3, 19, 9), {"q1": (1.0, None, None, False)}, {}),
    ("a2", "s3"): (datetime(2026, 3, 18, 9), None, {}),  # not graded yet
    ("a2", "s4"): (datetime(2026, 3, 22, 9), {"q1": (1.0, None, None, False)}, {}),
}
# (module, learner) -> extension: s2 is still 8 hours late, s4 is on time
EXTENSIONS = {("a1", "s2"): timedelta(days=1), ("a2", "s4"): timedelta(days=3)}


def _orm_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _write(url: str) -> None:
    with Gradebook(_orm_url(url), course_id="c202") as gb:
        gb.add_assignment("a1", duedate=datetime(2026, 3, 10, 23, 59))
        gb.add_assignment("a2", duedate=datetime(2026, 3, 20, 23, 59))
        for module, notebooks in LAYOUT.items():
            for notebook, cells in notebooks.items():
                gb.add_notebook(notebook, module)
                for name, points, cell_type, kind in cells:
                    add = gb.add_grade_cell if kind == "grade" else gb.add_task_cell
                    add(name, notebook, module, max_score=points, cell_type=cell_type)
                    if kind == "grade":
                        gb.add_solution_cell(name + "_answer", notebook, module)
        for learner in ("s1", "s2", "s3", "s4"):
            gb.add_student(learner, first_name=learner, last_name="Test")
        for (module, learner), (when, grades, penalties) in SUBMISSIONS.items():
            gb.add_submission(
                module,
                learner,
                timestamp=when,
                extension=EXTENSIONS.get((module, learner)),
            )
            for notebook, cells in LAYOUT[module].items():
                submitted = gb.find_submission_notebook(notebook, module, learner)
                submitted.late_submission_penalty = penalties.get(notebook)
                for name, *_ in cells:
                    grade = gb.find_grade(name, notebook, module, learner)
                    if grades is None:
                        gb.db.delete(grade)
                        continue
                    auto, manual, extra, pending = grades[name]
                    grade.auto_score = auto
                    grade.manual_score = manual
                    grade.extra_credit = extra
                    grade.needs_manual_grade = pending
            gb.db.commit()


def _nbgrader_view(url: str) -> dict[tuple[str, str], dict[str, object]]:
    """What nbgrader itself says about every submission (and its id)."""
    found = {}
    with Gradebook(_orm_url(url), course_id="c202") as gb:
        for module in LAYOUT:
            for submission in gb.assignment_submissions(module):
                answers = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        waiting = (
                            grade.needs_manual_grade and grade.manual_score is None
                        )
                        answers[(notebook.name, grade.name)] = (
                            math.nan if waiting else float(grade.score)
                        )
                found[(module, submission.student.id)] = {
                    "raw": float(submission.score),
                    "penalty": float(submission.late_submission_penalty),
                    "answers": answers,
                    "n_grades": sum(len(n.grades) for n in submission.notebooks),
                    "seconds_late": float(submission.total_seconds_late),
                    "id": submission.id,
                }
    return found


def test_submissions_match_nbgrader(database_url: str) -> None:
    _write(database_url)
    expected = _nbgrader_view(database_url)
    grades = an.load_gradebook(database_url)

    items = grades.items.set_index(["module", "notebook", "item"])["slot"]
    # slots follow notebook then cell name within each module
    assert items.to_dict() == {
        ("a1", "n1", "q1"): 0,
        ("a1", "n1", "q2"): 1,
        ("a1", "n2", "r1"): 2,
        ("a1", "n2", "t1"): 3,
        ("a2", "n1", "q1"): 0,
    }
    subs = grades.submissions.set_index(["module", "learner"])
    assert sorted(subs.index) == sorted(expected)
    for key, truth in expected.items():
        row = subs.loc[key]
        assert row["raw_score"] == pytest.approx(truth["raw"]), key
        assert row["penalty"] == pytest.approx(truth["penalty"]), key
        assert row["score"] == pytest.approx(max(truth["raw"] - truth["penalty"], 0))
        assert row["graded"] == (truth["n_grades"] > 0), key
        assert row["seconds_late"] == pytest.approx(truth["seconds_late"]), key
        waiting = any(math.isnan(v) for v in truth["answers"].values())
        assert row["needs_manual"] == waiting, key
        for (notebook, item), value in truth["answers"].items():
            column = f"answer_{items[(key[0], notebook, item)]}"
            if math.isnan(value):
                assert math.isnan(row[column]), (key, item)
            else:
                assert row[column] == pytest.approx(value), (key, item)
    # the ungraded submission has no answers at all; a2 has one question
    assert subs.loc[("a2", "s3"), ["answer_0", "answer_1"]].isna().all()
    assert subs.loc[("a2", "s1"), ["answer_1", "answer_2", "answer_3"]].isna().all()
    # s2's late penalties (0.5 + 4.0) take most of the 5 points
    assert subs.loc[("a1", "s2"), "raw_score"] == pytest.approx(5.0)
    assert subs.loc[("a1", "s2"), "score"] == pytest.approx(0.5)
    assert subs.loc[("a1", "s2"), "late"]
    assert not subs.loc[("a1", "s1"), "late"]
    # extensions move the due date: s2's day still leaves 8 h 1 min of lateness,
    # s4's three days cover a submission two days after the module's due date
    assert subs.loc[("a1", "s2"), "seconds_late"] == pytest.approx(8 * 3600 + 60)
    assert not subs.loc[("a2", "s4"), "late"]
    # rows come back in the order of the submission ids, on every database
    order = [expected[key]["id"] for key in subs.index]
    assert order == sorted(order)
    assert set(grades.learners["learner"]) == {"s1", "s2", "s3", "s4"}


def test_several_gradebooks_read_side_by_side(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """More gradebooks than cores: each one's tables, in the order given."""
    urls = [f"sqlite:///{tmp_path / f'c{i}.db'}" for i in range(5)]
    for url in urls:
        _write(url)
    alone = an.load_gradebook(urls[0])
    together = an.load_gradebooks({f"course-{i}": url for i, url in enumerate(urls)})
    assert together.courses == [f"course-{i}" for i in range(5)]
    first = together.submissions[together.submissions["course"] == "course-0"]
    columns = [c for c in alone.submissions.columns if c != "course"]
    pd.testing.assert_frame_equal(
        first[columns].reset_index(drop=True), alone.submissions[columns]
    )
    assert len(together.submissions) == 5 * len(alone.submissions)
