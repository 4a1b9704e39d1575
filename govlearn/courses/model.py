"""A course as ``course.toml`` describes it: modules, objectives, points, rules.

Every course lives in ``courses/<course-id>/`` with a ``course.toml`` and one
nbgrader source notebook per module in ``source/<module-id>/<module-id>.ipynb``.
:func:`load_course` reads and validates the TOML file; it raises
:class:`CourseError` with every problem it found, so an author can fix them in
one go.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "COURSES_ENV",
    "CertificateRule",
    "Course",
    "CourseError",
    "Module",
    "Objective",
    "courses_root",
    "list_courses",
    "load_course",
]

#: Environment variable that points GovLearn at another ``courses/`` folder.
COURSES_ENV = "GOVLEARN_COURSES"

MODULE_ID = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")
COURSE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OBJECTIVE_ID = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


class CourseError(ValueError):
    """A course folder or its ``course.toml`` is missing or not valid."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        if self.problems:
            message += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


@dataclass(frozen=True)
class Objective:
    """One learning objective: a stable id and what the learner can do after."""

    id: str
    text: str


@dataclass(frozen=True)
class Module:
    """One module: a notebook and an nbgrader assignment of the same name."""

    id: str
    title: str
    minutes: int
    points: float
    objectives: tuple[Objective, ...]

    @property
    def objective_ids(self) -> tuple[str, ...]:
        return tuple(objective.id for objective in self.objectives)


@dataclass(frozen=True)
class CertificateRule:
    """When a learner earns the course certificate.

    ``min_total_fraction``: share of all the course's points needed.
    ``every_module_submitted``: every module must have a submission.
    ``min_module_fraction``: share of each module's points needed (0 = none).
    """

    min_total_fraction: float
    every_module_submitted: bool = True
    min_module_fraction: float = 0.0


@dataclass(frozen=True)
class Course:
    """A course loaded from ``course.toml``."""

    id: str
    title: str
    summary: str
    audience: str
    pass_mark: float
    certificate: CertificateRule
    modules: tuple[Module, ...]
    path: Path = field(compare=False)

    @property
    def total_points(self) -> float:
        return sum(module.points for module in self.modules)

    @property
    def total_minutes(self) -> int:
        return sum(module.minutes for module in self.modules)

    @property
    def source_dir(self) -> Path:
        return self.path / "source"

    def module(self, module_id: str) -> Module:
        """The module called ``module_id``."""
        for module in self.modules:
            if module.id == module_id:
                return module
        known = ", ".join(m.id for m in self.modules)
        raise KeyError(
            f"Course {self.id!r} has no module {module_id!r}; its modules are {known}."
        )

    def notebook_path(self, module_id: str) -> Path:
        """Where the source notebook of ``module_id`` lives."""
        return self.source_dir / module_id / f"{module_id}.ipynb"

    def passed(self, scores: Mapping[str, float | None]) -> bool:
        """Whether total ``scores`` (module id -> points, None = not submitted)
        reach the pass mark."""
        total = sum(score or 0.0 for score in scores.values())
        return total >= self.pass_mark * self.total_points - 1e-9

    def certificate_earned(self, scores: Mapping[str, float | None]) -> bool:
        """Apply the certificate rule to one learner's module scores.

        ``scores`` maps module id to points scored, or ``None`` (or no entry)
        when the learner submitted nothing for that module.
        """
        rule = self.certificate
        total = 0.0
        for module in self.modules:
            score = scores.get(module.id)
            if score is None:
                if rule.every_module_submitted:
                    return False
                continue
            if score < rule.min_module_fraction * module.points - 1e-9:
                return False
            total += score
        return total >= rule.min_total_fraction * self.total_points - 1e-9


