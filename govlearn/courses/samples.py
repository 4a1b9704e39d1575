"""Sample submissions made from a module's own answers, with their expected scores.

For any module, three learners are simulated from the release notebook and the
source notebook's solution regions:

* ``wrong``: every answer region is replaced by ``pass`` (the code runs, the
  answers are wrong); expected autograded score 0.
* ``partial``: the first half of the graded parts (rounded up) are answered
  with the solution, the rest as in ``wrong``.
* ``right``: every answer region holds the solution; every autograded point.

Manually graded answers get a short text in ``partial`` and ``right``; they
score nothing until an instructor grades them, so expected scores count
autograded points only. The grading engine and the cohort simulator use the
same samples.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .cells import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    ModuleNotebook,
    cell_kind,
    nbgrader_meta,
    read_notebook,
)
from .model import Course

__all__ = [
    "SAMPLE_KINDS",
    "SampleSubmission",
    "answer_text",
    "sample_submissions",
    "write_samples",
]

SAMPLE_KINDS = ("wrong", "partial", "right")
SAMPLE_REFLECTION = (
    "In our ministry, two services each built their own sign-in. A shared "
    "Identity building block would have saved one of them."
)


@dataclass(frozen=True)
class SampleSubmission:
    """One simulated learner's notebook for one module."""

    module_id: str
    kind: str
    notebook: NotebookNode
    expected_score: float
    right_parts: tuple[str, ...]

    @property
    def student_id(self) -> str:
        return f"sample-{self.kind}"


def answer_text(source: str, right: bool) -> str:
    """An answer cell as a learner would leave it: the solution without its
    markers (``right``), or ``pass`` in place of each solution region."""
    lines: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN_SOLUTION:
            inside = True
            if not right:
                indent = line[: len(line) - len(line.lstrip())]
                lines.append(f"{indent}pass")
            continue
        if stripped == END_SOLUTION:
            inside = False
            continue
        if right or not inside:
            lines.append(line)
    return "\n".join(lines)


def sample_submissions(
    course: Course, module_id: str, release_path: Path
) -> list[SampleSubmission]:
    """The ``wrong``, ``partial`` and ``right`` samples of one module."""
    source = read_notebook(course.notebook_path(module_id))
    release = read_notebook(release_path)
    structure = ModuleNotebook.from_notebook(source)
    answers = {
        str(nbgrader_meta(cell).get("grade_id")): cell.source
        for cell in source.cells
        if cell_kind(cell) == "answer"
    }
    manual_answers = {
        str(nbgrader_meta(cell).get("grade_id")): cell.source
        for cell in source.cells
        if cell_kind(cell) == "manual"
    }
    part_ids = [part.answer_id for part in structure.parts]
    half = part_ids[: math.ceil(len(part_ids) / 2)]
    plans = {"wrong": set(), "partial": set(half), "right": set(part_ids)}
    samples = []
    for kind in SAMPLE_KINDS:
        right = plans[kind]
        notebook = copy.deepcopy(release)
        for cell in notebook.cells:
            grade_id = str(nbgrader_meta(cell).get("grade_id"))
            kind_of_cell = cell_kind(cell)
            if kind_of_cell == "answer" and grade_id in answers:
                cell.source = answer_text(answers[grade_id], grade_id in right)
            elif kind_of_cell == "manual" and kind != "wrong":
                if cell.cell_type == "markdown":
                    cell.source = SAMPLE_REFLECTION
                else:  # a manually graded code answer: the model answer
                    cell.source = answer_text(manual_answers[grade_id], right=True)
        samples.append(
            SampleSubmission(
                module_id=module_id,
                kind=kind,
                notebook=notebook,
                expected_score=structure.points_for(right),
                right_parts=tuple(p for p in part_ids if p in right),
            )
        )
    return samples


def write_samples(course: Course, root: Path) -> dict[tuple[str, str], float]:
    """Write every module's samples into ``root/submitted/``.

    Returns the expected autograded score by ``(student_id, module_id)``.
    """
    expected: dict[tuple[str, str], float] = {}
    for module in course.modules:
        release = root / "release" / module.id / f"{module.id}.ipynb"
        for sample in sample_submissions(course, module.id, release):
            folder = root / "submitted" / sample.student_id / module.id
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(sample.notebook, str(folder / f"{module.id}.ipynb"))
            expected[(sample.student_id, module.id)] = sample.expected_score
    return expected
