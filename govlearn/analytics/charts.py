"""Plotly charts of the programme metrics, each with a plain-English summary.

Every builder returns a :class:`Chart`: the figure (titled, axes labelled,
drawn in the Okabe-Ito colour-blind-safe palette), a short text summary that
states what the chart shows, and the table it was drawn from. Notebooks only
call a builder and display the chart (see :mod:`.display`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import metrics
from .programme import Programme

__all__ = [
    "PALETTE",
    "Chart",
    "at_risk_chart",
    "breakdown_chart",
    "completion_chart",
    "funnel_chart",
    "item_chart",
    "module_chart",
    "sandbox_chart",
    "score_chart",
    "time_chart",
    "weekly_chart",
]

#: Okabe-Ito: distinguishable with the common forms of colour blindness
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]


@dataclass
class Chart:
    """A figure, the sentence or two that sums it up, and its data."""

    title: str
    figure: go.Figure
    summary: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


def _layout(figure: go.Figure, title: str, x: str, y: str) -> go.Figure:
    figure.update_layout(
        title={"text": title},
        xaxis_title=x,
        yaxis_title=y,
        colorway=PALETTE,
        template="plotly_white",
        font={"family": "Arial, sans-serif", "size": 13},
        legend={"title": {"text": ""}},
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        height=420,
    )
    return figure


def _pct(value: float) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.0f} %"


def funnel_chart(
    programme: Programme, course: str, table: pd.DataFrame | None = None
) -> Chart:
    """Learners at each stage of one course's funnel (see :func:`metrics.funnel`)."""
    data = metrics.funnel(programme) if table is None else table
    data = data[data["course"] == course].sort_values("order")
    title = f"{programme.title(course)}: progress funnel"
    figure = go.Figure(
        go.Funnel(
            y=data["stage"],
            x=data["learners"],
            textinfo="value+percent initial",
            marker={"color": PALETTE[0]},
        )
    )
    _layout(figure, title, "Learners", "Stage")
    enrolled = int(data["learners"].iloc[0]) if len(data) else 0
    if enrolled == 0:
        summary = f"No learner is enrolled in {programme.title(course)} yet."
    else:
        counts = data.set_index("stage")["learners"]
        steps = data.reset_index(drop=True)
        drops = steps["learners"].diff().iloc[1:]
        worst = ""
        if len(drops) and drops.min() < 0:
            at = int(drops.idxmin())
            worst = (
                f" The largest drop, {-int(drops.min())} learners, comes between "
                f"'{steps.loc[at - 1, 'stage']}' and '{steps.loc[at, 'stage']}'."
            )
        summary = (
            f"Of {enrolled} enrolled learners, {int(counts['Started'])} "
            f"({_pct(counts['Started'] / enrolled)}) started, "
            f"{int(counts['Passed'])} passed and {int(counts['Certified'])} "
            f"({_pct(counts['Certified'] / enrolled)}) earned the certificate." + worst
        )
    return Chart(title, figure, summary, data)


def completion_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Completion, pass and certification rates per course."""
    data = metrics.completion_rates(programme) if table is None else table
    title = "Completion, pass and certification rates by course"
    figure = go.Figure()
    for column, label in (
        ("completion_rate", "Completed every module"),
        ("pass_rate", "Passed"),
        ("certification_rate", "Certified"),
    ):
        figure.add_bar(
            x=data["title"],
            y=100 * data[column],
            name=label,
            hovertemplate="%{x}<br>" + label + ": %{y:.0f} %<extra></extra>",
        )
    _layout(figure, title, "Course", "Share of enrolled learners (%)")
    figure.update_layout(barmode="group", yaxis_range=[0, 100])
    if data.empty:
        summary = "No course has enrolled learners yet."
    else:
        best = data.loc[data["certification_rate"].fillna(-1).idxmax()]
        lines = [
            f"{row.title}: {_pct(row.completion_rate)} completed, "
            f"{_pct(row.pass_rate)} passed, {_pct(row.certification_rate)} "
            "certified."
            for row in data.itertuples()
        ]
        summary = " ".join(lines) + (
            f" {best['title']} has the highest certification rate."
            if len(data) > 1
            else ""
        )
    return Chart(title, figure, summary, data)


def module_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Submission rate and module pass rate of every module."""
    data = metrics.module_results(programme) if table is None else table
    labels = [
        f"{programme.title(c)} / {m}"
        for c, m in zip(data["course"], data["module"], strict=True)
    ]
    title = "Submissions and pass rate by module"
    figure = go.Figure()
    figure.add_bar(x=labels, y=100 * data["submission_rate"], name="Submitted")
    figure.add_bar(x=labels, y=100 * data["pass_rate"], name="Passed (of graded)")
    _layout(figure, title, "Module", "Share (%)")
    figure.update_layout(barmode="group", yaxis_range=[0, 100])
    due = data[data["due"]]
    if due.empty:
        summary = "No module is due yet."
    else:
        low = due.loc[due["submission_rate"].fillna(0).idxmin()]
        hard = due.loc[due["pass_rate"].fillna(2).idxmin()]
        summary = (
            f"{len(due)} of {len(data)} modules are due. The least submitted due "
            f"module is {low['module']} ({_pct(low['submission_rate'])} of "
            f"enrolled learners); the lowest pass rate is in {hard['module']} "
            f"({_pct(hard['pass_rate'])} of graded submissions)."
        )
    return Chart(title, figure, summary, data)


