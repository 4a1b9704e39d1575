"""``govlearn course list|check|build``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from govlearn.cli import main


def test_list_shows_modules_and_points() -> None:
    result = CliRunner().invoke(main, ["course", "list"])
    assert result.exit_code == 0, result.output
    assert "govstack-101  GovStack 101: 5 modules" in result.output
    assert "05-first-calls" in result.output


def test_check_one_course() -> None:
    result = CliRunner().invoke(main, ["course", "check", "govstack-101"])
    assert result.exit_code == 0, result.output
    assert "govstack-101: ok" in result.output


def test_unknown_course_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["course", "check", "no-such-course"])
    assert result.exit_code != 0
    assert "There is no course 'no-such-course'" in result.output


def test_build_into_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "root"
    result = CliRunner().invoke(
        main, ["course", "build", "govstack-101", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "release" / "05-first-calls" / "05-first-calls.ipynb").is_file()
    assert f"built {out}" in result.output


def test_out_needs_one_course(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["course", "build", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "--out needs a single COURSE" in result.output
