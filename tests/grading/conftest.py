"""Fixtures for grading tests: a built nbgrader course root and submissions.

The fixture course ``grading-basics`` (``fixtures/``) has two assignments:
``01-basics`` (three parts, one of which asks the sandbox who you are) and
``02-tiny`` (one function, one test; used for the robustness matrix).
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
COURSE = FIXTURES / "grading-basics"


@pytest.fixture(scope="session")
def built_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture course built once by nbgrader (release notebooks + gradebook)."""
    from govlearn.grading.course import prepare_course_root

    return prepare_course_root(
        COURSE, tmp_path_factory.mktemp("built") / "grading-basics"
    )


@pytest.fixture
def course_root(built_course: Path, tmp_path: Path) -> Path:
    """A private copy of the built course for one test."""
    root = tmp_path / "grading-basics"
    shutil.copytree(built_course, root)
    return root


def solution_of(root: Path, assignment: str) -> dict[str, str]:
    """grade id -> the instructor's answer, from the source notebook."""
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", 4)
    answers = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = re.sub(
                r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", cell.source
            )
    return answers


def released(root: Path, assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", 4)


def answered(root: Path, assignment: str, **answers: str) -> nbformat.NotebookNode:
    """The release notebook with some solution cells filled in."""
    nb = copy.deepcopy(released(root, assignment))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def submit(
    root: Path,
    student: str,
    assignment: str,
    notebook: nbformat.NotebookNode | str | None,
    *,
    timestamp: str | None = None,
    name: str | None = None,
) -> Path:
    """Place a submission in ``submitted/<student>/<assignment>/``."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if notebook is not None:
        path = folder / f"{name or assignment}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder
