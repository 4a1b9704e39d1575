"""A small simulated cohort, graded for real, read by the analytics layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlearn import analytics as an
from govlearn.cohort import simulate_and_grade

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def test_simulated_cohort_graded_for_real(tmp_path: Path) -> None:
    run = simulate_and_grade(
        tmp_path,
        as_of="2026-01-27",
        start="2026-01-12",
        size=5,
        seed=11,
        courses=["govstack-101"],
        workers=2,
        progress=False,
    )
    report = run.grading["govstack-101"]
    handed_in = run.submissions[run.submissions["submitted_at"].notna()]
    assert report.count("graded") + report.count("broken") == len(handed_in)

    programme = an.load_programme(
        run.gradebooks,
        run.roster,
        as_of=run.as_of,
        activity=an.load_activity(run.activity),
    )
    grades = programme.grades
    auto = (
        grades.items[grades.items["kind"] == "auto"]
        .groupby("module")["max_score"]
        .sum()
    )
    scored = grades.submissions.set_index(["learner", "module"])
    for row in handed_in.itertuples():
        if row.outcome in ("invalid-json",):
            continue
        got = scored.loc[(row.learner, row.module)]
        if row.outcome == "right" and not row.late:
            # every autograded point; reflections wait for a human grader
            assert got["score"] == pytest.approx(auto[row.module]), row
        if row.outcome in ("wrong", "empty"):
            assert got["score"] == 0.0, row
    funnel = an.funnel(programme).set_index("stage")["learners"]
    first = grades.modules.sort_values("position")["module"].iloc[0]
    expected = handed_in[handed_in["module"] == first]["learner"].nunique()
    assert funnel[f"Submitted {first}"] == expected
    # the learners practised in the sandbox as themselves: real mediator calls
    # in its message log (stamped with the clock time of the run)
    calls = an.load_activity(run.activity)
    assert len(calls) > 0
    assert set(calls["learner"]) <= set(handed_in["learner"])
    assert set(calls["service"]) >= {"SANDBOX/GOV/PROVIDER/TEST/health"}
