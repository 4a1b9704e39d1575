"""Building a course: a working nbgrader course root with release notebooks.

``build_course("govstack-101")`` fills ``build/courses/govstack-101/`` with::

    nbgrader_config.py     copied from grading/nbgrader_config.py
    course.toml            copied from the course, for the grading engine
    source/<module>/...    the source notebooks
    release/<module>/...   the learner versions (no solutions, no hidden tests)
    gradebook.db           every module recorded as an nbgrader assignment

A rebuild replaces ``source/`` and ``release/`` and keeps everything else
(gradebook, submissions, autograded work), so it is safe on a live course.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nbformat import NotebookNode

from .._logging import logger
from .cells import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    ModuleNotebook,
    cell_kind,
    nbgrader_meta,
    read_notebook,
)
from .model import Course, CourseError, courses_root, load_course

__all__ = [
    "BuildError",
    "build_course",
    "check_release",
    "course_id_of",
    "default_build_dir",
    "grading_config_path",
    "nbgrader_api",
    "quiet_nbgrader",
    "tools_on_path",
]


class BuildError(CourseError):
    """nbgrader could not build a course, or its release notebooks are wrong."""


def grading_config_path() -> Path:
    """The one nbgrader configuration shared by every course."""
    return courses_root().parent / "grading" / "nbgrader_config.py"


def default_build_dir(course_id: str) -> Path:
    """``build/courses/<course-id>`` beside the ``courses/`` folder."""
    return courses_root().parent / "build" / "courses" / course_id


def course_id_of(root: Path) -> str:
    """The course id of a built course root (from its ``course.toml``)."""
    try:
        data = tomllib.loads((root / "course.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return root.name
    return str(data.get("id") or root.name)


def nbgrader_api(root: Path):  # type: ignore[no-untyped-def]
    """An ``NbGraderAPI`` for the built course root ``root``.

    It loads the course root's ``nbgrader_config.py``, as the ``nbgrader``
    command would when run in that folder.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    loader = PyFileConfigLoader("nbgrader_config.py", path=str(root))
    config = loader.load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = course_id_of(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    coursedir = CourseDirectory(config=config)
    with quiet_nbgrader(disabled=True):
        # Its exchange check fails loudly where no exchange is set up; building
        # and grading need none.
        return NbGraderAPI(coursedir=coursedir, config=config)


@contextmanager
def quiet_nbgrader(disabled: bool = False) -> Iterator[None]:
    """Keep nbgrader's INFO lines (or, with ``disabled``, all its lines) quiet."""
    log = logging.getLogger("traitlets")
    level, was_disabled = log.level, log.disabled
    log.setLevel(logging.WARNING)
    log.disabled = disabled or was_disabled
    try:
        yield
    finally:
        log.setLevel(level)
        log.disabled = was_disabled


@contextmanager
def tools_on_path() -> Iterator[None]:
    """Put this interpreter's scripts folder on ``PATH`` for a while.

    nbgrader runs the ``alembic`` command when it creates a gradebook; inside
    a virtual environment that was not activated, it would not be found.
    """
    scripts = str(Path(sys.executable).parent)
    before = os.environ.get("PATH", "")
    if scripts in before.split(os.pathsep):
        yield
        return
    os.environ["PATH"] = scripts + os.pathsep + before
    try:
        yield
    finally:
        os.environ["PATH"] = before


def _copy_sources(course: Course, root: Path) -> None:
    target = root / "source"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for module in course.modules:
        shutil.copytree(
            course.source_dir / module.id,
            target / module.id,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    shutil.copy2(grading_config_path(), root / "nbgrader_config.py")
    text = (course.path / "course.toml").read_text(encoding="utf-8")
    if "id" not in tomllib.loads(text):
        # The root may be named anything; the copy names its course.
        text = f'id = "{course.id}"\n' + text
    (root / "course.toml").write_text(text, encoding="utf-8")


def _release_problems(
    module_id: str, release: NotebookNode, source: NotebookNode
) -> list[str]:
    problems: list[str] = []
    where = f"release/{module_id}"
    source_ids = {
        str(nbgrader_meta(c).get("grade_id"))
        for c in source.cells
        if cell_kind(c) in {"test", "manual", "task"}
    }
    release_ids: set[str] = set()
    for index, cell in enumerate(release.cells, start=1):
        text = cell.source
        if BEGIN_SOLUTION in text or "### END SOLUTION" in text:
            problems.append(f"{where}, cell {index}: a solution region was left in")
        if BEGIN_HIDDEN in text or "### END HIDDEN TESTS" in text:
            problems.append(f"{where}, cell {index}: hidden tests were left in")
        if "=== BEGIN MARK SCHEME ===" in text:
            problems.append(f"{where}, cell {index}: a mark scheme was left in")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.execution_count):
            problems.append(f"{where}, cell {index}: has outputs")
        if cell_kind(cell) in {"test", "manual", "task"}:
            release_ids.add(str(nbgrader_meta(cell).get("grade_id")))
    missing = source_ids - release_ids
    if missing:
        problems.append(f"{where}: graded cells missing: {sorted(missing)}")
    # Solution text must not survive anywhere in the release notebook.
    structure = ModuleNotebook.from_notebook(source)
    release_text = "\n".join(c.source for c in release.cells)
    for part in structure.parts:
        for line in _solution_lines(source.cells[part.answer].source):
            if len(line) > 24 and line in release_text:
                problems.append(
                    f"{where}: solution line of {part.answer_id!r} is visible: "
                    f"{line[:60]!r}"
                )
                break
    return problems


def _solution_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def check_release(course: Course, root: Path) -> list[str]:
    """Problems with the release notebooks under ``root`` (empty when fine)."""
    problems = []
    for module in course.modules:
        path = root / "release" / module.id / f"{module.id}.ipynb"
        if not path.is_file():
            problems.append(f"release/{module.id}: {path.name} was not generated")
            continue
        source = read_notebook(course.notebook_path(module.id))
        problems += _release_problems(module.id, read_notebook(path), source)
    return problems


def build_course(
    course_id: str, out: Path | str | None = None, *, root: Path | None = None
) -> Path:
    """Build ``course_id`` into an nbgrader course root and return its path.

    ``out`` defaults to ``build/courses/<course-id>``; ``root`` is the folder
    of courses (default: :func:`courses_root`). The release notebooks are
    checked (no solutions, no hidden tests, every graded cell present);
    :class:`BuildError` lists any problem.
    """
    course = load_course(course_id, root)
    target = Path(out).resolve() if out is not None else default_build_dir(course_id)
    target.mkdir(parents=True, exist_ok=True)
    _copy_sources(course, target)
    release = target / "release"
    known = {module.id for module in course.modules}
    if release.is_dir():
        for stale in release.iterdir():
            if stale.is_dir() and stale.name not in known:
                shutil.rmtree(stale)
    api = nbgrader_api(target)
    for module in course.modules:
        with tools_on_path(), quiet_nbgrader():
            result = api.generate_assignment(module.id, force=True, create=True)
        if not result.get("success"):
            raise BuildError(
                f"Attempted to build {course_id}/{module.id} with nbgrader, but it "
                "failed. Run `govlearn course check` to find the cause.",
                [str(result.get("log") or "")[-4000:], str(result.get("error") or "")],
            )
        logger.info("Built %s/%s", course_id, module.id)
    problems = check_release(course, target)
    if problems:
        raise BuildError(
            f"The release notebooks of {course_id} in {release} are not safe to "
            "hand out:",
            problems,
        )
    return target
