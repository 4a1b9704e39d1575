"""Checking a course: ``course.toml`` and its notebooks agree and follow the format.

:func:`check_course` returns a list of problems, each "where: what to fix".
An empty list means the course is ready to build. With ``execute=True`` every
source notebook is also run top to bottom, and deliberate errors must match
the cells tagged ``raises-exception``.
"""

from __future__ import annotations

import ast
import time
from collections import Counter
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .cells import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    POINTS_IN_HEADING,
    ModuleNotebook,
    cell_kind,
    nbgrader_meta,
    objectives_of,
    read_notebook,
)
from .model import Course, CourseError, Module, load_course

__all__ = [
    "RAISES_TAG",
    "check_course",
    "check_module",
    "execute_notebook",
]

RAISES_TAG = "raises-exception"


def _points(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _visible(text: str) -> str:
    """A test cell's source without its hidden region."""
    kept, hidden = [], False
    for line in text.splitlines():
        if line.strip() == BEGIN_HIDDEN:
            hidden = True
        elif line.strip() == END_HIDDEN:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def _balanced(text: str, begin: str, end: str) -> bool:
    depth = 0
    for line in text.splitlines():
        if line.strip() == begin:
            depth += 1
            if depth > 1:
                return False
        elif line.strip() == end:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and begin in text


def _asserts_without_message(code: str) -> int | None:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    return sum(
        1 for node in ast.walk(tree) if isinstance(node, ast.Assert) and not node.msg
    )


def _check_cell_metadata(
    where: str, index: int, cell: NotebookNode, problems: list[str]
) -> None:
    spot = f"{where}, cell {index + 1}"
    kind = cell_kind(cell)
    meta = nbgrader_meta(cell)
    text = cell.source
    ran = cell.get("outputs") or cell.get("execution_count")
    if cell.cell_type == "code" and ran:
        problems.append(f"{spot}: has outputs; clear them before committing")
    if kind != "plain" and meta.get("schema_version") != 3:
        problems.append(f"{spot}: nbgrader metadata needs schema_version 3")
    if kind in {"answer", "test", "manual", "task"} and not meta.get("grade_id"):
        problems.append(f"{spot}: nbgrader cell without a grade_id")
    if kind in {"test", "manual", "task"}:
        points = _points(meta.get("points"))
        if points is None or points <= 0:
            problems.append(f"{spot}: graded cell needs points above 0")
    if kind == "test" and not meta.get("locked"):
        problems.append(f"{spot}: test cells must be locked (read-only)")
    if kind == "answer":
        if cell.cell_type != "code":
            problems.append(f"{spot}: an autograded answer must be a code cell")
        elif not _balanced(text, BEGIN_SOLUTION, END_SOLUTION):
            problems.append(
                f"{spot}: answer cell needs one {BEGIN_SOLUTION} / {END_SOLUTION} "
                "region around the answer"
            )
    elif BEGIN_SOLUTION in text and kind != "manual":
        problems.append(f"{spot}: solution region outside an answer cell")
    if BEGIN_HIDDEN in text and kind != "test":
        problems.append(f"{spot}: hidden tests outside a test cell")
    tags = cell.get("metadata", {}).get("tags", [])
    if RAISES_TAG in tags and kind != "plain":
        problems.append(f"{spot}: a graded cell must not be tagged {RAISES_TAG}")


def _check_parts(where: str, structure: ModuleNotebook, problems: list[str]) -> None:
    cells = structure.notebook.cells
    for index in structure.orphan_tests:
        problems.append(
            f"{where}, cell {index + 1}: test cell before any answer cell; put the "
            "answer cell first"
        )
    if len(structure.parts) < 2:
        problems.append(
            f"{where}: needs at least two autograded parts (so a partly right "
            f"submission exists); found {len(structure.parts)}"
        )
    for part in structure.parts:
        spot = f"{where}, part {part.answer_id!r}"
        if not part.tests:
            problems.append(f"{spot}: has no test cells after its answer cell")
            continue
        first_test = part.tests[0]
        between = cells[part.answer + 1 : first_test]
        if not any(c.cell_type == "code" and cell_kind(c) == "plain" for c in between):
            problems.append(
                f"{spot}: add a 'try it' code cell between the answer and its tests"
            )
        stated = POINTS_IN_HEADING.search(part.heading or "")
        if stated is None or float(stated.group(1)) != part.points:
            problems.append(
                f"{spot}: its heading {part.heading!r} must state its points as "
                f"'({part.points:g} points)'"
            )
        visible_asserts = 0
        has_hidden = False
        for index in part.tests:
            text = cells[index].source
            if BEGIN_HIDDEN in text:
                has_hidden = True
                if not _balanced(text, BEGIN_HIDDEN, END_HIDDEN):
                    problems.append(
                        f"{where}, cell {index + 1}: unbalanced hidden-test markers"
                    )
            visible = _visible(text)
            bare = _asserts_without_message(visible)
            if bare is None:
                problems.append(f"{where}, cell {index + 1}: test code does not parse")
                continue
            if bare:
                problems.append(
                    f"{where}, cell {index + 1}: {bare} visible assert(s) without a "
                    "message; say what the learner should fix"
                )
            visible_asserts += visible.count("assert ")
        if not visible_asserts:
            problems.append(f"{spot}: needs at least one visible test")
        if not has_hidden:
            problems.append(f"{spot}: needs hidden tests ({BEGIN_HIDDEN})")
    for index in structure.manual:
        cell = cells[index]
        heading = None
        for earlier in cells[: index + 1]:
            if earlier.cell_type == "markdown":
                for line in earlier.source.splitlines():
                    if line.startswith("#"):
                        heading = line
        points = _points(nbgrader_meta(cell).get("points")) or 0
        stated = POINTS_IN_HEADING.search(heading or "")
        if stated is None or float(stated.group(1)) != points:
            problems.append(
                f"{where}, cell {index + 1}: the heading above this manually graded "
                f"cell must state '({points:g} points)'"
            )


def check_module(course: Course, module: Module) -> list[str]:
    """Problems with one module's source notebook."""
    path = course.notebook_path(module.id)
    where = f"{course.id}/{module.id}"
    if not path.is_file():
        return [f"{where}: notebook {path} is missing"]
    problems: list[str] = []
    folder = path.parent
    others = sorted(p.name for p in folder.glob("*.ipynb") if p != path)
    if others:
        problems.append(
            f"{where}: only {path.name} may be in the module folder; found {others}"
        )
    try:
        notebook = read_notebook(path)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises several unrelated types
        return [f"{where}: {path.name} is not a valid notebook ({exc})"]
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"{where}: kernelspec must be 'python3', found {kernel!r}")
    for index, cell in enumerate(notebook.cells):
        _check_cell_metadata(where, index, cell, problems)
    ids = [
        str(nbgrader_meta(c).get("grade_id"))
        for c in notebook.cells
        if nbgrader_meta(c).get("grade_id")
    ]
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        problems.append(f"{where}: grade ids used twice: {repeated}")
    structure = ModuleNotebook.from_notebook(notebook)
    _check_parts(where, structure, problems)
    if structure.total_points != module.points:
        problems.append(
            f"{where}: the notebook's graded cells add up to "
            f"{structure.total_points:g} points, course.toml says {module.points:g}"
        )
    declared = set(module.objective_ids)
    covered: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        for objective in objectives_of(cell):
            if objective not in declared:
                problems.append(
                    f"{where}, cell {index + 1}: objective {objective!r} is not one "
                    f"of this module's objectives {sorted(declared)}"
                )
            covered.add(objective)
    for objective in module.objective_ids:
        if objective not in covered:
            problems.append(
                f"{where}: objective {objective!r} is not covered by any cell; add "
                "it to the metadata.govlearn.objectives of the cells that teach it"
            )
    return problems


