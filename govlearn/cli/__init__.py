"""The ``govlearn`` command: one subcommand per job.

Subcommands live in their own modules and are imported only when used, so
``govlearn --help`` stays quick.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

import click

__all__ = ["main"]

#: subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "sandbox": (
        "govlearn.cli.sandbox",
        "Serve the mock GovStack sandbox and manage learner keys.",
    ),
    "course": ("govlearn.cli.course", "Build and check the course notebooks."),
    "grade": ("govlearn.cli.grade", "Grade a cohort's submissions with nbgrader."),
    "cohort": ("govlearn.cli.cohort", "Simulate a synthetic cohort of learners."),
    "report": ("govlearn.cli.report", "Build the programme-progress report."),
    "lab": ("govlearn.cli.lab", "Open JupyterLab with the courses, ready to learn."),
    "demo": ("govlearn.cli.demo", "Run the whole programme on embedded defaults."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [
            name
            for name, (module, _) in SUBCOMMANDS.items()
            if importlib.util.find_spec(module) is not None
        ]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, _help = SUBCOMMANDS[cmd_name]
        if importlib.util.find_spec(module_name) is None:
            return None
        command = importlib.import_module(module_name).cli
        assert isinstance(command, click.Command)
        return command

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option(
    "-v", "--verbose", count=True, help="Show more log messages (-vv for debug)."
)
@click.version_option(package_name="govlearn")
def main(verbose: int) -> None:
    """GovLearn: hands-on GovStack courses, a mock sandbox, grading and analytics."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
