"""Metrics on the hand-made gradebook (see conftest.py) give known values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from govlearn import analytics as an


def test_gradebook_tables(handmade) -> None:
    grades = an.load_gradebook(handmade["url"])
    assert grades.courses == ["c101"]
    assert grades.modules[["module", "position", "max_score", "n_items"]].to_dict(
        "records"
    ) == [
        {"module": "m1", "position": 1, "max_score": 5.0, "n_items": 2},
        {"module": "m2", "position": 2, "max_score": 10.0, "n_items": 2},
    ]
    assert dict(
        zip(
            grades.items["item"] + "/" + grades.items["module"],
            grades.items["kind"],
            strict=True,
        )
    ) == {"q1/m1": "auto", "q2/m1": "auto", "q1/m2": "auto", "r1/m2": "manual"}
    subs = grades.submissions.set_index(["module", "learner"])
    assert subs.loc[("m1", "ana"), "score"] == 5.0
    assert subs.loc[("m2", "ana"), "score"] == 9.0
    assert subs.loc[("m2", "dev"), "needs_manual"]
    assert subs.loc[("m1", "cleo"), "late"]
    assert subs.loc[("m1", "cleo"), "seconds_late"] == pytest.approx(
        (
            pd.Timestamp("2026-03-12 10:00") - pd.Timestamp("2026-03-10 23:59")
        ).total_seconds()
    )
    assert not subs.loc[("m1", "ben"), "late"]
    # each submission carries its questions' scores; dev's r1 waits for a grader
    assert subs.loc[("m1", "ben"), ["answer_0", "answer_1"]].tolist() == [2.0, 0.0]
    assert math.isnan(subs.loc[("m2", "dev"), "answer_1"])
    assert grades.items["slot"].tolist() == [0, 1, 0, 1]


def test_learner_progress(programme) -> None:
    table = an.learner_progress(programme).set_index("learner")
    assert list(table.index) == ["ana", "ben", "cleo", "dev", "eve", "fay"]
    assert table["submitted"].to_dict() == {
        "ana": 2,
        "ben": 2,
        "cleo": 1,
        "dev": 2,
        "eve": 0,
        "fay": 0,
    }
    assert table["overdue"].to_dict() == {
        "ana": 0,
        "ben": 0,
        "cleo": 1,
        "dev": 0,
        "eve": 2,
        "fay": 2,
    }
    assert table.loc["dev", "percent"] == pytest.approx(100 * 10 / 15)
    assert table["passed"][table["passed"]].index.tolist() == ["ana", "dev"]
    assert table["certified"][table["certified"]].index.tolist() == ["ana"]


def test_funnel(programme) -> None:
    funnel = an.funnel(programme)
    assert list(zip(funnel["stage"], funnel["learners"], strict=True)) == [
        ("Enrolled", 6),
        ("Started", 4),
        ("Submitted m1", 4),
        ("Submitted m2", 3),
        ("Passed", 2),
        ("Certified", 1),
    ]
    assert funnel["share_of_enrolled"].iloc[-1] == pytest.approx(1 / 6)


def test_completion_and_pass_rates(programme) -> None:
    row = an.completion_rates(programme).iloc[0]
    assert (row.enrolled, row.started, row.completed, row.passed, row.certified) == (
        6,
        4,
        3,
        2,
        1,
    )
    assert row.completion_rate == pytest.approx(0.5)
    assert row.pass_rate == pytest.approx(2 / 6)
    assert row.pass_rate_of_completers == pytest.approx(2 / 3)
    assert row.certification_rate == pytest.approx(1 / 6)
    # course percents of the starters: 14/15, 5/15, 0/15, 10/15
    assert row.mean_percent == pytest.approx(100 * 29 / 60)


def test_module_results(programme) -> None:
    table = an.module_results(programme).set_index("module")
    assert table.loc["m1", "submitted"] == 4
    assert table.loc["m1", "late_share"] == pytest.approx(0.25)
    assert table.loc["m1", "pass_rate"] == pytest.approx(0.5)
    assert table.loc["m2", "pass_rate"] == pytest.approx(1 / 3)
    assert table.loc["m2", "awaiting_manual"] == 1
    assert table.loc["m2", "mean_percent"] == pytest.approx((90 + 30 + 50) / 3)


def test_score_distribution(programme) -> None:
    table = an.score_distribution(programme).set_index("module")
    assert table.loc["m1", "median"] == pytest.approx(70.0)
    assert [table.loc["m1", f"bin_{i}"] for i in range(10)] == [
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        0,
        2,
    ]


def test_item_analysis(programme) -> None:
    table = an.item_analysis(programme).set_index(["module", "item"])
    # m1/q1 scores (ana, ben, cleo, dev) = 2, 2, 0, 2; rest of m1 = 3, 0, 0, 3
    assert table.loc[("m1", "q1"), "difficulty"] == pytest.approx(0.75)
    assert table.loc[("m1", "q1"), "discrimination"] == pytest.approx(
        0.75 / math.sqrt(0.75 * 2.25)
    )
    assert table.loc[("m1", "q2"), "difficulty"] == pytest.approx(0.5)
    assert table.loc[("m1", "q2"), "fail_count"] == 2
    assert table.loc[("m1", "q2"), "most_failed_in_module"]
    assert not table.loc[("m1", "q1"), "most_failed_in_module"]
    # dev's r1 still waits for a grader, so only ana (4) and ben (3) count
    assert table.loc[("m2", "r1"), "n"] == 2
    assert table.loc[("m2", "r1"), "difficulty"] == pytest.approx(0.7)
    # q1 of m2: 5, 0, 5 against r1 4, 3, 0 -> a negative correlation
    assert table.loc[("m2", "q1"), "discrimination"] < 0


def test_breakdown_by_continent(programme) -> None:
    table = an.breakdown(programme, "continent")
    overall = table[table["course"] == "all"].set_index("continent")
    assert overall["learners"].to_dict() == {"Africa": 2, "Asia": 2, "Europe": 2}
    assert overall["certified"].to_dict() == {"Africa": 1, "Asia": 0, "Europe": 0}
    assert overall.loc["Africa", "mean_percent"] == pytest.approx(100 * (14 + 5) / 30)
    by_org = an.breakdown(programme, "organisation")
    assert set(by_org["organisation"]) == {
        "Ministry of ICT",
        "City of Kathmandu",
        "Registry Office",
    }


def test_weekly_activity(programme) -> None:
    table = an.weekly_activity(programme)
    weeks = table.set_index(table["week"].dt.strftime("%Y-%m-%d"))
    assert weeks["submissions"].to_dict() == {
        "2026-02-23": 0,
        "2026-03-02": 2,
        "2026-03-09": 2,
        "2026-03-16": 2,
        "2026-03-23": 1,
        "2026-03-30": 0,
    }
    assert weeks.loc["2026-03-02", "new_enrolments"] == 4
    assert weeks["active_learners"].sum() == 7


def test_time_to_completion(programme) -> None:
    table = an.time_to_completion(programme).set_index("learner")
    assert sorted(table.index) == ["ana", "ben", "dev"]
    assert table.loc["ana", "days"] == pytest.approx(19 + 10 / 24)
    assert table.loc["ben", "days"] == pytest.approx(24 + 10 / 24)


def test_at_risk_rule(programme) -> None:
    table = an.at_risk(programme)
    reasons = dict(zip(table["learner"], table["reasons"], strict=True))
    assert reasons == {
        "cleo": "overdue, low-scores",
        "eve": "overdue, inactive",
        "fay": "overdue, inactive",
        "ben": "low-scores",
    }
    assert "ana" not in reasons and "dev" not in reasons


def test_enrolment_and_active(programme) -> None:
    table = an.enrolment(programme).set_index("course")
    assert table.loc["c101", ["enrolled", "started", "active"]].tolist() == [6, 4, 3]
    assert table.loc["all", "active_rate"] == pytest.approx(0.5)


def test_as_of_date_cuts_later_work(handmade) -> None:
    early = an.load_programme([handmade["url"]], handmade["roster"], as_of="2026-03-15")
    funnel = an.funnel(early).set_index("stage")["learners"]
    assert funnel["Submitted m1"] == 4 and funnel["Submitted m2"] == 0
    assert an.module_results(early).set_index("module")["due"].to_dict() == {
        "m1": True,
        "m2": False,
    }


def test_sandbox_use_against_scores(programme) -> None:
    calls = an.activity_frame(
        pd.DataFrame(
            {
                "learner": ["ana"] * 3 + ["ben", "dev", "dev"],
                "at": ["2026-03-05T09:00Z"] * 3 + ["2026-03-06T09:00Z"] * 3,
                "service": ["a", "b", "a", "a", "a", "b"],
                "status": [200, 200, 404, 200, 500, 200],
            }
        )
    )
    from dataclasses import replace

    with_calls = replace(programme, activity=calls)
    table = an.sandbox_use(with_calls).set_index("learner")
    assert table["calls"].to_dict() == {
        "ana": 3,
        "ben": 1,
        "cleo": 0,
        "dev": 2,
        "eve": 0,
        "fay": 0,
    }
    assert table.loc["ana", "services"] == 2
    assert table.loc["ana", "error_share"] == pytest.approx(1 / 3)
    # calls 3, 1, 0, 2 against mean percents 95, 35, 0, 75: same ranks
    assert table.attrs["spearman"] == pytest.approx(1.0)


def test_charts_have_titles_axes_and_summaries(programme) -> None:
    charts = [
        an.funnel_chart(programme, "c101"),
        an.completion_chart(programme),
        an.module_chart(programme),
        an.score_chart(programme),
        an.item_chart(programme),
        an.breakdown_chart(programme, "continent"),
        an.weekly_chart(programme),
        an.time_chart(programme),
        an.at_risk_chart(programme),
        an.sandbox_chart(programme),
    ]
    for chart in charts:
        layout = chart.figure.layout
        assert layout.title.text, chart
        assert layout.xaxis.title.text and layout.yaxis.title.text, chart.title
        assert list(layout.colorway) == an.PALETTE
        assert chart.summary.endswith("."), chart.title
    assert charts[0].summary.startswith("Of 6 enrolled learners, 4 (67 %) started")
    assert "4 of 6 learners" in charts[8].summary


@pytest.mark.postgres
def test_postgresql_gradebook_gives_the_same_tables(postgres_url, handmade) -> None:
    from .conftest import write_handmade_gradebook_at

    write_handmade_gradebook_at(postgres_url)
    on_postgres = an.load_gradebook(postgres_url)
    on_sqlite = an.load_gradebook(handmade["url"])
    columns = ["course", "module", "learner", "score", "late", "needs_manual"]
    pd.testing.assert_frame_equal(
        on_postgres.submissions[columns]
        .sort_values(["module", "learner"])
        .reset_index(drop=True),
        on_sqlite.submissions[columns]
        .sort_values(["module", "learner"])
        .reset_index(drop=True),
    )
    assert on_postgres.modules["duedate"].equals(on_sqlite.modules["duedate"])
