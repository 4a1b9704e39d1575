"""Finding or building the nbgrader course root a grading run works in.

A course root is what ``govlearn course build`` makes under
``build/courses/<course-id>/``: ``nbgrader_config.py``, ``source/``,
``release/`` and the gradebook. :func:`prepare_course_root` builds one from
any folder that holds ``course.toml`` and ``source/``, with nbgrader's own
``generate_assignment``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .policy import GradingPolicy, load_policy, nbgrader_config

__all__ = [
    "CourseRules",
    "course_rules",
    "ensure_tools_on_path",
    "nbgrader_api",
    "prepare_course_root",
]

CONFIG_FILE = Path(__file__).resolve().parents[2] / "grading" / "nbgrader_config.py"


@dataclass(frozen=True)
class CourseRules:
    """What ``course.toml`` says about passing: module points, pass mark, certificate.

    ``course`` is the loaded :class:`govlearn.courses.Course`, or ``None`` when
    the course root has no ``course.toml`` (then nobody passes or fails).
    """

    course: Any | None

    def passed(self, scores: dict[str, float | None]) -> bool | None:
        return None if self.course is None else bool(self.course.passed(scores))

    def certificate(self, scores: dict[str, float | None]) -> bool | None:
        if self.course is None:
            return None
        return bool(self.course.certificate_earned(scores))

    @property
    def pass_mark(self) -> float | None:
        return None if self.course is None else float(self.course.pass_mark)


def course_rules(course_root: Path) -> CourseRules:
    """The rules of the course built in ``course_root`` (from its ``course.toml``)."""
    toml = Path(course_root) / "course.toml"
    if not toml.is_file():
        return CourseRules(None)
    from govlearn.courses.model import load_course

    folder = toml.parent
    return CourseRules(load_course(folder.name, root=folder.parent))


def ensure_tools_on_path() -> None:
    """Put this Python's scripts folder on PATH.

    nbgrader runs the ``alembic`` command when it creates a gradebook, so it
    must be found even when GovLearn runs as ``.venv/bin/python`` unactivated.
    """
    scripts = str(Path(sys.executable).parent)
    if shutil.which("alembic") is None and scripts not in os.environ.get("PATH", ""):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def nbgrader_api(
    course_root: Path, policy: GradingPolicy | None = None, **config_args: Any
) -> Any:
    """nbgrader's ``NbGraderAPI`` on ``course_root`` with the grading policy."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    ensure_tools_on_path()
    config = nbgrader_config(course_root, policy or load_policy(), **config_args)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


def prepare_course_root(
    course_dir: Path,
    root: Path,
    *,
    db_url: str | None = None,
    policy: GradingPolicy | None = None,
) -> Path:
    """Build an nbgrader course root in ``root`` from ``course_dir``.

    Copies ``course.toml``, ``source/`` and the shared ``nbgrader_config.py``,
    then runs nbgrader's ``generate_assignment`` for every assignment, which
    writes ``release/`` and records the grade cells in the gradebook.
    Raises ``RuntimeError`` naming the assignment nbgrader could not build.
    """
    course_dir, root = Path(course_dir), Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if (root / "source").exists():
        shutil.rmtree(root / "source")
    shutil.copytree(course_dir / "source", root / "source")
    if (course_dir / "course.toml").is_file():
        shutil.copy(course_dir / "course.toml", root / "course.toml")
    shutil.copy(CONFIG_FILE, root / "nbgrader_config.py")
    api = nbgrader_api(root, policy, db_url=db_url)
    for assignment in sorted(p.name for p in (root / "source").iterdir() if p.is_dir()):
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(
                f"Attempted to build assignment {assignment!r} with nbgrader, but it "
                f"failed:\n{result.get('error') or result.get('log')}"
            )
    return root
