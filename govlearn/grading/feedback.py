"""Feedback HTML that does not give the hidden tests away.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is,
hidden tests and their tracebacks included. :class:`HideHiddenTests` runs in
that same converter: in every graded cell that holds hidden tests it removes
the hidden region from the source, replaces each error traceback with one
line (the error's name and message) and drops printed output, which learner
code could have used to echo the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

__all__ = ["HideHiddenTests", "generate_feedback"]

HIDDEN_NOTE = "[hidden tests were run here; their code is not shown]"


class HideHiddenTests(NbGraderPreprocessor):  # type: ignore[misc]
    """Strip hidden tests, their tracebacks and printed output from grade cells."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: Any, cell_index: int
    ) -> tuple[NotebookNode, Any]:
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        clearer = ClearHiddenTests(parent=self)
        if not clearer._remove_hidden_test_region(cell):
            return cell, resources
        cell.source = cell.source.rstrip() + "\n# " + HIDDEN_NOTE
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}".rstrip(": ")]
                kept.append(output)
            elif output.output_type == "execute_result":
                kept.append(output)
        cell.outputs = kept
        return cell, resources


def generate_feedback(
    course_root: Path | str,
    assignment: str,
    student: str | None = None,
    *,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Write ``feedback/<student>/<assignment>/*.html`` with hidden tests hidden.

    Returns nbgrader's result dict (``success``, ``log``, ``error``).
    """
    from .course import nbgrader_api
    from .policy import load_policy

    api = nbgrader_api(Path(course_root), load_policy(), db_url=db_url)
    api.config.GenerateFeedback.preprocessors = [
        GetGrades,
        CSSHTMLHeaderPreprocessor,
        HideHiddenTests,
    ]
    return dict(api.generate_feedback(assignment, student, force=True))
