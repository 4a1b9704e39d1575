"""Simulated submissions: what each learner of a cohort hands in, and when.

Each learner gets a seeded profile: *skill* (the chance of getting a part
right), *pace* (days before or after the due date they usually submit),
*persistence* (the module after which some learners stop) and a small
chance of skipping a module. From the course's release notebooks and the
source notebooks' solution regions, every submitted notebook answers each
graded part one of three ways:

* **right**: the solution from the source notebook;
* **wrong**: the answer region replaced by ``pass`` (the code runs, the
  tests fail);
* **empty**: the release stub left as it is (``raise NotImplementedError``).

A notebook with some parts right is *partly right*. A small share of
submissions is **broken** on purpose: a syntax error in an answer, a deleted
test cell, a file that is not valid JSON, or (at most ``max_loops`` per run,
since each costs a full cell timeout) an answer that never stops. Work due
after the as-of date, or submitted after it, is not handed in yet; learners
who stop or skip leave modules **missing**; submissions after the due date are
**late**.

The notebooks call the sandbox through ``govlearn.connect()`` as the course
cells do; when ``govlearn grade`` runs them, each runs with its learner's
identity. The output is nbgrader's ``submitted/<learner>/<module>/`` tree with
a ``timestamp.txt`` per submission. The same seed gives the same files.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
from nbformat import NotebookNode

__all__ = [
    "BROKEN_KINDS",
    "LearnerProfile",
    "learner_profiles",
    "simulate_course_submissions",
]

BROKEN_KINDS = ("syntax-error", "deleted-cell", "invalid-json", "infinite-loop")
_REFLECTIONS = [
    "Our agency built its own sign-in twice. A shared Identity building block "
    "would let both services reuse one.",
    "The registry we run has no API. Putting it behind the Information "
    "Mediator would let the social protection office query it safely.",
    "We pay benefits by hand today. The Payments building block would make "
    "the transfers traceable.",
    "Not sure yet.",
]


@dataclass(frozen=True)
class LearnerProfile:
    """How one simulated learner studies.

    ``skill``: chance of answering a part right (0-1). ``pace``: days from
    the due date to the usual submission (negative = early). ``stops_after``:
    the number of modules per course after which the learner stops (``None``:
    never). ``skip``: chance of leaving any one module out. ``broken``:
    chance that a submission is broken.
    """

    learner: str
    skill: float
    pace: float
    stops_after: int | None
    skip: float
    broken: float


def _rng(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def learner_profiles(roster: pd.DataFrame, seed: int = 2023) -> list[LearnerProfile]:
    """A seeded profile per roster learner (see :class:`LearnerProfile`)."""
    profiles = []
    for learner in roster["learner_id"]:
        rng = _rng(seed, "profile", str(learner))
        kind = rng.random()
        stops = None
        if kind < 0.05:
            stops = 0  # enrolled but never starts
        elif kind < 0.22:
            stops = int(rng.integers(1, 4))
        profiles.append(
            LearnerProfile(
                learner=str(learner),
                skill=float(np.clip(rng.beta(5.0, 1.4), 0.05, 0.99)),
                pace=float(rng.normal(-1.5, 2.5)),
                stops_after=stops,
                skip=float(rng.uniform(0.0, 0.08)),
                broken=0.03,
            )
        )
    return profiles


def _answer_text(source: str, right: bool) -> str:
    from govlearn.courses.samples import answer_text

    return answer_text(source, right)


def _grade_id(cell: NotebookNode) -> str:
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))


def _kind(cell: NotebookNode) -> str:
    from govlearn.courses.cells import cell_kind

    return cell_kind(cell)


def _fill(
    release: NotebookNode,
    answers: Mapping[str, str],
    plan: Mapping[str, str],
    reflection: str,
) -> NotebookNode:
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        grade_id = _grade_id(cell)
        kind = _kind(cell)
        if kind == "answer" and grade_id in answers:
            how = plan.get(grade_id, "empty")
            if how != "empty":
                cell.source = _answer_text(answers[grade_id], how == "right")
        elif kind == "manual" and reflection:
            cell.source = reflection
    return notebook


def _break(notebook: NotebookNode, how: str, rng: np.random.Generator) -> NotebookNode:
    answers = [c for c in notebook.cells if _kind(c) == "answer"]
    tests = [c for c in notebook.cells if _kind(c) == "test"]
    if how == "syntax-error" and answers:
        cell = answers[int(rng.integers(len(answers)))]
        cell.source = cell.source + "\nresult = (1, 2\n"
    elif how == "infinite-loop" and answers:
        cell = answers[int(rng.integers(len(answers)))]
        cell.source = cell.source + "\nwhile True:\n    pass\n"
    elif how == "deleted-cell" and tests:
        notebook.cells.remove(tests[int(rng.integers(len(tests)))])
    return notebook


def _timestamp(when: pd.Timestamp) -> str:
    return when.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def simulate_course_submissions(
    course_root: str | os.PathLike[str],
    course: str,
    roster: pd.DataFrame,
    schedule: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    seed: int = 2023,
    out: str | os.PathLike[str] | None = None,
    loops_left: list[int] | None = None,
) -> pd.DataFrame:
    """Write one course's simulated submissions; return what was written.

    ``course_root`` is a built nbgrader course root (``release/`` and
    ``source/``); submissions go to ``out`` (default
    ``<course_root>/submitted``). ``schedule`` comes from
    :func:`~.schedule.programme_schedule`. ``loops_left`` is a one-item list
    counting the infinite loops still allowed in this run (shared between
    courses).

    Returns one row per (learner, module): ``course``, ``learner``,
    ``module``, ``outcome`` (``right``, ``partly-right``, ``wrong``,
    ``empty``, a broken kind, ``missing`` or ``not-yet``), ``right_parts``,
    ``parts``, ``submitted_at``, ``late``.
    """
    from govlearn.courses.cells import ModuleNotebook, read_notebook

    root = Path(course_root)
    target = Path(out) if out is not None else root / "submitted"
    stamp = pd.Timestamp(as_of)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    if stamp == stamp.normalize():
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    loops = loops_left if loops_left is not None else [1]
    modules = schedule[schedule["course"] == course].sort_values("position")
    enrolled = roster[
        roster["courses"]
        .fillna("")
        .map(lambda text: course in text.split(";") or text == "")
    ]
    profiles = {p.learner: p for p in learner_profiles(enrolled, seed)}
    material = {}
    for module in modules["module"]:
        source = read_notebook(root / "source" / module / f"{module}.ipynb")
        release = read_notebook(root / "release" / module / f"{module}.ipynb")
        parts = [p.answer_id for p in ModuleNotebook.from_notebook(source).parts]
        answers = {_grade_id(c): c.source for c in source.cells if _kind(c) == "answer"}
        material[module] = (release, parts, answers)
    rows = []
    for learner, enrolled_on in zip(
        enrolled["learner_id"], enrolled["enrolled_on"], strict=True
    ):
        profile = profiles[str(learner)]
        start = pd.Timestamp(enrolled_on)
        start = start.tz_localize("UTC") if start.tzinfo is None else start
        for row in modules.itertuples():
            rng = _rng(seed, "submission", course, str(learner), row.module)
            release, parts, answers = material[row.module]
            record = {
                "course": course,
                "learner": learner,
                "module": row.module,
                "outcome": "missing",
                "right_parts": 0,
                "parts": len(parts),
                "submitted_at": pd.NaT,
                "late": False,
            }
            stopped = (
                profile.stops_after is not None and row.position > profile.stops_after
            )
            skipped = rng.random() < profile.skip
            offset = profile.pace + rng.normal(0.0, 1.5)
            when = row.duedate + pd.Timedelta(days=float(offset))
            when = max(when, row.opens + pd.Timedelta(hours=6), start)
            when = when.floor("s")
            if stopped or skipped or when > stamp:
                if row.duedate > stamp and not stopped:
                    record["outcome"] = "not-yet"
                rows.append(record)
                continue
            plan = {
                part: (
                    "right"
                    if rng.random() < profile.skill
                    else ("wrong" if rng.random() < 0.7 else "empty")
                )
                for part in parts
            }
            right = sum(1 for how in plan.values() if how == "right")
            reflection = _REFLECTIONS[int(rng.integers(len(_REFLECTIONS)))]
            if rng.random() < 0.1:
                reflection = ""
            notebook = _fill(release, answers, plan, reflection)
            broken = ""
            if rng.random() < profile.broken:
                choices = list(BROKEN_KINDS[:3])
                if loops[0] > 0:
                    choices.append("infinite-loop")
                broken = choices[int(rng.integers(len(choices)))]
                if broken == "infinite-loop":
                    loops[0] -= 1
                notebook = _break(notebook, broken, rng)
            folder = target / str(learner) / row.module
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{row.module}.ipynb"
            if broken == "invalid-json":
                text = nbformat.writes(notebook)
                path.write_text(text[: len(text) // 2], encoding="utf-8")
            else:
                nbformat.write(notebook, str(path))
            (folder / "timestamp.txt").write_text(_timestamp(when) + "\n")
            if broken:
                outcome = broken
            elif right == len(parts) and parts:
                outcome = "right"
            elif right:
                outcome = "partly-right"
            elif all(how == "empty" for how in plan.values()):
                outcome = "empty"
            else:
                outcome = "wrong"
            record.update(
                outcome=outcome,
                right_parts=right,
                submitted_at=when,
                late=bool(when > row.duedate),
            )
            rows.append(record)
    return pd.DataFrame(rows)
