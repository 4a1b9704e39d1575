"""Release and collect: nbgrader's exchange, a folder, an LMS zip download."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from govlearn.grading import collect, collect_folder, collect_zip, release

from .conftest import answered, released

RIGHT = {"double": "def double(x):\n    return 2 * x"}


def test_collect_a_folder_of_submissions(course_root: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "amina" / "02-tiny").mkdir(parents=True)
    nbformat.write(
        answered(course_root, "02-tiny", **RIGHT),
        inbox / "amina" / "02-tiny" / "02-tiny.ipynb",
    )
    (inbox / "amina" / "02-tiny" / "timestamp.txt").write_text(
        "2026-03-01 10:00:00 UTC"
    )
    (inbox / "bo" / "99-unknown").mkdir(parents=True)
    (inbox / "cy" / "02-tiny").mkdir(parents=True)

    result = collect_folder(course_root, inbox)

    assert result.submissions == [("02-tiny", "amina")]
    assert len(result.skipped) == 2
    folder = course_root / "submitted" / "amina" / "02-tiny"
    assert (folder / "02-tiny.ipynb").is_file() and (folder / "timestamp.txt").is_file()


@pytest.mark.slow
def test_collect_an_lms_zip_with_nbgrader_zip_collect(
    course_root: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "download.zip"
    good = nbformat.writes(answered(course_root, "02-tiny", **RIGHT))
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(
            "Amina Diallo_1001_assignsubmission_file_amina_02-tiny.ipynb", good
        )
        bundle.writestr("Bo Li_1002_assignsubmission_file_bo_02-tiny.ipynb", good)
        bundle.writestr("Cy_1003_assignsubmission_file_readme.txt", "not a notebook")

    result = collect_zip(course_root, archive, "02-tiny")

    assert result.submissions == [("02-tiny", "amina"), ("02-tiny", "bo")]
    assert (course_root / "submitted" / "bo" / "02-tiny" / "02-tiny.ipynb").is_file()


@pytest.mark.slow
def test_release_and_collect_through_the_exchange(
    course_root: Path, tmp_path: Path
) -> None:
    exchange = tmp_path / "exchange"
    release(course_root, "02-tiny", exchange)
    assert (
        exchange / "grading-basics" / "outbound" / "02-tiny" / "02-tiny.ipynb"
    ).is_file()

    learner = tmp_path / "learner"
    learner.mkdir()
    env = dict(
        os.environ,
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
    )
    flags = ["--course", "grading-basics", f"--Exchange.root={exchange}"]
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(
        nbgrader + ["fetch_assignment", "02-tiny", *flags],
        cwd=learner,
        env=env,
        check=True,
        capture_output=True,
    )
    fetched = learner / "02-tiny" / "02-tiny.ipynb"
    nbformat.write(answered(course_root, "02-tiny", **RIGHT), fetched)
    subprocess.run(
        nbgrader + ["submit", "02-tiny", *flags],
        cwd=learner,
        env=env,
        check=True,
        capture_output=True,
    )

    result = collect(course_root, "02-tiny", exchange)

    user = getpass.getuser()
    assert ("02-tiny", user) in result.submissions
    collected = nbformat.read(
        course_root / "submitted" / user / "02-tiny" / "02-tiny.ipynb", 4
    )
    assert "return 2 * x" in collected.cells[1].source
    assert released(course_root, "02-tiny").cells[1].source != collected.cells[1].source
