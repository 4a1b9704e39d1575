"""Building every course: release notebooks, nbgrader validate and --invert."""

from __future__ import annotations

import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from govlearn.courses import check_release, load_course
from govlearn.courses.cells import BEGIN_HIDDEN, BEGIN_SOLUTION

from .conftest import COURSES, learner_env, run_tool


@pytest.mark.parametrize("course_id", COURSES)
def test_release_has_no_solutions_or_hidden_tests(
    course_id: str, built_courses
) -> None:  # type: ignore[no-untyped-def]
    root = built_courses(course_id)
    course = load_course(course_id)
    assert check_release(course, root) == []
    assert (root / "gradebook.db").is_file()
    assert (root / "nbgrader_config.py").is_file()
    for module in course.modules:
        release = root / "release" / module.id / f"{module.id}.ipynb"
        text = release.read_text()
        assert BEGIN_SOLUTION not in text and BEGIN_HIDDEN not in text
        assert "NotImplementedError" in text
        notebook = nbformat.read(release, as_version=4)
        assert all(
            not c.get("outputs") for c in notebook.cells if c.cell_type == "code"
        )


def test_rebuild_keeps_the_gradebook(built_courses, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from govlearn.courses import build_course

    root = build_course("govstack-101", tmp_path / "course")
    marker = root / "submitted" / "someone" / "01-why-govstack"
    marker.mkdir(parents=True)
    before = (root / "gradebook.db").stat().st_size
    again = build_course("govstack-101", tmp_path / "course")
    assert again == root and marker.is_dir()
    assert (root / "gradebook.db").stat().st_size >= before
    assert 'id = "govstack-101"' in (root / "course.toml").read_text()


def _notebooks(root: Path, step: str, course_id: str) -> list[str]:
    course = load_course(course_id)
    return [f"{step}/{m.id}/{m.id}.ipynb" for m in course.modules]


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("course_id", COURSES)
def test_nbgrader_validate_and_invert(
    course_id: str, built_courses, hosted_sandbox, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Sources pass every test; releases fail every test (two processes at once)."""
    root = built_courses(course_id)
    nbgrader = [sys.executable, "-m", "nbgrader", "validate"]
    sources = _notebooks(root, "source", course_id)
    releases = _notebooks(root, "release", course_id)
    jobs = [
        (nbgrader + sources, learner_env(hosted_sandbox, tmp_path / "source")),
        (
            nbgrader + ["--invert"] + releases,
            learner_env(hosted_sandbox, tmp_path / "release"),
        ),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        validated, inverted = pool.map(lambda job: run_tool(job[0], root, job[1]), jobs)
    passed = re.findall(
        r"Success! Your notebook passes all the tests", validated.stdout
    )
    assert len(passed) == len(sources), validated.stdout + validated.stderr
    failed_all = re.findall(
        r"Success! The notebook does not pass any tests", inverted.stdout
    )
    assert len(failed_all) == len(releases), inverted.stdout + inverted.stderr
