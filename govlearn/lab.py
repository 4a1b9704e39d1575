"""A learner's workspace for JupyterLab: every course, a home page, a sandbox.

:func:`prepare_workspace` fills a folder with the release notebooks of every
course (``<course-id>/<module>/<module>.ipynb``), a home page
(``Home.ipynb``) and a local nbgrader exchange, so the Assignments panel lists
every module and a learner can validate and submit from JupyterLab.
:func:`lab_command` and :func:`lab_environment` give the ``jupyter lab``
command that ``govlearn lab`` runs, with the sandbox settings its kernels
inherit.

A learner's own work is never overwritten: preparing a workspace again only
adds the notebooks that are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ._logging import logger

__all__ = [
    "HOME_PAGE",
    "CourseCopy",
    "LabWorkspace",
    "default_workspace",
    "home_page",
    "lab_command",
    "lab_environment",
    "prepare_workspace",
]

HOME_PAGE = "Home.ipynb"

#: nbgrader's JupyterLab parts a learner uses; the instructor ones are off.
LEARNER_LAB_EXTENSIONS = {
    "@jupyter/nbgrader:assignment-list": True,
    "@jupyter/nbgrader:validate-assignment": True,
    "@jupyter/nbgrader:menu": True,
    "@jupyter/nbgrader:formgrader": False,
    "@jupyter/nbgrader:create-assignment": False,
    "@jupyter/nbgrader:course-list": False,
}
LEARNER_SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}


@dataclass(frozen=True)
class CourseCopy:
    """One course as it sits in a workspace."""

    id: str
    title: str
    summary: str
    pass_mark: float
    modules: tuple[tuple[str, str, int, float], ...]
    folder: Path

    def notebook(self, module_id: str) -> Path:
        """The learner's notebook of ``module_id``."""
        return self.folder / module_id / f"{module_id}.ipynb"


@dataclass(frozen=True)
class LabWorkspace:
    """A prepared learner workspace."""

    folder: Path
    courses: tuple[CourseCopy, ...]
    exchange: Path
    config_dir: Path

    @property
    def home_page(self) -> Path:
        return self.folder / HOME_PAGE

    def course(self, course_id: str) -> CourseCopy:
        for course in self.courses:
            if course.id == course_id:
                return course
        raise KeyError(
            f"The workspace {self.folder} has no course {course_id!r}; it has "
            f"{', '.join(c.id for c in self.courses)}."
        )


def default_workspace() -> Path:
    """``learn/`` in the current folder."""
    return Path("learn")


def prepare_workspace(
    folder: Path | None = None,
    *,
    courses: list[str] | None = None,
    build_dir: Path | None = None,
) -> LabWorkspace:
    """Build the courses and lay out a learner workspace in ``folder``.

    ``courses`` names the courses to include (default: every course);
    ``build_dir`` is where the nbgrader course roots are built (default:
    ``<folder>/.govlearn/courses``).
    """
    from .courses import build_course, list_courses, load_course

    folder = (folder or default_workspace()).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    hidden = folder / ".govlearn"
    build_dir = (build_dir or hidden / "courses").resolve()
    exchange = hidden / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    copies = []
    for course_id in courses or list_courses():
        course = load_course(course_id)
        root = build_dir / course_id
        if not _up_to_date(course, root):
            root = build_course(course_id, out=root)
        target = folder / course_id
        for module in course.modules:
            _copy_missing(root / "release" / module.id, target / module.id)
        _release_to_exchange(root, [m.id for m in course.modules], exchange)
        copies.append(
            CourseCopy(
                id=course.id,
                title=course.title,
                summary=" ".join(course.summary.split()),
                pass_mark=course.pass_mark,
                modules=tuple(
                    (m.id, m.title, m.minutes, m.points) for m in course.modules
                ),
                folder=target,
            )
        )
        logger.info("Workspace course %s ready in %s", course_id, target)
    workspace = LabWorkspace(
        folder=folder,
        courses=tuple(copies),
        exchange=exchange,
        config_dir=hidden / "jupyter",
    )
    nbformat.write(home_page(workspace), str(workspace.home_page))
    _write_config(workspace)
    return workspace


def _up_to_date(course: Any, root: Path) -> bool:
    """Whether ``root`` holds a build of ``course`` newer than all its sources."""
    releases = [
        root / "release" / module.id / f"{module.id}.ipynb" for module in course.modules
    ]
    if not all(path.exists() for path in releases):
        return False
    from .courses.build import grading_config_path

    sources = [path for path in Path(course.path).rglob("*") if path.is_file()]
    sources.append(grading_config_path())
    newest_source = max(
        (path.stat().st_mtime for path in sources if path.exists()), default=0.0
    )
    oldest_release = min(path.stat().st_mtime for path in releases)
    return oldest_release > newest_source


def _copy_missing(source: Path, target: Path) -> None:
    """Copy the files of ``source`` that ``target`` does not have yet."""
    for path in sorted(source.rglob("*")):
        if path.is_dir() or ".ipynb_checkpoints" in path.parts:
            continue
        destination = target / path.relative_to(source)
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def _nbgrader_settings(exchange: Path) -> dict[str, dict[str, Any]]:
    return {
        "Exchange": {"root": str(exchange), "path_includes_course": True},
    }


