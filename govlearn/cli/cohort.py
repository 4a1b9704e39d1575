"""``govlearn cohort``: simulate a synthetic cohort (and grade it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["cli"]


@click.group(name="cohort")
def cli() -> None:
    """Simulate a synthetic cohort like the first Women in GovTech challenge."""


@cli.command(name="roster")
@click.option(
    "-o",
    "--output",
    default="data/women_in_govtech_roster.csv",
    show_default=True,
    type=click.Path(dir_okay=False),
)
@click.option("--size", default=139, show_default=True, help="Learners.")
@click.option("--seed", default=2023, show_default=True)
@click.option(
    "--start",
    default="2026-01-12",
    show_default=True,
    help="Programme start date (enrolments fall around it).",
)
def roster(output: str, size: int, seed: int, start: str) -> None:
    """Write only the synthetic roster CSV."""
    from ..cohort import simulate_roster, write_roster

    path = write_roster(simulate_roster(size, seed=seed, start=start), output)
    click.echo(f"Roster of {size} synthetic learners: {path}")


@cli.command(name="simulate")
@click.option(
    "-o",
    "--output",
    default="build/cohort",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for roster, timetable, course roots and submissions.",
)
@click.option(
    "--as-of",
    default="today",
    show_default=True,
    help="Simulate work up to this date (YYYY-MM-DD or today).",
)
@click.option("--seed", default=2023, show_default=True)
@click.option("--size", default=139, show_default=True, help="Learners.")
@click.option(
    "--start",
    default=None,
    help="Programme start (default 2026-01-12; with --as-of today, 7 weeks ago).",
)
@click.option(
    "-c",
    "--course",
    "courses",
    multiple=True,
    help="Only this course (repeat); default: every course.",
)
@click.option(
    "--roster",
    "roster_csv",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Use this roster instead of simulating one.",
)
@click.option(
    "--grade/--no-grade",
    default=False,
    help="Then grade every submission with govlearn grade.",
)
@click.option(
    "--practice/--no-practice",
    default=True,
    help="With --grade: learners also call the sandbox as themselves.",
)
@click.option("--workers", type=int, default=None, help="Grading processes.")
def simulate(
    output: str,
    as_of: str,
    seed: int,
    size: int,
    start: str | None,
    courses: tuple[str, ...],
    roster_csv: str | None,
    grade: bool,
    practice: bool,
    workers: int | None,
) -> None:
    """Write submissions as of a date (and optionally grade them)."""
    from ..cohort import simulate_and_grade, simulate_cohort

    options: dict[str, Any] = dict(
        size=size, start=start, courses=list(courses) or None, roster=roster_csv
    )
    if grade:
        run = simulate_and_grade(
            output,
            as_of=as_of,
            seed=seed,
            practice=practice,
            workers=workers,
            **options,
        )
    else:
        run = simulate_cohort(output, as_of=as_of, seed=seed, **options)
    click.echo(f"Roster:      {run.roster}")
    click.echo(f"Submissions: {run.manifest}")
    for outcome, count in run.outcome_counts().items():
        click.echo(f"  {outcome:<14} {count}")
    for course, report in run.grading.items():
        click.echo(f"Graded {course}: {report.summary().splitlines()[0]}")
    if run.grading:
        books = " ".join(f"-g {g}" for g in run.gradebooks)
        activity = f" --activity {run.activity}" if run.activity else ""
        click.echo(
            f"Report: govlearn report build {books} -r {run.roster} "
            f"--as-of {run.as_of}{activity} -o {Path(output) / 'report'}"
        )
