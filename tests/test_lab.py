"""``govlearn lab``'s workspace: every module, a home page, the learner's work kept."""

from __future__ import annotations

import json

import nbformat
import pytest
from click.testing import CliRunner

from govlearn.cli import main

COURSE = "govstack-101"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from govlearn.lab import prepare_workspace

    return prepare_workspace(tmp_path_factory.mktemp("lab") / "learn", courses=[COURSE])


def test_every_module_is_laid_out_with_a_home_page(workspace) -> None:  # type: ignore[no-untyped-def]
    from govlearn.courses import load_course

    course = load_course(COURSE)
    home = nbformat.read(workspace.home_page, 4)
    text = "\n".join(cell.source for cell in home.cells)
    for module in course.modules:
        notebook = workspace.course(COURSE).notebook(module.id)
        assert notebook.exists()
        assert f"({COURSE}/{module.id}/{module.id}.ipynb)" in text
        released = workspace.exchange / COURSE / "outbound" / module.id
        assert (released / f"{module.id}.ipynb").exists()
    assert all(cell.cell_type == "markdown" for cell in home.cells)


def test_learner_settings_turn_the_instructor_parts_off(workspace) -> None:  # type: ignore[no-untyped-def]
    config = workspace.config_dir
    server = json.loads((config / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True
    assert extensions["nbgrader.server_extensions.assignment_list"] is True
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    page = json.loads((config / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]
    nbgrader = (workspace.folder / "nbgrader_config.py").read_text()
    assert f"c.Exchange.root = {str(workspace.exchange)!r}" in nbgrader


def test_preparing_again_keeps_the_learners_work(workspace) -> None:  # type: ignore[no-untyped-def]
    from govlearn.lab import prepare_workspace

    notebook = workspace.course(COURSE).notebook("01-why-govstack")
    mine = nbformat.read(notebook, 4)
    mine.cells.append(nbformat.v4.new_markdown_cell("My own notes."))
    nbformat.write(mine, str(notebook))
    missing = workspace.course(COURSE).notebook("02-building-blocks")
    missing.unlink()
    build = workspace.folder / ".govlearn" / "courses" / COURSE / "release"
    stamp = (build / "01-why-govstack" / "01-why-govstack.ipynb").stat().st_mtime

    again = prepare_workspace(workspace.folder, courses=[COURSE])

    kept = nbformat.read(again.course(COURSE).notebook("01-why-govstack"), 4)
    assert kept.cells[-1].source == "My own notes."
    assert missing.exists()
    # the course was up to date, so it was not built again
    assert (
        build / "01-why-govstack" / "01-why-govstack.ipynb"
    ).stat().st_mtime == stamp


def test_lab_help_lists_its_options() -> None:
    result = CliRunner().invoke(main, ["lab", "--help"])
    assert result.exit_code == 0
    for option in ("--workspace", "--port", "--no-browser", "--prepare-only"):
        assert option in result.output
