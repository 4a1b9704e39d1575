"""``govlearn grade`` on the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from govlearn.cli import main

from .conftest import answered, submit

ROSTER = (
    "learner_id,name,email,country,continent,cohort,organisation\n"
    "amina,Amina Diallo,amina@example.org,Senegal,Africa,wig-1,Ministry of ICT\n"
    "bad id,Bad,bad,Senegal,Africa,wig-1,Ministry of ICT\n"
)


def test_roster_reports_bad_rows_and_exits_1(course_root: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    result = CliRunner().invoke(
        main, ["grade", "roster", str(course_root), str(roster)]
    )
    assert result.exit_code == 1
    assert "Imported 1 learners." in result.output
    assert "line 3" in result.output


def test_unknown_course_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["grade", "autograde", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "govlearn course build" in result.output


def test_autograde_then_export(course_root: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVLEARN_NO_PROGRESS", "1")
    submit(
        course_root,
        "amina",
        "02-tiny",
        answered(course_root, "02-tiny", double="def double(x):\n    return x + x"),
    )
    result = CliRunner().invoke(
        main,
        [
            "grade",
            "autograde",
            str(course_root),
            "--workers",
            "1",
            "--no-sandbox",
            "--json",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 graded, 0 broken" in result.output
    out = tmp_path / "grades.csv"
    exported = CliRunner().invoke(
        main, ["grade", "export", str(course_root), "questions", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert "amina,1,,,1,1" in out.read_text().replace("test_double,", "")
