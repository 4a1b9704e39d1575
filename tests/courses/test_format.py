"""course.toml and the notebooks agree and follow the course format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from govlearn.courses import (
    CourseError,
    check_course,
    courses_root,
    list_courses,
    load_course,
)
from govlearn.courses.cells import ModuleNotebook

from .conftest import COURSES, MODULES


def test_known_courses_are_listed() -> None:
    assert "govstack-101" in list_courses()
    assert list_courses() == sorted(list_courses())


@pytest.mark.parametrize("course_id", COURSES)
def test_course_is_valid(course_id: str) -> None:
    problems = check_course(course_id)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("course_id,module_id", MODULES)
def test_notebook_points_match_course_toml(course_id: str, module_id: str) -> None:
    course = load_course(course_id)
    module = course.module(module_id)
    structure = ModuleNotebook.read(course.notebook_path(module_id))
    assert structure.total_points == module.points
    assert len(structure.parts) >= 2


def test_govstack_101_shape() -> None:
    course = load_course("govstack-101")
    assert course.title == "GovStack 101"
    assert [m.id for m in course.modules] == [
        "01-why-govstack",
        "02-building-blocks",
        "03-design-and-requirements",
        "04-usct-use-case",
        "05-first-calls",
    ]
    assert course.total_points == 32
    assert 0 < course.pass_mark <= 1
    assert all(m.objectives and m.minutes > 0 for m in course.modules)


def test_certificate_rule() -> None:
    course = load_course("govstack-101")
    full = {m.id: m.points for m in course.modules}
    assert course.certificate_earned(full)
    assert course.passed(full)
    missing = dict(full, **{"05-first-calls": None})
    assert not course.certificate_earned(missing)
    low = {m.id: m.points * 0.5 for m in course.modules}
    assert not course.certificate_earned(low)
    assert not course.passed(low)


def _copy_course(tmp_path: Path, course_id: str = "govstack-101") -> Path:
    root = tmp_path / "courses"
    shutil.copytree(courses_root() / course_id, root / course_id)
    return root


def test_unknown_course_names_the_known_ones() -> None:
    with pytest.raises(CourseError, match="govstack-101"):
        load_course("no-such-course")


def test_invalid_course_toml_lists_every_problem(tmp_path: Path) -> None:
    root = _copy_course(tmp_path)
    toml = root / "govstack-101" / "course.toml"
    text = toml.read_text().replace("pass_mark = 0.6", "pass_mark = 6")
    text = text.replace('id = "02-building-blocks"', 'id = "Building Blocks"')
    text = text.replace("minutes = 35", "minutes = 0")
    toml.write_text(text)
    with pytest.raises(CourseError) as caught:
        load_course("govstack-101", root)
    problems = "\n".join(caught.value.problems)
    assert "pass_mark" in problems
    assert "Building Blocks" in problems
    assert "minutes" in problems


def _edit_notebook(root: Path, module_id: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = root / "govstack-101" / "source" / module_id / f"{module_id}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    edit(notebook)
    nbformat.write(notebook, path)


def _cell(notebook, grade_id: str):  # type: ignore[no-untyped-def]
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise AssertionError(grade_id)


def _problems_after(tmp_path: Path, module_id: str, edit) -> str:  # type: ignore[no-untyped-def]
    root = _copy_course(tmp_path)
    _edit_notebook(root, module_id, edit)
    return "\n".join(check_course("govstack-101", root=root))


def test_check_finds_points_that_disagree(tmp_path: Path) -> None:
    def edit(nb):  # type: ignore[no-untyped-def]
        _cell(nb, "test-targets-served").metadata.nbgrader.points = 5

    problems = _problems_after(tmp_path, "01-why-govstack", edit)
    assert "course.toml says 7" in problems
    assert "(3 points)" in problems  # the heading no longer matches


def test_check_finds_outputs_and_duplicate_ids(tmp_path: Path) -> None:
    def edit(nb):  # type: ignore[no-untyped-def]
        first = next(c for c in nb.cells if c.cell_type == "code")
        first.outputs = [nbformat.v4.new_output("stream", text="hi")]
        _cell(
            nb, "test-targets-served-edges"
        ).metadata.nbgrader.grade_id = "test-targets-served"

    problems = _problems_after(tmp_path, "01-why-govstack", edit)
    assert "has outputs" in problems
    assert "grade ids used twice" in problems


def test_check_finds_uncovered_and_unknown_objectives(tmp_path: Path) -> None:
    def edit(nb):  # type: ignore[no-untyped-def]
        for cell in nb.cells:
            objectives = cell.metadata.get("govlearn", {}).get("objectives", [])
            if "why.trace" in objectives:
                objectives.remove("why.trace")
        nb.cells[0].metadata["govlearn"] = {"objectives": ["why.nothing"]}

    problems = _problems_after(tmp_path, "01-why-govstack", edit)
    assert "'why.trace' is not covered" in problems
    assert "'why.nothing' is not one of this module's objectives" in problems


def test_check_finds_weak_tests(tmp_path: Path) -> None:
    def edit(nb):  # type: ignore[no-untyped-def]
        cell = _cell(nb, "test-shared-capabilities-order")
        cell.source = "assert shared_capabilities(services)\n"
        other = _cell(nb, "test-shared-capabilities-contract")
        other.metadata.nbgrader.locked = False

    problems = _problems_after(tmp_path, "01-why-govstack", edit)
    assert "without a message" in problems
    assert "needs hidden tests" not in problems  # the other cell still has some
    assert "test cells must be locked" in problems


def test_check_finds_a_part_without_try_it_or_hidden_tests(tmp_path: Path) -> None:
    def edit(nb):  # type: ignore[no-untyped-def]
        answer = nb.cells.index(_cell(nb, "targets-served"))
        del nb.cells[answer + 1]
        for grade_id in ("test-targets-served", "test-targets-served-edges"):
            cell = _cell(nb, grade_id)
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0]

    problems = _problems_after(tmp_path, "01-why-govstack", edit)
    assert "'try it'" in problems
    assert "needs hidden tests" in problems


def test_check_needs_a_reflection(tmp_path: Path) -> None:
    root = _copy_course(tmp_path)
    for module_id in ("01-why-govstack", "04-usct-use-case"):

        def edit(nb):  # type: ignore[no-untyped-def]
            nb.cells = [
                c
                for c in nb.cells
                if not (
                    c.metadata.get("nbgrader", {}).get("solution")
                    and c.metadata.get("nbgrader", {}).get("grade")
                )
            ]

        _edit_notebook(root, module_id, edit)
    problems = "\n".join(check_course("govstack-101", root=root))
    assert "manually graded reflection" in problems


def test_check_finds_stray_folders(tmp_path: Path) -> None:
    root = _copy_course(tmp_path)
    (root / "govstack-101" / "source" / "99-extra").mkdir()
    problems = check_course("govstack-101", root=root)
    assert any("99-extra" in problem for problem in problems)


@pytest.mark.notebooks
def test_check_execute_matches_raises_exception_tags(tmp_path: Path) -> None:
    root = _copy_course(tmp_path)

    def edit(nb):  # type: ignore[no-untyped-def]
        tagged = next(
            c for c in nb.cells if "raises-exception" in c.metadata.get("tags", [])
        )
        tagged.metadata.tags = []
        nb.cells.append(nbformat.v4.new_code_cell("1 + 1"))
        nb.cells[-1].metadata["tags"] = ["raises-exception"]

    _edit_notebook(root, "03-design-and-requirements", edit)
    timings: dict[str, float] = {}
    problems = "\n".join(check_course("govstack-101", root=root, execute=False))
    assert problems == ""
    from govlearn.courses.check import _check_execution

    course = load_course("govstack-101", root)
    module = course.module("03-design-and-requirements")
    found = "\n".join(_check_execution(course, module, timings))
    assert "raised ValueError" in found
    assert "tagged raises-exception but ran without error" in found
    assert timings["03-design-and-requirements"] > 0


def test_objectives_live_in_cell_metadata() -> None:
    course = load_course("govstack-101")
    raw = json.loads(course.notebook_path("01-why-govstack").read_text())
    declared = [
        c["metadata"]["govlearn"]["objectives"]
        for c in raw["cells"]
        if "govlearn" in c["metadata"]
    ]
    assert declared and all(isinstance(d, list) for d in declared)