def courses_root() -> Path:
    """The folder holding every course (``$GOVLEARN_COURSES`` or ``courses/``).

    Without the variable, the ``courses/`` folder of the source checkout that
    holds this package is used.
    """
    configured = os.environ.get(COURSES_ENV, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "courses"


def list_courses(root: Path | None = None) -> list[str]:
    """The ids of every course under ``root``, in name order."""
    base = root or courses_root()
    if not base.is_dir():
        return []
    return sorted(p.parent.name for p in base.glob("*/course.toml"))


def _course_dir(course_id: str, root: Path | None) -> Path:
    base = root or courses_root()
    path = base / course_id
    if not (path / "course.toml").is_file():
        known = ", ".join(list_courses(base)) or "none"
        raise CourseError(
            f"Attempted to load course {course_id!r}, but {path / 'course.toml'} "
            f"does not exist. Known courses: {known}."
        )
    return path


def _text(table: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' must be a non-empty string")
        return ""
    return value.strip()


def _fraction(
    table: Mapping[str, Any], key: str, where: str, problems: list[str], default=None
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where}: '{key}' must be a number between 0 and 1")
        return 0.0
    if not 0 <= value <= 1:
        problems.append(f"{where}: '{key}' is {value}; use a fraction from 0 to 1")
    return float(value)


def _objectives(raw: Any, where: str, problems: list[str]) -> tuple[Objective, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: list at least one [[modules.objectives]]")
        return ()
    objectives = []
    for number, item in enumerate(raw, start=1):
        spot = f"{where}, objective {number}"
        if not isinstance(item, dict):
            problems.append(f"{spot}: must be a table with 'id' and 'text'")
            continue
        objective_id = _text(item, "id", spot, problems)
        if objective_id and not OBJECTIVE_ID.match(objective_id):
            problems.append(
                f"{spot}: id {objective_id!r} should be lower case words joined by "
                "'-' or '.', e.g. 'why.silos'"
            )
        objectives.append(Objective(objective_id, _text(item, "text", spot, problems)))
    return tuple(objectives)


def _module(raw: Any, number: int, problems: list[str]) -> Module | None:
    where = f"module {number}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a [[modules]] table")
        return None
    module_id = _text(raw, "id", where, problems)
    if module_id:
        where = f"module {module_id}"
        if not MODULE_ID.match(module_id):
            problems.append(
                f"{where}: id must look like '01-why-govstack' (two digits, a dash, "
                "lower-case words joined by dashes)"
            )
    minutes = raw.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        problems.append(f"{where}: 'minutes' must be a whole number above 0")
        minutes = 0
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
        problems.append(f"{where}: 'points' must be a number of 0 or more")
        points = 0
    return Module(
        id=module_id,
        title=_text(raw, "title", where, problems),
        minutes=minutes,
        points=float(points),
        objectives=_objectives(raw.get("objectives"), where, problems),
    )


def _certificate(raw: Any, pass_mark: float, problems: list[str]) -> CertificateRule:
    if not isinstance(raw, dict):
        problems.append("[certificate]: the table is missing")
        return CertificateRule(pass_mark)
    submitted = raw.get("every_module_submitted", True)
    if not isinstance(submitted, bool):
        problems.append("[certificate]: 'every_module_submitted' must be true or false")
        submitted = True
    unknown = set(raw) - {
        "min_total_fraction",
        "every_module_submitted",
        "min_module_fraction",
    }
    if unknown:
        problems.append(f"[certificate]: unknown keys {sorted(unknown)}")
    return CertificateRule(
        min_total_fraction=_fraction(
            raw, "min_total_fraction", "[certificate]", problems, pass_mark
        ),
        every_module_submitted=submitted,
        min_module_fraction=_fraction(
            raw, "min_module_fraction", "[certificate]", problems, 0.0
        ),
    )


def parse_course(data: Mapping[str, Any], path: Path) -> Course:
    """Build a :class:`Course` from parsed TOML; raise :class:`CourseError`."""
    problems: list[str] = []
    course_id = path.name
    if not COURSE_ID.match(course_id):
        problems.append(f"folder name {course_id!r} is not a valid course id")
    declared = data.get("id", course_id)
    if declared != course_id:
        problems.append(
            f"'id' is {declared!r} but the folder is {course_id!r}; they must match"
        )
    title = _text(data, "title", "course", problems)
    summary = _text(data, "summary", "course", problems)
    audience = _text(data, "audience", "course", problems)
    pass_mark = _fraction(data, "pass_mark", "course", problems)
    raw_modules = data.get("modules")
    modules: list[Module] = []
    if not isinstance(raw_modules, list) or not raw_modules:
        problems.append("course: list its modules as [[modules]] tables")
    else:
        for number, raw in enumerate(raw_modules, start=1):
            module = _module(raw, number, problems)
            if module is not None:
                modules.append(module)
    ids = [m.id for m in modules]
    if len(set(ids)) != len(ids):
        problems.append(f"module ids repeat: {ids}")
    if ids != sorted(ids):
        problems.append(
            f"modules must be listed in reading order, and their ids must sort in "
            f"that order: {ids}"
        )
    seen: dict[str, str] = {}
    for module in modules:
        for objective in module.objectives:
            if objective.id in seen:
                problems.append(
                    f"objective id {objective.id!r} is used by {seen[objective.id]} "
                    f"and {module.id}; objective ids must be unique in a course"
                )
            seen[objective.id] = module.id
    certificate = _certificate(data.get("certificate"), pass_mark, problems)
    if problems:
        raise CourseError(f"{path / 'course.toml'} is not valid:", problems)
    return Course(
        id=course_id,
        title=title,
        summary=summary,
        audience=audience,
        pass_mark=pass_mark,
        certificate=certificate,
        modules=tuple(modules),
        path=path,
    )


def load_course(course_id: str, root: Path | None = None) -> Course:
    """Load and validate ``courses/<course_id>/course.toml``.

    Raises :class:`CourseError` listing every problem found.
    """
    path = _course_dir(course_id, root)
    try:
        data = tomllib.loads((path / "course.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(
            f"Attempted to read {path / 'course.toml'}, but it is not valid TOML: "
            f"{exc}."
        ) from exc
    return parse_course(data, path)
