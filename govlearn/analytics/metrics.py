"""The programme metrics, each a function of a :class:`~.programme.Programme`.

Every function returns a tidy :class:`pandas.DataFrame` and its docstring
defines the metric. ``docs/analytics.md`` lists the same definitions.
Percentages are 0-100; rates are fractions 0-1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .programme import Programme

__all__ = [
    "AT_RISK_INACTIVE_DAYS",
    "ACTIVE_WINDOW_DAYS",
    "at_risk",
    "breakdown",
    "completion_rates",
    "enrolment",
    "funnel",
    "item_analysis",
    "learner_progress",
    "module_results",
    "sandbox_use",
    "score_distribution",
    "time_to_completion",
    "weekly_activity",
]

#: a learner is *active* with a submission or sandbox call in this many days
ACTIVE_WINDOW_DAYS = 14
#: the at-risk rule's "inactive" reason: no activity for this many days
AT_RISK_INACTIVE_DAYS = 21


def _last_activity(programme: Programme) -> pd.Series:
    """Latest submission or sandbox call per learner (any course)."""
    subs = programme.grades.submissions.groupby("learner")["submitted_at"].max()
    calls = programme.activity.groupby("learner")["at"].max()
    both = pd.concat([subs, calls], axis=1)
    return both.max(axis=1)


def enrolment(programme: Programme) -> pd.DataFrame:
    """Enrolled and active learners, per course and for the whole programme.

    *Enrolled*: on the roster (the chosen cohort), enrolled on or before the
    as-of date, and enrolled in the course (the roster's ``courses`` column;
    empty means every course). *Active*: enrolled and with at least one
    submission or sandbox call in the :data:`ACTIVE_WINDOW_DAYS` days up to
    the as-of date. *Started*: at least one submitted module in the course.

    Columns: ``course`` (``"all"`` for the programme row), ``title``,
    ``enrolled``, ``started``, ``active``, ``active_rate``.
    """
    since = programme.as_of - pd.Timedelta(days=ACTIVE_WINDOW_DAYS)
    last = _last_activity(programme)
    active_learners = _distinct(last.index[last > since])
    subs = programme.grades.submissions
    recent_subs = subs[subs["submitted_at"] > since]
    calls = programme.activity[programme.activity["at"] > since]
    callers = _distinct(calls["learner"])
    rows = []
    for course in programme.courses:
        members = programme.enrolments.loc[
            programme.enrolments["course"] == course, "learner"
        ]
        enrolled = _distinct(members)
        started = _distinct(subs.loc[subs["course"] == course, "learner"])
        in_course = _distinct(
            recent_subs.loc[recent_subs["course"] == course, "learner"]
        )
        active = enrolled & (in_course | callers)
        rows.append(
            (
                course,
                programme.title(course),
                len(members),
                len(enrolled & started),
                len(active),
            )
        )
    everyone = _distinct(programme.roster["learner_id"])
    rows.append(
        (
            "all",
            "Whole programme",
            len(everyone),
            len(everyone & _distinct(subs["learner"])),
            len(everyone & active_learners),
        )
    )
    table = pd.DataFrame(
        rows, columns=["course", "title", "enrolled", "started", "active"]
    )
    table["active_rate"] = _rate(table["active"], table["enrolled"])
    return table


def _distinct(values: pd.Series | pd.Index) -> set[Any]:
    """The set of ``values`` (iterating a pandas string column itself is slow)."""
    return set(pd.unique(values.to_numpy(dtype=object)))


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    values = numerator.astype(float) / denominator.where(denominator > 0)
    return values.astype(float)


def learner_progress(programme: Programme) -> pd.DataFrame:
    """One row per enrolled (course, learner): where each learner stands.

    Columns: ``course``, ``learner``, ``enrolled_on``; ``modules`` (modules in
    the course), ``modules_due`` (due on or before the as-of date),
    ``submitted`` (modules with a submission), ``overdue`` (due but not
    submitted), ``passed_modules`` (submitted modules whose score reaches the
    pass mark), ``late`` (submissions after the due date), ``score`` and
    ``max_score`` (points over all modules of the course; a missing module
    scores 0), ``percent``, ``submitted_percent`` (mean percent of the
    submitted modules), ``first_submission``, ``last_submission``,
    ``last_activity`` (latest submission or sandbox call, any course);
    ``started`` (``submitted >= 1``), ``completed`` (every module
    submitted), ``passed`` (``percent`` reaches the course's pass mark),
    ``certified`` (the course's certificate rule, see
    :class:`~.programme.CoursePolicy`: every module submitted when required,
    no submitted module below the minimum module share, and the minimum share
    of the course's points).
    """
    grades = programme.grades
    modules = grades.modules
    subs = grades.submissions
    frames = []
    last = _last_activity(programme)
    for course in programme.courses:
        policy = programme.policy(course)
        course_modules = modules[modules["course"] == course]
        n_modules = len(course_modules)
        course_max = float(course_modules["max_score"].sum())
        n_due = int((course_modules["duedate"] <= programme.as_of).sum())
        members = programme.enrolments[programme.enrolments["course"] == course]
        base = members[["course", "learner", "enrolled_on"]].set_index("learner")
        mine = subs[subs["course"] == course]
        module_pass = mine["percent"] >= 100 * policy.pass_mark
        below = mine["percent"] < 100 * policy.min_module_fraction - 1e-9
        # the learners are numbered once (in sorted order, as groupby would)
        # and every per-learner figure is grouped by that number
        who, learners = pd.factorize(mine["learner"], sort=True)
        known = who >= 0
        grouped = mine.assign(module_pass=module_pass, below=below)[known]
        agg = grouped.groupby(who[known]).agg(
            passed_modules=("module_pass", "sum"),
            below_minimum=("below", "sum"),
            late=("late", "sum"),
            score=("score", "sum"),
            submitted_percent=("percent", "mean"),
            first_submission=("submitted_at", "min"),
            last_submission=("submitted_at", "max"),
        )
        which, _ = pd.factorize(mine["module"])
        agg.insert(0, "submitted", _distinct_per(who, which, len(learners))[agg.index])
        agg.index = pd.Index(learners.take(agg.index), name="learner")
        due_modules = set(
            course_modules.loc[course_modules["duedate"] <= programme.as_of, "module"]
        )
        due = mine["module"].isin(due_modules).to_numpy()
        due_done = pd.Series(
            _distinct_per(who[due], which[due], len(learners)),
            index=pd.Index(learners, name="learner"),
        )
        table = base.join(agg, how="left")
        for column in ("submitted", "passed_modules", "late"):
            table[column] = table[column].fillna(0).astype(int)
        table["score"] = table["score"].fillna(0.0)
        table["modules"] = n_modules
        table["modules_due"] = n_due
        table["overdue"] = n_due - due_done.reindex(table.index).fillna(0).astype(int)
        table["max_score"] = course_max
        table["percent"] = (
            100.0 * table["score"] / course_max if course_max > 0 else np.nan
        )
        table["last_activity"] = last.reindex(table.index)
        table["started"] = table["submitted"] >= 1
        table["completed"] = table["submitted"] >= n_modules
        table["passed"] = table["percent"] >= 100 * policy.pass_mark - 1e-9
        below = table["below_minimum"].fillna(0) > 0
        certified = ~below & (
            table["percent"] >= 100 * policy.min_total_fraction - 1e-9
        )
        if policy.every_module_submitted:
            certified &= table["completed"]
        table["certified"] = certified
        frames.append(table.reset_index())
    columns = [
        "course",
        "learner",
        "enrolled_on",
        "modules",
        "modules_due",
        "submitted",
        "overdue",
        "passed_modules",
        "late",
        "score",
        "max_score",
        "percent",
        "submitted_percent",
        "first_submission",
        "last_submission",
        "last_activity",
        "started",
        "completed",
        "passed",
        "certified",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _distinct_per(who: np.ndarray, what: np.ndarray, size: int) -> np.ndarray:
    """For each group number ``0 .. size-1``: how many distinct ``what`` it has.

    ``who`` and ``what`` are codes from :func:`pandas.factorize` (-1 is
    missing and not counted), like ``groupby(who)[what].nunique()``.
    """
    both = (who >= 0) & (what >= 0)
    kinds = max(int(what.max()) + 1, 1) if len(what) else 1
    pairs = np.sort(who[both].astype(np.int64) * kinds + what[both])
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:] != pairs[:-1]
    return np.bincount(pairs[first] // kinds, minlength=size)


def funnel(programme: Programme, progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """The progress funnel of each course.

    Stages, in order: *Enrolled*; *Started* (submitted at least one module);
    *Submitted <module>* for each module in due-date order (learners with a
    submission for that module, whatever earlier modules they did);
    *Passed* (the learner's points over the course reach its pass mark);
    *Certified* (the certificate rule, see
    :func:`learner_progress`).

    Columns: ``course``, ``stage``, ``order``, ``learners``,
    ``share_of_enrolled`` (0-1).
    """
    progress = learner_progress(programme) if progress is None else progress
    subs = programme.grades.submissions
    enrolments = programme.enrolments
    rows = []
    for course in programme.courses:
        mine = progress[progress["course"] == course]
        enrolled = len(mine)
        stages = [("Enrolled", enrolled), ("Started", int(mine["started"].sum()))]
        # enrolled learners with a submission, per module
        members = enrolments.loc[enrolments["course"] == course, "learner"]
        handed = subs.loc[subs["course"] == course, ["module", "learner"]]
        handed = handed[handed["learner"].isin(members)]
        which, names = pd.factorize(handed["module"].astype(str))
        who, _ = pd.factorize(handed["learner"])
        per_module = dict(
            zip(names, _distinct_per(which, who, len(names)).tolist(), strict=True)
        )
        modules = programme.grades.modules
        for module in modules.loc[modules["course"] == course, "module"]:
            count = int(per_module.get(module, 0))
            stages.append((f"Submitted {module}", count))
        stages.append(("Passed", int(mine["passed"].sum())))
        stages.append(("Certified", int(mine["certified"].sum())))
        for order, (stage, count) in enumerate(stages):
            share = count / enrolled if enrolled else np.nan
            rows.append((course, stage, order, count, share))
    return pd.DataFrame(
        rows, columns=["course", "stage", "order", "learners", "share_of_enrolled"]
    )


def completion_rates(
    programme: Programme, progress: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Completion and pass rates per course.

    *Completion rate*: completed (every module submitted) over enrolled.
    *Pass rate*: passed over enrolled. *Pass rate of completers*: passed over
    completed. *Certification rate*: certified over enrolled. Columns:
    ``course``, ``title``, ``enrolled``, ``started``, ``completed``,
    ``passed``, ``certified``, ``completion_rate``, ``pass_rate``,
    ``pass_rate_of_completers``, ``certification_rate``, ``mean_percent``
    (mean course percent of learners who started).
    """
    progress = learner_progress(programme) if progress is None else progress
    rows = []
    for course in programme.courses:
        mine = progress[progress["course"] == course]
        started = mine[mine["started"]]
        rows.append(
            (
                course,
                programme.title(course),
                len(mine),
                len(started),
                int(mine["completed"].sum()),
                int(mine["passed"].sum()),
                int(mine["certified"].sum()),
                float(started["percent"].mean()) if len(started) else np.nan,
            )
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "course",
            "title",
            "enrolled",
            "started",
            "completed",
            "passed",
            "certified",
            "mean_percent",
        ],
    )
    table["completion_rate"] = _rate(table["completed"], table["enrolled"])
    table["pass_rate"] = _rate(table["passed"], table["enrolled"])
    table["pass_rate_of_completers"] = _rate(table["passed"], table["completed"])
    table["certification_rate"] = _rate(table["certified"], table["enrolled"])
    return table


def module_results(programme: Programme) -> pd.DataFrame:
    """Per module: submissions, lateness, scores and the module pass rate.

    *Submission rate*: learners with a submission over learners enrolled in
    the course. *Module pass rate*: graded submissions whose score reaches the
    pass mark over graded submissions. *Late share*: submissions after the
    due date (or extension) over submissions. Columns: ``course``, ``module``,
    ``position``, ``duedate``, ``due`` (due on or before the as-of date),
    ``enrolled``, ``submitted``, ``submission_rate``, ``late_share``,
    ``mean_percent``, ``median_percent``, ``pass_rate``, ``awaiting_manual``.
    """
    subs = programme.grades.submissions
    counts = programme.enrolments.groupby("course").size()
    rows = []
    for module in programme.grades.modules.itertuples(index=False):
        mark = 100 * programme.policy(module.course).pass_mark
        mine = subs[
            (subs["course"] == module.course) & (subs["module"] == module.module)
        ]
        graded = mine[mine["graded"]]
        enrolled = int(counts.get(module.course, 0))
        rows.append(
            (
                module.course,
                module.module,
                module.position,
                module.duedate,
                bool(module.duedate <= programme.as_of)
                if pd.notna(module.duedate)
                else False,
                enrolled,
                len(mine),
                len(mine) / enrolled if enrolled else np.nan,
                float(mine["late"].mean()) if len(mine) else np.nan,
                float(graded["percent"].mean()) if len(graded) else np.nan,
                float(graded["percent"].median()) if len(graded) else np.nan,
                float((graded["percent"] >= mark).mean()) if len(graded) else np.nan,
                int(mine["needs_manual"].sum()),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "course",
            "module",
            "position",
            "duedate",
            "due",
            "enrolled",
            "submitted",
            "submission_rate",
            "late_share",
            "mean_percent",
            "median_percent",
            "pass_rate",
            "awaiting_manual",
        ],
    )


def score_distribution(programme: Programme) -> pd.DataFrame:
    """Score distribution of each module's graded submissions (percent).

    Columns: ``course``, ``module``, ``n``, ``mean``, ``std``, ``min``,
    ``p25``, ``median``, ``p75``, ``max``, and ``bin_0`` ... ``bin_9``: the
    count of submissions per tenth of the range (``bin_9`` holds 90-100 %).
    """
    subs = programme.grades.submissions
    graded = subs[subs["graded"]]
    rows = []
    for module in programme.grades.modules.itertuples(index=False):
        values = graded.loc[
            (graded["course"] == module.course) & (graded["module"] == module.module),
            "percent",
        ].dropna()
        bins = np.clip((values.to_numpy() // 10).astype(int), 0, 9)
        histogram = np.bincount(bins, minlength=10)
        if len(values):
            stats = [
                values.mean(),
                values.std(ddof=0),
                values.min(),
                values.quantile(0.25),
                values.median(),
                values.quantile(0.75),
                values.max(),
            ]
        else:
            stats = [np.nan] * 7
        rows.append([module.course, module.module, len(values), *stats, *histogram])
    columns = ["course", "module", "n", "mean", "std", "min", "p25", "median"]
    columns += ["p75", "max"] + [f"bin_{i}" for i in range(10)]
    return pd.DataFrame(rows, columns=columns)


def item_analysis(programme: Programme) -> pd.DataFrame:
    """Per-question item analysis (a question is one nbgrader grade cell).

    *Difficulty* (classical p-value): mean score over max score among graded
    submissions of the module; 1 means everyone got full marks.
    *Discrimination*: the corrected item-total correlation, the Pearson
    correlation between the item's score and the learner's score on the rest
    of the module (module total minus this item), over graded submissions;
    empty when either has no spread. Answers still waiting for a human
    grader are left out. *Fail count*: submissions that scored
    below the item's max. ``most_failed_in_module`` marks the item that fails
    most often in its module (the module's most common failing test).

    Columns: ``course``, ``module``, ``notebook``, ``item``, ``kind``,
    ``max_score``, ``n``, ``difficulty``, ``discrimination``, ``full_share``,
    ``zero_share``, ``fail_count``, ``most_failed_in_module``.
    """
    items = programme.grades.items
    subs = programme.grades.submissions
    rows = []
    for (course, module), group in items.groupby(["course", "module"], sort=False):
        mine = subs[(subs["course"] == course) & (subs["module"] == module)]
        columns = [f"answer_{k}" for k in group["slot"]]
        scores = (
            mine[columns].to_numpy(dtype=float)
            if len(mine)
            else np.zeros((0, len(columns)))
        )
        total = np.nansum(scores, axis=1)
        for k, item in enumerate(group.itertuples(index=False)):
            x = scores[:, k]
            answered = ~np.isnan(x)
            x = x[answered]
            y = total[answered] - x
            rows.append(_item_row(item, x, y))
    table = pd.DataFrame(
        rows,
        columns=[
            "course",
            "module",
            "notebook",
            "item",
            "kind",
            "max_score",
            "n",
            "difficulty",
            "discrimination",
            "full_share",
            "zero_share",
            "fail_count",
        ],
    )
    table = table.reset_index(drop=True)
    worst = table.groupby(["course", "module"])["fail_count"].transform("max")
    table["most_failed_in_module"] = (table["fail_count"] == worst) & (worst > 0)
    return table


def _item_row(item: Any, x: np.ndarray, y: np.ndarray) -> tuple[Any, ...]:
    """One question's statistics from its scores ``x`` and rest scores ``y``."""
    top = float(item.max_score)
    n = len(x)
    head = (item.course, item.module, item.notebook, item.item, item.kind, top, n)
    if n == 0:
        return (*head, np.nan, np.nan, np.nan, np.nan, 0)
    full = int((x >= top - 1e-9).sum())
    discrimination = np.nan
    if n > 1 and x.std() > 1e-9 and y.std() > 1e-9:
        discrimination = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    difficulty = float(x.mean() / top) if top > 0 else np.nan
    zero = float((x <= 0).mean())
    return (*head, difficulty, discrimination, full / n, zero, n - full)


def breakdown(
    programme: Programme,
    by: str = "continent",
    progress: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Progress per group of learners: ``by`` is any roster column.

    Typical groups: ``continent``, ``country``, ``organisation``,
    ``organisation_type``, ``role``. Per group and course: ``learners``
    (enrolled), ``started``, ``completed``, ``certified``, ``mean_percent``
    (mean course percent of learners who started), ``completion_rate`` and
    ``certification_rate`` (over enrolled). A ``course`` of ``"all"`` counts
    each learner once: started/completed/certified in any course.
    """
    progress = learner_progress(programme) if progress is None else progress
    groups = programme.roster.set_index("learner_id")[by].replace("", "Unknown")
    data = progress.assign(group=progress["learner"].map(groups).fillna("Unknown"))
    data["started_percent"] = data["percent"].where(data["started"])
    per_course = data.groupby(["group", "course"]).agg(
        learners=("learner", "nunique"),
        started=("started", "sum"),
        completed=("completed", "sum"),
        certified=("certified", "sum"),
        mean_percent=("started_percent", "mean"),
    )
    per_learner = data.groupby(["group", "learner"]).agg(
        started=("started", "any"),
        completed=("completed", "any"),
        certified=("certified", "any"),
        started_percent=("started_percent", "mean"),
    )
    overall = per_learner.groupby("group").agg(
        learners=("started", "size"),
        started=("started", "sum"),
        completed=("completed", "sum"),
        certified=("certified", "sum"),
        mean_percent=("started_percent", "mean"),
    )
    overall["course"] = "all"
    overall = overall.reset_index().set_index(["group", "course"])
    table = pd.concat([per_course, overall]).reset_index()
    for column in ("started", "completed", "certified"):
        table[column] = table[column].astype(int)
    table["completion_rate"] = _rate(table["completed"], table["learners"])
    table["certification_rate"] = _rate(table["certified"], table["learners"])
    table = table.rename(columns={"group": by})
    return table.sort_values([by, "course"], ignore_index=True)


def weekly_activity(programme: Programme) -> pd.DataFrame:
    """Activity per calendar week (weeks start on Monday, UTC).

    Per week: ``submissions`` (modules submitted, all courses),
    ``sandbox_calls``, ``active_learners`` (distinct learners with a
    submission or a sandbox call that week), ``new_enrolments``; one column
    ``submissions_<course>`` per course. Weeks run from the first enrolment
    or event to the as-of date, empty weeks included.
    """
    subs = programme.grades.submissions
    calls = programme.activity
    tz_free = "UTC"

    def week(stamps: pd.Series) -> pd.Series:
        naive = stamps.dt.tz_convert(tz_free).dt.tz_localize(None)
        return naive.dt.to_period("W-SUN").dt.start_time

    sub_weeks = week(subs["submitted_at"])
    events = pd.concat(
        [
            pd.DataFrame({"learner": subs["learner"], "week": sub_weeks}),
            pd.DataFrame({"learner": calls["learner"], "week": week(calls["at"])}),
        ],
        ignore_index=True,
    )
    enrolled = programme.roster["enrolled_on"].dropna()
    starts = [s.min() for s in (subs["submitted_at"], calls["at"], enrolled) if len(s)]
    end = week(pd.Series([programme.as_of]))[0]
    begin = week(pd.Series([min(starts)]))[0] if starts else end
    index = pd.date_range(begin, end, freq="7D", name="week")
    table = pd.DataFrame(index=index)
    table["submissions"] = sub_weeks.value_counts()
    table["sandbox_calls"] = week(calls["at"]).value_counts()
    table["active_learners"] = events.groupby("week")["learner"].nunique()
    table["new_enrolments"] = week(enrolled).value_counts()
    for course in programme.courses:
        mine = sub_weeks[subs["course"] == course]
        table[f"submissions_{course}"] = mine.value_counts()
    return table.fillna(0).astype(int).reset_index()


def time_to_completion(
    programme: Programme, progress: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Days from enrolment to completing each course, per completer.

    *Time to completion*: the time from the learner's ``enrolled_on`` to the
    submission that completed the course (the last of its modules), in days.
    Only learners who completed the course have a row. Columns: ``course``,
    ``learner``, ``enrolled_on``, ``completed_at``, ``days``, ``certified``.
    """
    progress = learner_progress(programme) if progress is None else progress
    done = progress[progress["completed"]].copy()
    done["completed_at"] = done["last_submission"]
    delta = done["completed_at"] - done["enrolled_on"]
    done["days"] = delta.dt.total_seconds() / 86400.0
    return done[
        ["course", "learner", "enrolled_on", "completed_at", "days", "certified"]
    ].reset_index(drop=True)


def at_risk(programme: Programme, progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """Learners at risk of not finishing, with their reasons.

    **The at-risk rule.** An enrolled learner who is not yet certified in a
    course is *at risk* in that course when at least one of these holds on
    the as-of date:

    * ``overdue``: a module whose due date has passed has no submission;
    * ``low-scores``: the mean score of the modules they submitted is below
      the course's pass mark;
    * ``inactive``: no submission and no sandbox call, in any course, for
      :data:`AT_RISK_INACTIVE_DAYS` days (counted from enrolment when they
      have never been active), while the course is not completed.

    Columns: ``course``, ``learner``, ``name``, ``email``, ``country``,
    ``reasons`` (comma-separated), ``overdue``, ``submitted_percent``,
    ``days_inactive``, ``submitted``, ``modules``. Sorted by the number of
    reasons (most first), then course and learner.
    """
    progress = learner_progress(programme) if progress is None else progress
    table = progress[~progress["certified"]].copy()
    marks = table["course"].map(
        {c: 100 * programme.policy(c).pass_mark for c in table["course"].unique()}
    )
    since = table["last_activity"].fillna(table["enrolled_on"])
    days = (programme.as_of - since).dt.total_seconds() / 86400.0
    table["days_inactive"] = days.fillna(np.inf).round(1)
    overdue = table["overdue"] > 0
    low = table["submitted_percent"].notna() & (table["submitted_percent"] < marks)
    inactive = (table["days_inactive"] >= AT_RISK_INACTIVE_DAYS) & ~table["completed"]
    reasons = pd.DataFrame(
        {"overdue": overdue, "low-scores": low, "inactive": inactive}
    )
    text = pd.Series("", index=table.index, dtype=object)
    for name in reasons.columns:
        hit = reasons[name].to_numpy(dtype=bool)
        text = text.where(~hit, text + (", " + name))
    table["reasons"] = text.str.removeprefix(", ")
    table["n_reasons"] = reasons.sum(axis=1)
    table = table[table["n_reasons"] > 0]
    people = programme.roster.set_index("learner_id")
    names = (people["first_name"] + " " + people["last_name"]).str.strip()
    table["name"] = table["learner"].map(names)
    table["email"] = table["learner"].map(people["email"])
    table["country"] = table["learner"].map(people["country"])
    table = table.sort_values(
        ["n_reasons", "course", "learner"], ascending=[False, True, True]
    )
    return table[
        [
            "course",
            "learner",
            "name",
            "email",
            "country",
            "reasons",
            "overdue",
            "submitted_percent",
            "days_inactive",
            "submitted",
            "modules",
        ]
    ].reset_index(drop=True)


def sandbox_use(programme: Programme) -> pd.DataFrame:
    """Sandbox use per learner against their scores.

    Per roster learner: ``calls`` (sandbox calls through the mediator),
    ``services`` (distinct services called), ``error_share`` (calls answered
    with status 400 or above, over calls), ``active_days`` (distinct days with
    a call), ``submissions`` and ``mean_percent`` (mean percent over all their
    graded submissions, any course). The Spearman correlation of ``calls``
    with ``mean_percent`` is in ``table.attrs["spearman"]`` (empty with fewer
    than three learners who have both).
    """
    calls = programme.activity
    learners = programme.roster["learner_id"]
    grouped = calls.groupby("learner")
    table = pd.DataFrame(index=pd.Index(learners, name="learner"))
    table["calls"] = grouped.size()
    table["services"] = grouped["service"].nunique()
    errors = calls.assign(error=calls["status"] >= 400).groupby("learner")["error"]
    table["error_share"] = errors.mean()
    days = calls.assign(day=calls["at"].dt.floor("D")).groupby("learner")["day"]
    table["active_days"] = days.nunique()
    subs = programme.grades.submissions
    graded = subs[subs["graded"]].groupby("learner")
    table["submissions"] = graded.size()
    table["mean_percent"] = graded["percent"].mean()
    for column in ("calls", "services", "active_days", "submissions"):
        table[column] = table[column].fillna(0).astype(int)
    table = table.reset_index()
    both = table.dropna(subset=["mean_percent"])
    spearman = np.nan
    if (
        len(both) >= 3
        and both["calls"].nunique() > 1
        and both["mean_percent"].nunique() > 1
    ):
        spearman = float(both["calls"].rank().corr(both["mean_percent"].rank()))
    table.attrs["spearman"] = spearman
    return table
