"""Grade exports: nbgrader's CSV, per question, results, Moodle and Canvas files.

* ``nbgrader`` - nbgrader's own ``CsvExportPlugin`` (the ``nbgrader export`` file).
* ``questions`` - one row per learner and graded cell: the per-question view.
* ``results`` - one row per learner: each module's score, the total, and
  whether the course's pass mark and certificate rule are met.
* ``moodle`` - Moodle's "Import grades from CSV": learners matched on email
  address, one column per module.
* ``canvas`` - Canvas's gradebook import: ``Student, ID, SIS User ID,
  SIS Login ID, Section``, a "Points Possible" row, one column per module.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["EXPORT_FORMATS", "export_grades", "final_score", "learner_results"]

EXPORT_FORMATS = ("nbgrader", "questions", "results", "moodle", "canvas")


@contextmanager
def _gradebook(course_root: Path, db_url: str | None) -> Iterator[Any]:
    from nbgrader.api import Gradebook

    from .course import ensure_tools_on_path
    from .policy import load_policy, nbgrader_config

    ensure_tools_on_path()
    config = nbgrader_config(course_root, load_policy(), db_url=db_url)
    gradebook = Gradebook(
        config.CourseDirectory.db_url, config.CourseDirectory.course_id
    )
    try:
        yield gradebook
    finally:
        gradebook.close()


def _profiles(gradebook: Any) -> dict[str, Any]:
    from .store import LearnerProfile, create_tables

    create_tables(gradebook.engine)
    return {p.id: p for p in gradebook.db.query(LearnerProfile)}


def _scores(gradebook: Any) -> dict[str, dict[str, float | None]]:
    """learner -> assignment -> score after late penalty (None: not submitted)."""
    assignments = [a.name for a in gradebook.assignments]
    table: dict[str, dict[str, float | None]] = {
        s.id: dict.fromkeys(assignments) for s in gradebook.students
    }
    for assignment in gradebook.assignments:
        for submission in assignment.submissions:
            learner = submission.student.id
            table.setdefault(learner, dict.fromkeys(assignments))
            table[learner][assignment.name] = final_score(submission)
    return table


def final_score(submission: Any) -> float:
    """An nbgrader submission's score after its late penalty."""
    penalty = float(submission.late_submission_penalty or 0.0)
    return round(float(submission.score) - penalty, 6)


def learner_results(
    course_root: Path | str, *, db_url: str | None = None
) -> list[dict[str, Any]]:
    """One dict per learner: module scores, total, passed and certificate."""
    from .course import course_rules

    root = Path(course_root)
    rules = course_rules(root)
    with _gradebook(root, db_url) as gradebook:
        maxima = {a.name: float(a.max_score) for a in gradebook.assignments}
        profiles = _profiles(gradebook)
        rows = []
        for learner, scores in sorted(_scores(gradebook).items()):
            profile = profiles.get(learner)
            row: dict[str, Any] = {
                "learner_id": learner,
                "cohort": profile.cohort if profile else "",
                "country": profile.country if profile else "",
            }
            row.update({name: score for name, score in scores.items()})
            row["total"] = round(sum(s or 0.0 for s in scores.values()), 6)
            row["max_total"] = sum(maxima.values())
            row["passed"] = rules.passed(scores)
            row["certificate"] = rules.certificate(scores)
            rows.append(row)
        return rows


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def export_grades(
    course_root: Path | str,
    kind: str,
    out: Path | str,
    *,
    db_url: str | None = None,
) -> Path:
    """Write one export (a name from :data:`EXPORT_FORMATS`) to ``out``."""
    root, out = Path(course_root), Path(out)
    if kind not in EXPORT_FORMATS:
        raise ValueError(
            f"Attempted to export grades as {kind!r}, which is not a known format. "
            f"Choose one of: {', '.join(EXPORT_FORMATS)}."
        )
    if kind == "results":
        results = learner_results(root, db_url=db_url)
        header = list(results[0]) if results else ["learner_id"]
        return _write(out, header, [[r[h] for h in header] for r in results])
    with _gradebook(root, db_url) as gradebook:
        if kind == "nbgrader":
            from nbgrader.plugins import CsvExportPlugin

            out.parent.mkdir(parents=True, exist_ok=True)
            CsvExportPlugin(to=str(out)).export(gradebook)
            return out
        if kind == "questions":
            return _questions(gradebook, out)
        scores = _scores(gradebook)
        students = {s.id: s for s in gradebook.students}
        assignments = [(a.name, float(a.max_score)) for a in gradebook.assignments]
        profiles = _profiles(gradebook)
        course = gradebook.course_id
        if kind == "moodle":
            header = ["ID number", "Email address"] + [
                f"{course} {a}" for a, _ in assignments
            ]
            rows = [
                [learner, students[learner].email or ""]
                + [_fmt(scores[learner][a]) for a, _ in assignments]
                for learner in sorted(scores)
            ]
            return _write(out, header, rows)
        header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        header += [f"{course} {a}" for a, _ in assignments]
        rows = [["Points Possible", "", "", "", ""] + [_fmt(m) for _, m in assignments]]
        for learner in sorted(scores):
            student = students[learner]
            name = ", ".join(p for p in (student.last_name, student.first_name) if p)
            section = profiles[learner].cohort if learner in profiles else ""
            rows.append(
                [name or learner, "", learner, student.email or "", section]
                + [_fmt(scores[learner][a]) for a, _ in assignments]
            )
        return _write(out, header, rows)


def _questions(gradebook: Any, out: Path) -> Path:
    header = [
        "assignment",
        "notebook",
        "question",
        "student_id",
        "auto_score",
        "manual_score",
        "extra_credit",
        "score",
        "max_score",
        "needs_manual_grade",
    ]
    rows = []
    for assignment in gradebook.assignments:
        for submission in assignment.submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    rows.append(
                        [
                            assignment.name,
                            notebook.name,
                            grade.name,
                            submission.student.id,
                            _fmt(grade.auto_score),
                            _fmt(grade.manual_score),
                            _fmt(grade.extra_credit),
                            _fmt(grade.score),
                            _fmt(grade.max_score),
                            grade.needs_manual_grade,
                        ]
                    )
    rows.sort(key=lambda r: (r[0], r[1], r[3], r[2]))
    return _write(out, header, rows)
