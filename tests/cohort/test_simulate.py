"""The simulated cohort: a plausible roster, reproducible submissions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from govlearn.cohort import (
    COHORT_SIZE,
    programme_schedule,
    simulate_cohort,
    simulate_course_submissions,
    simulate_roster,
)

DATA = Path(__file__).resolve().parents[2] / "data"


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_roster_is_like_the_challenge() -> None:
    roster = simulate_roster()
    assert len(roster) == COHORT_SIZE == 139
    assert roster["continent"].nunique() == 5
    assert roster["learner_id"].is_unique
    assert roster["email"].str.endswith("@example.org").all()
    assert roster["courses"].str.contains("govstack-101").all()
    assert roster["country"].nunique() >= 20
    assert roster["organisation_type"].nunique() >= 4


def test_committed_roster_is_the_default_simulation() -> None:
    committed = pd.read_csv(
        DATA / "women_in_govtech_roster.csv", dtype=str, keep_default_na=False
    )
    pd.testing.assert_frame_equal(committed, simulate_roster().astype(str))


def test_roster_is_accepted_by_the_grading_import() -> None:
    from govlearn.grading.roster import read_roster

    imported = read_roster(DATA / "women_in_govtech_roster.csv")
    assert imported.problems == []
    assert len(imported.entries) == 139


def test_schedule_orders_modules_weekly() -> None:
    schedule = programme_schedule(
        {"govstack-101": ["a", "b"], "x": ["c"]}, "2026-01-12"
    )
    due = schedule.set_index("module")["duedate"]
    assert due["b"] - due["a"] == pd.Timedelta(days=7)
    assert due["a"] == pd.Timestamp("2026-01-19 23:59", tz="UTC")


@pytest.mark.slow
def test_same_seed_same_files(tmp_path: Path) -> None:
    runs = []
    for name in ("one", "two"):
        run = simulate_cohort(
            tmp_path / name,
            as_of="2026-02-02",
            start="2026-01-12",
            size=30,
            courses=["govstack-101"],
            seed=7,
        )
        runs.append(run)
    first, second = (
        _digest(run.course_roots["govstack-101"] / "submitted") for run in runs
    )
    assert first == second and first
    assert _digest_file(runs[0].roster) == _digest_file(runs[1].roster)
    assert _digest_file(runs[0].manifest) == _digest_file(runs[1].manifest)

    subs = runs[0].submissions
    handed_in = subs[subs["submitted_at"].notna()]
    # a mix of outcomes, including work that is not due yet on 2 February
    assert {"right", "partly-right", "missing", "not-yet"} <= set(subs["outcome"])
    assert handed_in["late"].any() and (~handed_in["late"]).any()
    root = runs[0].course_roots["govstack-101"]
    for row in handed_in.itertuples():
        folder = root / "submitted" / row.learner / row.module
        stamp = (folder / "timestamp.txt").read_text().strip()
        assert pd.Timestamp(stamp.removesuffix(" UTC"), tz="UTC") == row.submitted_at
        if row.outcome != "invalid-json":
            nbformat.read(folder / f"{row.module}.ipynb", as_version=4)
    # nothing is handed in after the as-of date
    assert (handed_in["submitted_at"] <= pd.Timestamp("2026-02-03", tz="UTC")).all()

    # another seed gives other learners' work
    roster = pd.read_csv(runs[0].roster, dtype=str, keep_default_na=False)
    schedule = pd.read_csv(runs[0].schedule, parse_dates=["opens", "duedate"])
    other = simulate_course_submissions(
        root,
        "govstack-101",
        roster,
        schedule,
        "2026-02-02",
        seed=8,
        out=tmp_path / "other",
    )
    assert not other["outcome"].equals(subs["outcome"])


def _digest_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dates_default_to_the_middle_of_the_programme() -> None:
    from govlearn.cohort import resolve_dates

    assert resolve_dates("2026-03-02", None) == ("2026-03-02", "2026-01-12")
    assert resolve_dates("2026-03-02", "2026-01-05") == ("2026-03-02", "2026-01-05")
    assert resolve_dates("2026-05-02", None) == ("2026-05-02", "2026-01-12")
    today, start = resolve_dates("today", None)
    assert today == pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")
    assert pd.Timestamp(today) - pd.Timestamp(start) == pd.Timedelta(days=49)