def execute_notebook(path: Path, timeout: float = 60.0) -> tuple[NotebookNode, float]:
    """Run a notebook top to bottom (errors kept as outputs); return it and its
    run time in seconds."""
    from nbclient import NotebookClient

    notebook = read_notebook(path)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - started


def _check_execution(
    course: Course, module: Module, timings: dict[str, float] | None
) -> list[str]:
    where = f"{course.id}/{module.id}"
    notebook, seconds = execute_notebook(course.notebook_path(module.id))
    if timings is not None:
        timings[module.id] = seconds
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        tagged = RAISES_TAG in cell.get("metadata", {}).get("tags", [])
        if failed and not tagged:
            error = next(o for o in cell.outputs if o.get("output_type") == "error")
            problems.append(
                f"{where}, cell {index + 1}: raised {error.get('ename')}: "
                f"{error.get('evalue', '')[:120]}; fix it, or tag a deliberate "
                f"error {RAISES_TAG}"
            )
        if tagged and not failed:
            problems.append(
                f"{where}, cell {index + 1}: tagged {RAISES_TAG} but ran without error"
            )
    return problems


def check_course(
    course_id: str,
    *,
    execute: bool = False,
    root: Path | None = None,
    timings: dict[str, float] | None = None,
) -> list[str]:
    """Every problem with a course; an empty list means it is ready to build.

    ``execute=True`` also runs each module notebook (those without static
    problems) and fills ``timings`` (module id -> seconds) when given.
    ``root`` is the folder of courses (default: :func:`courses_root`).
    """
    try:
        course = load_course(course_id, root)
    except CourseError as exc:
        return exc.problems or [str(exc)]
    problems: list[str] = []
    known = {module.id for module in course.modules}
    if course.source_dir.is_dir():
        for folder in sorted(course.source_dir.iterdir()):
            if folder.is_dir() and folder.name not in known:
                problems.append(
                    f"{course.id}: source/{folder.name} is not a module in course.toml"
                )
    manual_points = 0.0
    for module in course.modules:
        module_problems = check_module(course, module)
        problems += module_problems
        path = course.notebook_path(module.id)
        if path.is_file():
            try:
                manual_points += ModuleNotebook.read(path).manual_points
            except Exception:  # already reported by check_module
                pass
        if execute and not module_problems:
            problems += _check_execution(course, module, timings)
    if manual_points <= 0:
        problems.append(
            f"{course.id}: needs at least one manually graded reflection "
            "(a markdown cell marked as a manually graded answer)"
        )
    return problems
