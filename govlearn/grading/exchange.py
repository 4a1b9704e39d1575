"""Getting assignments to learners and submissions back, nbgrader's way.

* :func:`release` / :func:`collect` - nbgrader's exchange: a folder every
  learner on the machine (or on a JupyterHub with a shared volume) can reach.
* :func:`collect_folder` - a folder of submissions, ``<learner>/<assignment>/``
  or ``<learner>/`` for one assignment, copied into ``submitted/``.
* :func:`collect_zip` - an LMS download, through nbgrader's ``zip_collect``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Collected",
    "LMS_FILE_PATTERN",
    "collect",
    "collect_folder",
    "collect_zip",
    "release",
]

#: Default zip_collect pattern: ``..._<learner-id>_<NN-module>.ipynb``, the way
#: Moodle and Canvas downloads end when learners upload ``<id>_<module>.ipynb``.
LMS_FILE_PATTERN = (
    r".*[/_](?P<student_id>[A-Za-z0-9.@-]+)_(?P<file_id>\d{2}-[A-Za-z0-9-]+\.ipynb)$"
)


@dataclass
class Collected:
    """Submissions copied into ``submitted/``, and files that were not used."""

    submissions: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _api(course_root: Path, exchange: Path | None) -> Any:
    from .course import nbgrader_api

    return nbgrader_api(course_root, exchange=exchange)


def _check(result: dict[str, Any], attempted: str) -> dict[str, Any]:
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()
        raise RuntimeError(
            f"Attempted to {attempted}, but nbgrader failed: "
            f"{detail[-1] if detail else 'no details'}. Run with -v for nbgrader's log."
        )
    return result


def release(course_root: Path | str, assignment: str, exchange: Path | str) -> None:
    """Put a built assignment in the exchange for learners to fetch.

    The exchange folder must exist and be writable by every learner (for one
    machine: ``mkdir -m 777``; on JupyterHub, a volume mounted in every server).
    """
    root, folder = Path(course_root), Path(exchange)
    folder.mkdir(parents=True, exist_ok=True)
    _check(_api(root, folder).release_assignment(assignment), f"release {assignment!r}")


def collect(
    course_root: Path | str, assignment: str, exchange: Path | str
) -> Collected:
    """Copy learners' submissions of ``assignment`` from the exchange."""
    root = Path(course_root)
    _check(_api(root, Path(exchange)).collect(assignment), f"collect {assignment!r}")
    return Collected(
        [
            (assignment, p.parent.name)
            for p in sorted(root.glob(f"submitted/*/{assignment}"))
        ]
    )


def collect_folder(
    course_root: Path | str, folder: Path | str, assignment: str | None = None
) -> Collected:
    """Copy a folder of submissions into ``submitted/``.

    With ``assignment``, ``folder`` holds ``<learner>/<notebook>.ipynb``;
    without it, ``<learner>/<assignment>/<notebook>.ipynb``. A
    ``timestamp.txt`` beside the notebooks (nbgrader's format) is kept, so
    late penalties apply.
    """
    root, folder = Path(course_root), Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Attempted to collect submissions from {folder}, but it is not a folder."
        )
    known = {p.name for p in (root / "source").iterdir() if p.is_dir()}
    result = Collected()
    for learner in sorted(p for p in folder.iterdir() if p.is_dir()):
        pairs = (
            [(assignment, learner)]
            if assignment
            else [(p.name, p) for p in sorted(learner.iterdir()) if p.is_dir()]
        )
        for name, source in pairs:
            if name not in known:
                result.skipped.append(
                    f"{source}: no assignment {name!r} in this course"
                )
                continue
            if not any(source.glob("*.ipynb")):
                result.skipped.append(f"{source}: no notebooks")
                continue
            dest = root / "submitted" / learner.name / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(
                source, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
            )
            result.submissions.append((name, learner.name))
    return result


def collect_zip(
    course_root: Path | str,
    archive: Path | str,
    assignment: str,
    *,
    pattern: str = LMS_FILE_PATTERN,
) -> Collected:
    """Collect an LMS zip download with nbgrader's ``zip_collect``.

    The archive goes to ``downloaded/<assignment>/archive/``, nbgrader
    extracts it and maps each file name to a learner with ``pattern`` (a
    regular expression with ``student_id`` and ``file_id`` groups, and
    optionally ``timestamp``). Files it could not match are listed in
    ``skipped``.
    """
    from .course import ensure_tools_on_path

    root, archive = Path(course_root).resolve(), Path(archive)
    if not archive.is_file():
        raise FileNotFoundError(
            f"Attempted to collect {archive}, but there is no such file."
        )
    target = root / "downloaded" / assignment / "archive"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(archive, target / archive.name)
    ensure_tools_on_path()
    env = dict(os.environ, GOVLEARN_COURSE_ROOT=str(root))
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "zip_collect",
            assignment,
            "--force",
            f"--FileNameCollectorPlugin.named_regexp={pattern}",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        lines = (process.stderr or process.stdout).strip().splitlines()
        raise RuntimeError(
            f"Attempted to collect {archive.name} with nbgrader zip_collect, but it "
            f"failed: {lines[-1] if lines else process.returncode}"
        )
    result = Collected()
    for learner in sorted(
        p.parent.name for p in root.glob(f"submitted/*/{assignment}")
    ):
        result.submissions.append((assignment, learner))
    for line in process.stderr.splitlines():
        if "Skipped submission" in line or "Invalid submission" in line:
            result.skipped.append(line.split("]", 1)[-1].strip())
    return result
