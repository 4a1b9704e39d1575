"""``govlearn lab``: JupyterLab with every course, ready to learn."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import click

from ..lab import default_workspace, lab_command, lab_environment, prepare_workspace

__all__ = ["cli"]


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"The learner's folder (default: ./{default_workspace()}).",
)
@click.option(
    "--course",
    "courses",
    multiple=True,
    help="Include only this course (repeat for several). Default: every course.",
)
@click.option("--port", default=8888, show_default=True, help="JupyterLab's port.")
@click.option(
    "--browser/--no-browser",
    default=True,
    show_default=True,
    help="Open a web browser on the home page.",
)
@click.option(
    "--learner",
    default="learner",
    show_default=True,
    help="The learner the notebooks act as in the embedded sandbox.",
)
@click.option(
    "--prepare-only",
    is_flag=True,
    help="Lay out the workspace and stop (no sandbox, no JupyterLab).",
)
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
def cli(
    workspace: Path | None,
    courses: tuple[str, ...],
    port: int,
    browser: bool,
    learner: str,
    prepare_only: bool,
    jupyter_args: tuple[str, ...],
) -> None:
    """Prepare a learner workspace and open JupyterLab on it.

    The workspace gets the learner notebooks of every course and a home page
    (Home.ipynb); your own work in it is never overwritten. The embedded
    sandbox starts here and every notebook's kernel uses it. Arguments after
    the options go to `jupyter lab` unchanged (for example
    --IdentityProvider.token=...).
    """
    from ..courses import CourseError

    click.echo("Building the courses and preparing the workspace...", err=True)
    try:
        prepared = prepare_workspace(workspace, courses=list(courses) or None)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from exc
    for course in prepared.courses:
        click.echo(
            f"  {course.title}: {len(course.modules)} modules in {course.folder}",
            err=True,
        )
    click.echo(f"Home page: {prepared.home_page}", err=True)
    if prepare_only:
        return
    from .._embedded import start_embedded

    sandbox = start_embedded()
    key = sandbox.key_for(learner)
    click.echo(f"Embedded sandbox for {learner!r} at {sandbox.url}", err=True)
    command = lab_command(
        prepared, port=port, open_browser=browser, extra=list(jupyter_args)
    )
    process = subprocess.Popen(
        command,
        env=lab_environment(prepared, sandbox.url, key),
        cwd=prepared.folder,
    )

    def stop(_signum: int, _frame: object) -> None:
        process.terminate()

    # Stopping `govlearn lab` stops JupyterLab too; the sandbox thread ends
    # with this process.
    signal.signal(signal.SIGTERM, stop)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait()
    sys.exit(code)