def score_chart(programme: Programme) -> Chart:
    """Box plots of graded submission scores (percent) per module."""
    subs = programme.grades.submissions
    graded = subs[subs["graded"]]
    title = "Score distribution by module"
    figure = go.Figure()
    for i, course in enumerate(programme.courses):
        mine = graded[graded["course"] == course]
        figure.add_box(
            x=mine["module"],
            y=mine["percent"],
            name=programme.title(course),
            marker_color=PALETTE[i % len(PALETTE)],
            boxpoints="outliers",
        )
    _layout(figure, title, "Module", "Score (% of points)")
    figure.update_layout(yaxis_range=[0, 105], boxmode="group")
    data = metrics.score_distribution(programme)
    scored = data[data["n"] > 0]
    if scored.empty:
        summary = "No submission has been graded yet."
    else:
        high = scored.loc[scored["median"].idxmax()]
        low = scored.loc[scored["median"].idxmin()]
        summary = (
            f"Across {int(scored['n'].sum())} graded submissions the median "
            f"module score ranges from {low['median']:.0f} % ({low['module']}) to "
            f"{high['median']:.0f} % ({high['module']})."
        )
    return Chart(title, figure, summary, data)


def item_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Each question's difficulty against its discrimination."""
    data = metrics.item_analysis(programme) if table is None else table
    shown = data[data["n"] > 0]
    title = "Questions: difficulty and discrimination"
    figure = go.Figure()
    for i, course in enumerate(programme.courses):
        mine = shown[shown["course"] == course]
        figure.add_scatter(
            x=mine["difficulty"],
            y=mine["discrimination"],
            mode="markers",
            name=programme.title(course),
            marker={"size": 10, "color": PALETTE[i % len(PALETTE)]},
            text=mine["module"] + " / " + mine["item"],
            hovertemplate="%{text}<br>difficulty %{x:.2f}<br>"
            "discrimination %{y:.2f}<extra></extra>",
        )
    _layout(
        figure,
        title,
        "Difficulty (mean share of points; 1 = everyone full marks)",
        "Discrimination (item-rest correlation)",
    )
    figure.update_layout(xaxis_range=[-0.05, 1.05], yaxis_range=[-1.05, 1.05])
    if shown.empty:
        summary = "No question has graded answers yet."
    else:
        hardest = shown.loc[shown["difficulty"].idxmin()]
        weak = shown[shown["discrimination"] < 0.2]
        summary = (
            f"{len(shown)} questions have answers. The hardest is "
            f"{hardest['module']} / {hardest['item']} (on average "
            f"{hardest['difficulty']:.0%} of its points). {len(weak)} "
            "question(s) separate strong from weak learners poorly "
            "(discrimination below 0.2) and are worth a review."
        )
    return Chart(title, figure, summary, data)


def breakdown_chart(
    programme: Programme, by: str = "continent", table: pd.DataFrame | None = None
) -> Chart:
    """Learners and certification rate per group (programme-wide)."""
    data = metrics.breakdown(programme, by) if table is None else table
    overall = data[data["course"] == "all"].sort_values("learners", ascending=False)
    if by == "country" or len(overall) > 15:
        overall = overall.head(15)
    label = by.replace("_", " ")
    title = f"Progress by {label}"
    figure = go.Figure()
    figure.add_bar(
        x=overall[by],
        y=overall["learners"],
        name="Learners",
        marker_color=PALETTE[4],
    )
    figure.add_bar(
        x=overall[by], y=overall["started"], name="Started", marker_color=PALETTE[0]
    )
    figure.add_bar(
        x=overall[by],
        y=overall["certified"],
        name="Certified in a course",
        marker_color=PALETTE[2],
    )
    _layout(figure, title, label.capitalize(), "Learners")
    figure.update_layout(barmode="group")
    if overall.empty:
        summary = f"No learner has a {label} on the roster."
    else:
        ranked = overall.assign(rate=overall["certification_rate"].fillna(0))
        top = ranked.sort_values(["rate", "learners"], ascending=False).iloc[0]
        summary = (
            f"{len(data[data['course'] == 'all'])} groups by {label}. The largest "
            f"is {overall.iloc[0][by]} ({int(overall.iloc[0]['learners'])} "
            f"learners); {top[by]} has the highest certification rate "
            f"({_pct(top['certification_rate'])})."
        )
    return Chart(title, figure, summary, data)


