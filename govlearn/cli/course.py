"""``govlearn course``: list, check and build the courses."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["cli"]


def _course_ids(course: str | None) -> list[str]:
    from ..courses import list_courses

    known = list_courses()
    if course is None:
        if not known:
            raise click.ClickException("There are no courses in courses/ yet.")
        return known
    if course not in known:
        raise click.ClickException(
            f"There is no course {course!r}. Known courses: {', '.join(known)}."
        )
    return [course]


@click.group()
def cli() -> None:
    """Build and check the course notebooks."""


@cli.command("list")
def list_command() -> None:
    """List the courses with their modules, minutes and points."""
    from ..courses import CourseError, list_courses, load_course

    for course_id in list_courses():
        try:
            course = load_course(course_id)
        except CourseError as exc:
            click.echo(f"{course_id}  (not valid: run `govlearn course check`)")
            click.echo(f"  {str(exc).splitlines()[0]}")
            continue
        click.echo(
            f"{course.id}  {course.title}: {len(course.modules)} modules, "
            f"{course.total_minutes} min, {course.total_points:g} points, "
            f"pass mark {course.pass_mark:.0%}"
        )
        for module in course.modules:
            click.echo(
                f"  {module.id:<32} {module.minutes:>3} min {module.points:>4g} pts"
                f"  {module.title}"
            )


@cli.command("check")
@click.argument("course", required=False)
@click.option(
    "--execute/--no-execute",
    default=False,
    help="Also run every notebook top to bottom and check deliberate errors.",
)
def check_command(course: str | None, execute: bool) -> None:
    """Check COURSE (default: every course) against the course format."""
    from ..courses import check_course

    failed = 0
    for course_id in _course_ids(course):
        timings: dict[str, float] = {}
        problems = check_course(course_id, execute=execute, timings=timings)
        for module_id, seconds in timings.items():
            click.echo(f"{course_id}/{module_id}: ran in {seconds:.1f} s")
        if problems:
            failed += 1
            click.echo(f"{course_id}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"{course_id}: ok")
    if failed:
        sys.exit(1)


@cli.command("build")
@click.argument("course", required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course root to build into (default: build/courses/<course-id>). "
    "Only with a single COURSE.",
)
def build_command(course: str | None, out: Path | None) -> None:
    """Build COURSE (default: every course) into an nbgrader course root."""
    from ..courses import CourseError, build_course, check_course

    course_ids = _course_ids(course)
    if out is not None and len(course_ids) > 1:
        raise click.UsageError("--out needs a single COURSE.")
    for course_id in course_ids:
        problems = check_course(course_id)
        if problems:
            listing = "\n".join(f"  - {problem}" for problem in problems)
            raise click.ClickException(
                f"Course {course_id} does not pass its check, so it was not "
                f"built:\n{listing}"
            )
        try:
            root = build_course(course_id, out)
        except CourseError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{course_id}: built {root} (release/ holds the learner notebooks)")
