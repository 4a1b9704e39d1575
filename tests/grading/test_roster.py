"""Roster import: every bad row reported with its line; keys issued in one step."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
from nbgrader.api import Gradebook

from govlearn.grading import import_roster, issue_keys
from govlearn.grading.roster import parse_roster
from govlearn.grading.store import LearnerProfile

HEADER = "learner_id,name,email,country,continent,cohort,organisation\n"
GOOD = [
    "wig-001,Amina Diallo,amina@example.org,Senegal,Africa,wig-1,Ministry of ICT\n",
    'wig-002,Lan Nguyen,lan@example.org,Viet Nam,Asia,wig-1,"Digital Office, Hanoi"\n',
]


def test_bad_rows_are_reported_with_line_and_reason() -> None:
    text = (
        HEADER
        + "".join(GOOD)
        + (
            "wig 3,Bad Id,bad@example.org,Kenya,Africa,wig-1,Treasury\n"
            "wig-001,Again,again@example.org,Kenya,Africa,wig-1,Treasury\n"
            "wig-004,No Mail,not-an-email,Kenya,Africa,wig-1,Treasury\n"
            "wig-005,Far Away,far@example.org,Kenya,Atlantis,wig-1,Treasury\n"
            "wig-006,Short Row,short@example.org\n"
            "\n"
            "wig-007,,empty@example.org,Kenya,Africa,,Treasury\n"
        )
    )
    result = parse_roster(text)
    assert [e.learner_id for e in result.entries] == ["wig-001", "wig-002"]
    found = {p.line: p.reason for p in result.problems}
    assert sorted(found) == [4, 5, 6, 7, 8, 10]
    assert "'wig 3'" in found[4]
    assert "repeats line 2" in found[5]
    assert "not an email address" in found[6]
    assert "Atlantis" in found[7]
    assert "fields" in found[8]
    assert "name is empty" in found[10] and "cohort is empty" in found[10]


def test_missing_columns_stop_the_import() -> None:
    result = parse_roster("learner_id,name\nwig-1,Amina\n")
    assert not result.entries
    assert result.problems[0].line == 1 and "email" in result.problems[0].reason


def test_import_fills_nbgrader_students_and_profiles(
    course_root: Path, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + "".join(GOOD) + "bad id,x,y,z,Asia,c,o\n")
    result = import_roster(course_root, roster)
    assert len(result.entries) == 2 and result.problems[0].line == 4
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_root.name) as gb:
        student = gb.find_student("wig-002")
        assert (student.first_name, student.last_name) == ("Lan", "Nguyen")
        profile = gb.db.get(LearnerProfile, "wig-002")
        assert profile.organisation == "Digital Office, Hanoi"
        assert profile.continent == "Asia"


def test_keys_for_the_cohort_in_one_step(sqlite_sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    entries = parse_roster(HEADER + "".join(GOOD)).entries
    out = tmp_path / "keys.csv"
    issued = issue_keys(entries, sqlite_sandbox.url, sqlite_sandbox.admin_key, out)
    assert issued.issued == ["wig-001", "wig-002"]
    assert (out.stat().st_mode & 0o777) == 0o600
    rows = list(csv.DictReader(out.open()))
    for row in rows:
        who = httpx.get(
            f"{row['sandbox_url']}/workspace", headers={"X-GovLearn-Key": row["key"]}
        )
        assert who.status_code == 200, who.text
        assert who.json()["learnerId"] == row["learner_id"]
    again = issue_keys(entries, sqlite_sandbox.url, sqlite_sandbox.admin_key, out)
    assert again.issued == [] and [r[0] for r in again.refused] == [
        "wig-001",
        "wig-002",
    ]
    rotated = issue_keys(
        entries, sqlite_sandbox.url, sqlite_sandbox.admin_key, out, rotate=True
    )
    assert rotated.issued == ["wig-001", "wig-002"]