def weekly_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Submissions, sandbox calls and active learners per week."""
    data = metrics.weekly_activity(programme) if table is None else table
    title = "Weekly activity"
    figure = go.Figure()
    figure.add_bar(x=data["week"], y=data["submissions"], name="Submissions")
    figure.add_scatter(
        x=data["week"],
        y=data["active_learners"],
        name="Active learners",
        mode="lines+markers",
    )
    if data["sandbox_calls"].sum():
        figure.add_scatter(
            x=data["week"],
            y=data["sandbox_calls"],
            name="Sandbox calls",
            mode="lines",
            yaxis="y2",
            line={"dash": "dot"},
        )
        figure.update_layout(
            yaxis2={"title": "Sandbox calls", "overlaying": "y", "side": "right"}
        )
    _layout(figure, title, "Week starting", "Submissions / learners")
    if data["submissions"].sum() == 0 and data["sandbox_calls"].sum() == 0:
        summary = "No submissions or sandbox calls yet."
    else:
        peak = data.loc[data["active_learners"].idxmax()]
        last = data.iloc[-1]
        summary = (
            f"Busiest week: {peak['week']:%d %b %Y}, with "
            f"{int(peak['active_learners'])} active learners. In the latest week "
            f"({last['week']:%d %b}) {int(last['active_learners'])} learners were "
            f"active and {int(last['submissions'])} modules were submitted."
        )
    return Chart(title, figure, summary, data)


def time_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Days from enrolment to completion per course (completers only)."""
    data = metrics.time_to_completion(programme) if table is None else table
    title = "Time to complete a course"
    figure = go.Figure()
    for i, course in enumerate(programme.courses):
        mine = data[data["course"] == course]
        figure.add_box(
            y=mine["days"],
            name=programme.title(course),
            marker_color=PALETTE[i % len(PALETTE)],
            boxpoints="all",
            jitter=0.4,
        )
    _layout(figure, title, "Course", "Days from enrolment to completion")
    if data.empty:
        summary = "No learner has completed a course yet."
    else:
        medians = data.groupby("course")["days"].median()
        parts = [
            f"{programme.title(c)}: median {medians[c]:.0f} days "
            f"({int((data['course'] == c).sum())} completers)"
            for c in medians.index
        ]
        summary = "; ".join(parts) + "."
    return Chart(title, figure, summary, data)


def at_risk_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """At-risk learners per course, split by reason (see :func:`metrics.at_risk`)."""
    data = metrics.at_risk(programme) if table is None else table
    title = "Learners at risk, by reason"
    reasons = ["overdue", "low-scores", "inactive"]
    figure = go.Figure()
    for reason in reasons:
        counts = [
            int(
                data.loc[data["course"] == c, "reasons"]
                .str.contains(reason, regex=False)
                .sum()
            )
            for c in programme.courses
        ]
        figure.add_bar(
            x=[programme.title(c) for c in programme.courses], y=counts, name=reason
        )
    _layout(figure, title, "Course", "Learners at risk")
    figure.update_layout(barmode="group")
    learners = data["learner"].nunique()
    enrolled = len(programme.roster)
    if data.empty:
        summary = "No learner is at risk under the rule."
    else:
        counts_by_reason = {
            r: int(data["reasons"].str.contains(r, regex=False).sum()) for r in reasons
        }
        top = max(counts_by_reason, key=lambda k: counts_by_reason[k])
        summary = (
            f"{learners} of {enrolled} learners ({_pct(learners / enrolled)}) are "
            f"at risk in at least one course. The most common reason is '{top}' "
            f"({counts_by_reason[top]} learner-courses)."
        )
    return Chart(title, figure, summary, data)


def sandbox_chart(programme: Programme, table: pd.DataFrame | None = None) -> Chart:
    """Sandbox calls per learner against their mean score."""
    data = metrics.sandbox_use(programme) if table is None else table
    title = "Sandbox use and scores"
    shown = data.dropna(subset=["mean_percent"])
    figure = go.Figure(
        go.Scatter(
            x=shown["calls"],
            y=shown["mean_percent"],
            mode="markers",
            marker={"color": PALETTE[0], "size": 8, "opacity": 0.7},
            text=shown["learner"],
            hovertemplate="%{text}<br>%{x} calls<br>%{y:.0f} %<extra></extra>",
            name="Learner",
        )
    )
    _layout(
        figure, title, "Sandbox calls through the mediator", "Mean score (% of points)"
    )
    figure.update_layout(yaxis_range=[-5, 105])
    spearman = data.attrs.get("spearman", np.nan)
    if int(data["calls"].sum()) == 0:
        summary = "No sandbox calls are recorded for this cohort."
    else:
        users = int((data["calls"] > 0).sum())
        strength = (
            "no clear link"
            if pd.isna(spearman) or abs(spearman) < 0.2
            else ("a positive link" if spearman > 0 else "a negative link")
        )
        rho = "n/a" if pd.isna(spearman) else f"{spearman:.2f}"
        summary = (
            f"{users} of {len(data)} learners called the sandbox, "
            f"{int(data['calls'].median())} calls for the median learner. "
            f"Calls and scores show {strength} (Spearman rank correlation {rho})."
        )
    return Chart(title, figure, summary, data)