def _release_to_exchange(root: Path, modules: list[str], exchange: Path) -> None:
    """Release every module into the workspace's own nbgrader exchange."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.merge(Config(_nbgrader_settings(exchange)))
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = root.name
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.ExchangeReleaseAssignment.force = True
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    for module_id in modules:
        result = api.release_assignment(module_id)
        if not result or not result.get("success"):
            from ._errors import GovLearnError

            raise GovLearnError(
                f"Attempted to release {root.name}/{module_id} to the workspace's "
                f"nbgrader exchange in {exchange}, but nbgrader failed: "
                f"{(result or {}).get('error') or (result or {}).get('log')}"
            )


def _write_config(workspace: LabWorkspace) -> None:
    """Learner-side nbgrader and JupyterLab settings for this workspace."""
    settings = _nbgrader_settings(workspace.exchange)
    lines = [
        "# nbgrader settings of this GovLearn workspace (written by govlearn lab).",
        "c = get_config()  # noqa: F821",
    ]
    for section, values in settings.items():
        for name, value in values.items():
            lines.append(f"c.{section}.{name} = {value!r}")
    text = "\n".join(lines) + "\n"
    (workspace.folder / "nbgrader_config.py").write_text(text)
    config_dir = workspace.config_dir
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "nbgrader_config.py").write_text(text)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {"ServerApp": {"jpserver_extensions": LEARNER_SERVER_EXTENSIONS}}, indent=2
        )
        + "\n"
    )
    # JupyterLab's own settings for this workspace: no news or update pop-ups.
    settings_dir = config_dir / "lab" / "user-settings" / "@jupyterlab"
    notification = settings_dir / "apputils-extension" / "notification"
    notification.parent.mkdir(parents=True, exist_ok=True)
    settings_file = notification.with_suffix(".jupyterlab-settings")
    if not settings_file.exists():
        settings_file.write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}) + "\n"
        )
    disabled = {name: True for name, on in LEARNER_LAB_EXTENSIONS.items() if not on}
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": disabled}, indent=2) + "\n"
    )


def home_page(workspace: LabWorkspace) -> nbformat.NotebookNode:
    """The workspace's home page: every course and module, with links."""
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Welcome to GovLearn\n\n"
            "These courses teach GovStack, the shared digital building blocks for "
            "government, by doing.\n"
            "Each module is a notebook.\n"
            "Open one, read it, and run its cells from top to bottom.\n\n"
            "The notebooks call a mock GovStack sandbox through `govlearn`.\n"
            "It runs on this computer: you need no account and no internet.\n"
            "All people and records in it are synthetic."
        ),
        nbformat.v4.new_markdown_cell(
            "## How to work through a module\n\n"
            "1. Open the module's notebook from the list below.\n"
            "2. Run the cells in order (**Run > Run All Cells** runs them all).\n"
            "3. Write your answers where a cell says `YOUR CODE HERE` or "
            "`YOUR ANSWER HERE`.\n"
            "4. Press **Validate** in the notebook's toolbar: it runs the "
            "notebook again and tells you which checks still fail.\n"
            "5. Submit from the **Assignments** panel "
            "(**Nbgrader > Assignments**)."
        ),
    ]
    for course in workspace.courses:
        rows = [
            "| Module | Minutes | Points |",
            "| --- | ---: | ---: |",
        ]
        for module_id, title, minutes, points in course.modules:
            link = f"{course.id}/{module_id}/{module_id}.ipynb"
            rows.append(f"| [{title}]({link}) | {minutes} | {points:g} |")
        minutes_total = sum(module[2] for module in course.modules)
        cells.append(
            nbformat.v4.new_markdown_cell(
                f"## {course.title}\n\n{course.summary}\n\n"
                + "\n".join(rows)
                + f"\n\nAbout {minutes_total} minutes in all. You pass the course "
                f"with {course.pass_mark:.0%} of its points."
            )
        )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def lab_environment(
    workspace: LabWorkspace, sandbox_url: str, learner_key: str
) -> dict[str, str]:
    """The environment of the ``jupyter lab`` process and so of its kernels.

    Kernels reach the sandbox that ``govlearn lab`` started, instead of each
    starting its own, so ``govlearn.connect()`` in a notebook is quick.
    """
    env = dict(os.environ)
    env["GOVLEARN_SANDBOX_URL"] = sandbox_url
    env["GOVLEARN_LEARNER_KEY"] = learner_key
    env["JUPYTER_CONFIG_DIR"] = str(workspace.config_dir)
    return env


def lab_command(
    workspace: LabWorkspace,
    *,
    port: int = 8888,
    open_browser: bool = True,
    extra: list[str] | None = None,
) -> list[str]:
    """The ``jupyter lab`` command for ``workspace``, opening its home page."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={workspace.folder}",
        f"--ServerApp.port={port}",
        f"--LabApp.default_url=/lab/tree/{HOME_PAGE}",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # JupyterLab refuses to run as root unless told; containers often do.
        command.append("--allow-root")
    return command + list(extra or [])
