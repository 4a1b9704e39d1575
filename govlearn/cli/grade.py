"""``govlearn grade``: the instructor's grading workflow on an nbgrader course root.

COURSE is a course root folder (``build/courses/<id>/``, made by
``govlearn course build``) or a course id whose root is there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

__all__ = ["cli"]


def _root(value: str) -> Path:
    path = Path(value)
    if path.is_dir():
        return path
    built = Path("build") / "courses" / value
    if built.is_dir():
        return built
    raise click.BadParameter(
        f"{value!r} is neither a course root folder nor a built course id. Build the "
        f"course first: govlearn course build {value}",
        param_hint="COURSE",
    )


course_argument = click.argument("course", metavar="COURSE")
db_option = click.option(
    "--db-url", default=None, help="Gradebook database URL (default: the course's)."
)


@click.group()
def cli() -> None:
    """Grade a cohort with nbgrader: roster, collect, autograde, feedback, export."""


@cli.command()
@course_argument
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@db_option
def roster(course: str, roster: str, db_url: str | None) -> None:
    """Import a roster CSV into the course's gradebook.

    Columns: learner_id, name, email, country, continent, cohort, organisation.
    Rows that cannot be used are listed with their line numbers; the command
    then exits with status 1 (the good rows are imported).
    """
    from govlearn.grading import import_roster

    result = import_roster(_root(course), roster, db_url=db_url)
    click.echo(f"Imported {len(result.entries)} learners.")
    for problem in result.problems:
        click.echo(f"Not imported, {problem}", err=True)
    if result.problems:
        sys.exit(1)


@cli.command()
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.option("--sandbox-url", required=True, envvar="GOVLEARN_SANDBOX_URL")
@click.option("--admin-key", required=True, envvar="GOVLEARN_ADMIN_KEY")
@click.option("--out", type=click.Path(dir_okay=False), default="learner-keys.csv")
@click.option("--rotate", is_flag=True, help="Give learners who have a key a new one.")
def keys(roster: str, sandbox_url: str, admin_key: str, out: str, rotate: bool) -> None:
    """Create a sandbox key for every learner of a roster, written to a CSV."""
    from govlearn.grading import issue_keys, read_roster

    checked = read_roster(roster)
    for problem in checked.problems:
        click.echo(f"No key for roster {problem}", err=True)
    try:
        issued = issue_keys(checked.entries, sandbox_url, admin_key, out, rotate=rotate)
    except (ConnectionError, PermissionError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Wrote {len(issued.issued)} keys to {issued.written} (keep it private)."
    )
    for learner, reason in issued.refused:
        click.echo(f"No new key for {learner}: {reason}", err=True)
    if checked.problems or issued.refused:
        sys.exit(1)


@cli.command()
@course_argument
@click.argument("assignment")
@click.option("--exchange", required=True, type=click.Path(file_okay=False))
def release(course: str, assignment: str, exchange: str) -> None:
    """Release an assignment to the nbgrader exchange."""
    from govlearn.grading import release as release_assignment

    try:
        release_assignment(_root(course), assignment, exchange)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Released {assignment} to {exchange}.")


@cli.command()
@course_argument
@click.argument("assignment")
@click.option("--exchange", required=True, type=click.Path(file_okay=False))
def collect(course: str, assignment: str, exchange: str) -> None:
    """Collect submissions of an assignment from the nbgrader exchange."""
    from govlearn.grading import collect as collect_assignment

    try:
        result = collect_assignment(_root(course), assignment, exchange)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(result.submissions)} submissions of {assignment} in submitted/.")


@cli.command("collect-folder")
@course_argument
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--assignment", default=None, help="FOLDER holds <learner>/<notebook>.")
def collect_folder(course: str, folder: str, assignment: str | None) -> None:
    """Copy a folder of submissions (<learner>/<assignment>/) into submitted/."""
    from govlearn.grading import collect_folder as collect_from

    result = collect_from(_root(course), folder, assignment)
    click.echo(f"Collected {len(result.submissions)} submissions.")
    for line in result.skipped:
        click.echo(f"Skipped {line}", err=True)


@cli.command("collect-zip")
@course_argument
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.argument("assignment")
@click.option("--pattern", default=None, help="zip_collect file-name pattern.")
def collect_zip(
    course: str, archive: str, assignment: str, pattern: str | None
) -> None:
    """Collect an LMS zip download with nbgrader's zip_collect."""
    from govlearn.grading import collect_zip as collect_archive
    from govlearn.grading.exchange import LMS_FILE_PATTERN

    try:
        result = collect_archive(
            _root(course), archive, assignment, pattern=pattern or LMS_FILE_PATTERN
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(result.submissions)} submissions of {assignment} in submitted/.")
    for line in result.skipped:
        click.echo(f"Skipped {line}", err=True)


