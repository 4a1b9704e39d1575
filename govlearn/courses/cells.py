"""Reading a module notebook's structure: graded parts, points, objectives.

A *graded part* is one autograded answer cell (nbgrader ``solution`` code cell)
followed by its test cells (nbgrader ``grade`` code cells), up to the next
answer cell. Manually graded cells (``solution`` and ``grade`` together, or a
``task``) stand on their own. A cell declares the learning objectives it serves
in ``metadata.govlearn.objectives`` (a list of objective ids).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

__all__ = [
    "BEGIN_HIDDEN",
    "BEGIN_SOLUTION",
    "END_HIDDEN",
    "END_SOLUTION",
    "GradedPart",
    "ModuleNotebook",
    "cell_kind",
    "nbgrader_meta",
    "objectives_of",
    "read_notebook",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
POINTS_IN_HEADING = re.compile(r"\((\d+(?:\.\d+)?) points?\)")


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook file as nbformat version 4."""
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    """The cell's ``nbgrader`` metadata (empty when it has none)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return dict(meta) if isinstance(meta, dict) else {}


def cell_kind(cell: NotebookNode) -> str:
    """One of ``answer``, ``test``, ``manual``, ``task``, ``locked``, ``plain``."""
    meta = nbgrader_meta(cell)
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    if meta.get("task"):
        return "task"
    if solution and grade:
        return "manual"
    if solution:
        return "answer"
    if grade:
        return "test"
    if meta.get("locked"):
        return "locked"
    return "plain"


def objectives_of(cell: NotebookNode) -> list[str]:
    """The objective ids a cell declares in ``metadata.govlearn.objectives``."""
    meta = cell.get("metadata", {}).get("govlearn", {})
    found = meta.get("objectives", []) if isinstance(meta, dict) else []
    return [str(item) for item in found] if isinstance(found, list) else []


@dataclass
class GradedPart:
    """An autograded answer cell and the test cells that grade it."""

    answer: int
    answer_id: str
    tests: list[int] = field(default_factory=list)
    points: float = 0.0
    heading: str | None = None


@dataclass
class ModuleNotebook:
    """The graded structure of one module notebook."""

    notebook: NotebookNode
    parts: list[GradedPart]
    manual: list[int]
    orphan_tests: list[int]

    @classmethod
    def read(cls, path: Path) -> ModuleNotebook:
        return cls.from_notebook(read_notebook(path))

    @classmethod
    def from_notebook(cls, notebook: NotebookNode) -> ModuleNotebook:
        parts: list[GradedPart] = []
        manual: list[int] = []
        orphans: list[int] = []
        heading: str | None = None
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("#"):
                        heading = line.lstrip("#").strip()
            kind = cell_kind(cell)
            meta = nbgrader_meta(cell)
            if kind == "answer":
                parts.append(
                    GradedPart(index, str(meta.get("grade_id", "")), heading=heading)
                )
            elif kind == "test":
                if parts:
                    parts[-1].tests.append(index)
                    parts[-1].points += float(meta.get("points", 0) or 0)
                else:
                    orphans.append(index)
            elif kind in {"manual", "task"}:
                manual.append(index)
        return cls(notebook, parts, manual, orphans)

    @property
    def cells(self) -> list[NotebookNode]:
        return list(self.notebook.cells)

    def grade_cells(self) -> list[NotebookNode]:
        """Every cell that carries points (tests, manual answers, tasks)."""
        return [
            cell
            for cell in self.notebook.cells
            if cell_kind(cell) in {"test", "manual", "task"}
        ]

    @property
    def total_points(self) -> float:
        return sum(
            float(nbgrader_meta(cell).get("points", 0) or 0)
            for cell in self.grade_cells()
        )

    @property
    def autograded_points(self) -> float:
        return sum(part.points for part in self.parts)

    @property
    def manual_points(self) -> float:
        return self.total_points - self.autograded_points

    def points_for(self, right_parts: set[str]) -> float:
        """Autograded points a submission earns when exactly ``right_parts``
        (answer-cell grade ids) are answered right."""
        return sum(part.points for part in self.parts if part.answer_id in right_parts)
