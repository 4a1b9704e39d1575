"""Short texts and views that open a report or a learner's card."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from . import metrics
from .charts import PALETTE, Chart, _layout
from .errors import AnalyticsError
from .programme import Programme

__all__ = ["LearnerCard", "hardest_items", "learner_card", "overview"]


def overview(programme: Programme, tables: dict[str, pd.DataFrame]) -> str:
    """One paragraph with the headline figures of the report."""
    enrolment = tables["enrolment"].set_index("course").loc["all"]
    rates = tables["completion_rates"]
    risk = tables["at_risk"]
    cohort = f"cohort {programme.cohort}" if programme.cohort else "the cohort"
    certified = ", ".join(
        f"{row.title} {int(row.certified)}" for row in rates.itertuples()
    )
    return (
        f"As of {programme.as_of:%d %B %Y}, {int(enrolment['enrolled'])} learners "
        f"are enrolled in {cohort} across {len(programme.courses)} courses; "
        f"{int(enrolment['started'])} have submitted work and "
        f"{int(enrolment['active'])} were active in the last "
        f"{metrics.ACTIVE_WINDOW_DAYS} days. Certificates so far: {certified}. "
        f"{risk['learner'].nunique()} learners are at risk in at least one course."
    )


def hardest_items(items: pd.DataFrame, rows: int = 15) -> pd.DataFrame:
    """The questions with the lowest difficulty (most often failed) first."""
    answered = items[items["n"] > 0]
    columns = ["course", "module", "item", "n", "difficulty", "discrimination"]
    columns += ["fail_count"]
    if "common_error" in answered.columns:
        columns.append("common_error")
    ordered = answered.sort_values(
        ["difficulty", "fail_count"], ascending=[True, False]
    )
    return ordered[columns].head(rows).reset_index(drop=True)


@dataclass
class LearnerCard:
    """One learner's progress: a summary, tables, a chart and advice."""

    learner: str
    summary: str
    courses: pd.DataFrame
    modules: pd.DataFrame
    chart: Chart
    advice: str


def learner_card(programme: Programme, learner: str) -> LearnerCard:
    """Gather one learner's progress card (raises for an unknown learner)."""
    people = programme.roster.set_index("learner_id")
    if learner not in people.index:
        raise AnalyticsError(
            f"Attempted to build the progress card of {learner!r}, but the "
            "learner is not on the cohort's roster. Check the id."
        )
    person = people.loc[learner]
    progress = metrics.learner_progress(programme)
    mine = progress[progress["learner"] == learner]
    courses = pd.DataFrame(
        {
            "course": [programme.title(c) for c in mine["course"]],
            "submitted": mine["submitted"].astype(str)
            + " of "
            + mine["modules"].astype(str),
            "overdue": mine["overdue"],
            "score_percent": mine["percent"].round(1),
            "passed": mine["passed"],
            "certified": mine["certified"],
        }
    )
    subs = programme.grades.submissions
    modules = programme.grades.modules.merge(
        subs[subs["learner"] == learner][
            ["course", "module", "submitted_at", "late", "percent"]
        ],
        on=["course", "module"],
        how="left",
    )
    modules["status"] = "not yet due"
    due = modules["duedate"] <= programme.as_of
    modules.loc[due, "status"] = "missing"
    modules.loc[modules["submitted_at"].notna(), "status"] = "submitted"
    modules.loc[modules["late"].fillna(False).astype(bool), "status"] = "submitted late"
    modules["course"] = modules["course"].map(programme.title)
    table = modules[["course", "module", "duedate", "status", "percent"]].rename(
        columns={"percent": "score_percent"}
    )
    figure = go.Figure(
        go.Bar(
            x=modules["module"] + " (" + modules["course"] + ")",
            y=modules["percent"].fillna(0),
            marker_color=[
                PALETTE[2] if s.startswith("submitted") else PALETTE[5]
                for s in modules["status"]
            ],
        )
    )
    title = "Score per module"
    _layout(figure, title, "Module", "Score (% of points)")
    figure.update_layout(yaxis_range=[0, 100])
    name = f"{person['first_name']} {person['last_name']}".strip() or learner
    done = int(mine["certified"].sum())
    summary = (
        f"{name} ({learner}, {person['country'] or 'country not given'}): "
        f"{int(mine['submitted'].sum())} of {int(mine['modules'].sum())} modules "
        f"submitted, {done} of {len(mine)} certificates earned, as of "
        f"{programme.as_of:%d %B %Y}."
    )
    chart_summary = (
        "Green bars are submitted modules; orange ones are missing or not yet "
        "submitted."
    )
    risk = metrics.at_risk(programme, progress)
    reasons = risk[risk["learner"] == learner]
    if reasons.empty:
        advice = "On track: nothing overdue, scores at or above the pass marks."
    else:
        parts = [
            f"{programme.title(row.course)}: {row.reasons}"
            for row in reasons.itertuples()
        ]
        advice = "Needs attention. " + "; ".join(parts) + "."
    return LearnerCard(
        learner, summary, courses, table, Chart(title, figure, chart_summary), advice
    )