@cli.command()
@course_argument
@click.option("-a", "--assignment", "assignments", multiple=True, help="Only these.")
@click.option("-s", "--student", "students", multiple=True, help="Only these learners.")
@click.option(
    "--workers", type=int, default=None, help="Local processes (default: cores)."
)
@click.option(
    "--scheduler", default=None, help="Dask scheduler address, e.g. tcp://h:8786."
)
@click.option("--force", is_flag=True, help="Grade unchanged submissions again.")
@click.option("--policy", "policy_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--no-sandbox", is_flag=True, help="Do not start a grading sandbox.")
@click.option("--sandbox-url", default=None, help="Use this hosted grading sandbox.")
@click.option("--admin-key", default=None, envvar="GOVLEARN_ADMIN_KEY")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None)
@db_option
def autograde(
    course: str,
    assignments: tuple[str, ...],
    students: tuple[str, ...],
    workers: int | None,
    scheduler: str | None,
    force: bool,
    policy_file: str | None,
    no_sandbox: bool,
    sandbox_url: str | None,
    admin_key: str | None,
    json_out: str | None,
    db_url: str | None,
) -> None:
    """Autograde submissions in parallel; print a summary of every problem."""
    from govlearn.grading import GradingSandbox, PolicyError, load_policy
    from govlearn.grading import autograde as run

    try:
        policy = load_policy(policy_file)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    sandbox: object = "auto"
    if no_sandbox:
        sandbox = False
    elif sandbox_url:
        if not admin_key:
            raise click.BadParameter(
                "--sandbox-url needs --admin-key (or GOVLEARN_ADMIN_KEY)."
            )
        sandbox = GradingSandbox(sandbox_url, admin_key)
    report = run(
        _root(course),
        assignments=assignments or None,
        students=students or None,
        policy=policy,
        workers=workers,
        scheduler=scheduler,
        force=force,
        db_url=db_url,
        sandbox=sandbox,
        progress=os.environ.get("GOVLEARN_NO_PROGRESS") is None,
    )
    click.echo(report.summary())
    if json_out:
        Path(json_out).write_text(json.dumps(report.as_dict(), indent=2, default=str))


@cli.command()
@course_argument
@click.argument("assignment")
@click.option("-s", "--student", default=None, help="Only this learner.")
@db_option
def feedback(
    course: str, assignment: str, student: str | None, db_url: str | None
) -> None:
    """Write HTML feedback into feedback/, with hidden tests and tracebacks removed."""
    from govlearn.grading import generate_feedback

    result = generate_feedback(_root(course), assignment, student, db_url=db_url)
    if not result.get("success"):
        raise click.ClickException(
            f"Attempted to generate feedback for {assignment}, but nbgrader failed: "
            f"{(result.get('error') or '').strip().splitlines()[-1:]}"
        )
    click.echo(f"Feedback for {assignment} is in feedback/.")


@cli.command()
@course_argument
@click.argument(
    "kind", type=click.Choice(["nbgrader", "questions", "results", "moodle", "canvas"])
)
@click.argument("out", type=click.Path(dir_okay=False))
@db_option
def export(course: str, kind: str, out: str, db_url: str | None) -> None:
    """Export grades: nbgrader CSV, per question, results, Moodle or Canvas."""
    from govlearn.grading import export_grades

    path = export_grades(_root(course), kind, out, db_url=db_url)
    click.echo(f"Wrote {path}.")
