"""``govlearn report``: the programme-progress report and learner cards."""

from __future__ import annotations

from pathlib import Path

import click

from ..analytics.errors import AnalyticsError

__all__ = ["cli"]


def _common(function):  # type: ignore[no-untyped-def]
    options = [
        click.option(
            "-g",
            "--gradebook",
            "gradebooks",
            multiple=True,
            required=True,
            help="nbgrader gradebook URL or path (repeat: one per course).",
        ),
        click.option(
            "-r",
            "--roster",
            type=click.Path(dir_okay=False),
            required=True,
            help="The cohort's roster CSV.",
        ),
        click.option("--cohort", default="", help="Keep only this cohort."),
        click.option(
            "--as-of", default="", help="Report date YYYY-MM-DD (default: latest)."
        ),
        click.option(
            "--activity",
            default="",
            help="Sandbox database URL (its message log) or a CSV of calls.",
        ),
        click.option(
            "--notebook",
            type=click.Path(dir_okay=False, exists=True),
            default=None,
            help="Use another report notebook.",
        ),
        click.option(
            "--progress/--no-progress", default=True, help="Show a progress bar."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(name="report", invoke_without_command=False)
def cli() -> None:
    """Build the programme-progress report (HTML + CSV) and learner cards."""


@cli.command(name="build")
@_common
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default="reports",
    show_default=True,
    help="Folder for report.html, the executed notebook and tables/*.csv.",
)
@click.option("--title", default="Programme progress", show_default=True)
def build(
    gradebooks: tuple[str, ...],
    roster: str,
    cohort: str,
    as_of: str,
    activity: str,
    notebook: str | None,
    progress: bool,
    output: str,
    title: str,
) -> None:
    """Run notebooks/program_progress.ipynb and write one offline HTML file."""
    from ..analytics.report import build_report

    try:
        result = build_report(
            list(gradebooks),
            roster,
            output,
            cohort=cohort,
            as_of=as_of,
            activity=activity,
            title=title,
            progress=progress,
            notebook=notebook,
        )
    except AnalyticsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Report: {result.html}")
    click.echo(
        f"Tables: {len(result.tables)} CSV files in {result.html.parent / 'tables'}"
    )
    click.echo(f"Built in {result.seconds:.1f} s")


@cli.command(name="cards")
@_common
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default="reports/cards",
    show_default=True,
    help="Folder for one <learner>.html per learner.",
)
@click.option(
    "-l",
    "--learner",
    "learners",
    multiple=True,
    help="Only this learner (repeat); default: every learner of the cohort.",
)
def cards(
    gradebooks: tuple[str, ...],
    roster: str,
    cohort: str,
    as_of: str,
    activity: str,
    notebook: str | None,
    progress: bool,
    output: str,
    learners: tuple[str, ...],
) -> None:
    """Run notebooks/learner_card.ipynb once per learner."""
    from ..analytics.report import build_cards

    try:
        written = build_cards(
            list(gradebooks),
            roster,
            output,
            list(learners) or None,
            cohort=cohort,
            as_of=as_of,
            activity=activity,
            progress=progress,
            notebook=notebook,
        )
    except AnalyticsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(written)} progress cards in {Path(output).resolve()}")
