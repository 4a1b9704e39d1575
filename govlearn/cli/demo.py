"""``govlearn demo``: the whole programme on embedded defaults, in one command."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..demo import PHASES, DemoReport, default_output, phase_names, run_demo

__all__ = ["cli"]


def _epilog() -> str:
    lines = ["\b", "Phases, in order, and how to run each one by hand:"]
    for number, phase in enumerate(PHASES, start=1):
        lines.append(f"  {number}. {phase.name}: {phase.title}")
        lines.append(f"       {phase.command}")
    lines += [
        "",
        "\b",
        "Run some phases only with --phase (repeat it); later phases need the",
        "ones before them. Timings go to OUT/timings.json.",
    ]
    return "\n".join(lines)


def _summary(report: DemoReport) -> list[str]:
    lines = ["", "Summary"]
    cohort = report.facts("cohort")
    if cohort:
        lines.append(f"  Learners: {cohort['learners']} (as of {cohort['as_of']})")
    graded = report.facts("grade").get("courses", {})
    if graded:
        total = sum(course["graded"] for course in graded.values())
        broken = sum(course["broken"] for course in graded.values())
        problems = sum(course["problems"] for course in graded.values())
        lines.append(f"  Submissions graded: {total}")
        lines.append(
            f"  Grading failures: {broken} broken submissions, "
            f"{problems} with a problem to look at"
        )
    rates = report.facts("report").get("pass_rates", {})
    for course, rate in rates.items():
        share = "-" if rate["rate"] is None else f"{rate['rate']:.0%}"
        lines.append(
            f"  Pass rate, {course}: {share} of submitted modules reach the pass "
            f"mark ({rate['passed']} of {rate['submitted']}); "
            f"{rate['learners_passed']} of {rate['enrolled']} learners passed so far"
        )
    html = report.facts("report").get("html")
    if html:
        lines.append(f"  Report: {html}")
    lines.append("  Phases:")
    for result in report.results:
        mark = "ok" if result.ok else "FAILED"
        lines.append(f"    {result.name:10} {result.seconds:7.1f} s  {mark}")
    lines.append(f"    {'total':10} {report.seconds:7.1f} s")
    lines.append(f"Timings written to {report.timings_file}")
    return lines


@click.command(epilog=_epilog())
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Folder for everything the demo makes (default: {default_output()}).",
)
@click.option(
    "--phase",
    "phases",
    multiple=True,
    type=click.Choice(phase_names()),
    help="Run only this phase (repeat for several). Default: every phase.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The report date, YYYY-MM-DD (default: today, in the middle of the "
    "programme, so the cohort's sandbox practice falls inside it).",
)
def cli(out: Path | None, phases: tuple[str, ...], as_of: dt.datetime | None) -> None:
    """Run the whole programme on embedded defaults, printing every step."""
    report = run_demo(
        out,
        phases=phases or None,
        as_of=as_of.date() if as_of else None,
        echo=click.echo,
    )
    for line in _summary(report):
        click.echo(line)
    if not report.ok:
        failed = ", ".join(r.name for r in report.results if not r.ok)
        click.echo(f"The demo did not finish cleanly: {failed} failed.", err=True)
        sys.exit(1)
