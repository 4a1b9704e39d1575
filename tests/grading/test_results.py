"""After grading: feedback without hidden tests, and every export format."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from govlearn.grading import autograde, export_grades, generate_feedback, import_roster
from govlearn.grading.policy import ExecutionLimits, GradingPolicy, LatePolicy

from .conftest import answered, released, submit

POLICY = GradingPolicy(ExecutionLimits(workers=1, cell_timeout=20), LatePolicy())
ROSTER = (
    "learner_id,name,email,country,continent,cohort,organisation\n"
    "amina,Amina Diallo,amina@example.org,Senegal,Africa,wig-1,Ministry of ICT\n"
    "bo,Bo Li,bo@example.org,China,Asia,wig-2,City Office\n"
)


@pytest.fixture(scope="module")
def graded(built_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One graded copy of the course, shared by the tests of this module."""
    tmp_path = tmp_path_factory.mktemp("graded")
    course_root = tmp_path / built_course.name
    shutil.copytree(built_course, course_root)
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    import_roster(course_root, roster)
    right = {"double": "def double(x):\n    return 2 * x"}
    submit(course_root, "amina", "02-tiny", answered(course_root, "02-tiny", **right))
    submit(course_root, "bo", "02-tiny", released(course_root, "02-tiny"))
    autograde(course_root, policy=POLICY, sandbox=False, progress=False)
    return course_root


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


def test_feedback_hides_hidden_tests_and_their_tracebacks(graded: Path) -> None:
    result = generate_feedback(graded, "02-tiny")
    assert result["success"], result.get("log")
    html = (graded / "feedback" / "bo" / "02-tiny" / "02-tiny.html").read_text()
    assert "double(-3)" not in html  # the hidden test
    assert "HIDDEN TESTS" not in html
    assert "most recent call last" not in html and "Cell In[" not in html
    assert "NotImplementedError" in html  # the learner still sees what failed
    assert "Check double." in html  # the visible test stays


def test_every_export_format(graded: Path, tmp_path: Path) -> None:
    nbgrader = _rows(export_grades(graded, "nbgrader", tmp_path / "grades.csv"))
    assert {
        r["student_id"]: float(r["score"])
        for r in nbgrader
        if r["assignment"] == "02-tiny"
    } == {
        "amina": 1.0,
        "bo": 0.0,
    }
    questions = _rows(export_grades(graded, "questions", tmp_path / "q.csv"))
    assert [(r["student_id"], r["question"], r["score"]) for r in questions] == [
        ("amina", "test_double", "1"),
        ("bo", "test_double", "0"),
    ]
    results = {
        r["learner_id"]: r
        for r in _rows(export_grades(graded, "results", tmp_path / "r.csv"))
    }
    assert results["amina"]["02-tiny"] == "1.0" and results["amina"]["01-basics"] == ""
    assert results["amina"]["passed"] == "False"  # 1 of 7 points, pass mark 0.5
    assert results["bo"]["cohort"] == "wig-2"
    moodle = _rows(export_grades(graded, "moodle", tmp_path / "m.csv"))
    assert moodle[0]["Email address"] == "amina@example.org"
    assert moodle[0]["grading-basics 02-tiny"] == "1"
    with open(export_grades(graded, "canvas", tmp_path / "c.csv")) as handle:
        canvas = list(csv.reader(handle))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "1"
    assert canvas[2][:5] == ["Diallo, Amina", "", "amina", "amina@example.org", "wig-1"]


def test_unknown_export_format_is_a_clear_error(graded: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Choose one of"):
        export_grades(graded, "excel", tmp_path / "x.xlsx")
