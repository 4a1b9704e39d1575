"""The programme-progress report, as a programme lead opens it: every chart draws.

The report is built with ``govlearn report build`` from the analytics tests'
hand-made gradebook and roster, whose contents are known exactly, and opened
from disk with no network, as the offline HTML file it is meant to be.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip(
        "govlearn.analytics.report", reason="govlearn.analytics.report is missing"
    )
    from govlearn.cli import main

    from ..analytics.conftest import AS_OF, handmade_roster, write_handmade_gradebook

    folder = tmp_path_factory.mktemp("report")
    # nbgrader's Gradebook runs this environment's ``alembic`` command.
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old_path
    try:
        url = write_handmade_gradebook(folder / "gradebook.db")
        roster = folder / "roster.csv"
        handmade_roster().to_csv(roster, index=False)
        out = folder / "report"
        result = CliRunner().invoke(
            main,
            [
                "report",
                "build",
                "-g",
                url,
                "-r",
                str(roster),
                "--as-of",
                AS_OF,
                "-o",
                str(out),
                "--no-progress",
            ],
        )
    finally:
        os.environ["PATH"] = old_path
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_every_chart_renders_offline(
    report_html: Path, page: Any, artifacts: Path
) -> None:
    requested: list[str] = []
    crashes: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.goto(report_html.as_uri(), wait_until="load")
    charts = page.locator(".govlearn-chart")
    expected = charts.count()
    assert expected >= 10
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'.govlearn-chart .js-plotly-plot .main-svg').length >= n",
        arg=expected,
        timeout=120_000,
    )
    drawn = page.locator(".govlearn-chart .js-plotly-plot")
    assert drawn.count() == expected
    for index in range(expected):
        box = drawn.nth(index).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    assert page.locator(".govlearn-chart .gtitle").count() >= expected - 1
    # No script on the page failed, and the page asked the network for
    # nothing: every chart above was drawn from the file alone.
    assert crashes == [], crashes
    remote = [url for url in requested if not url.startswith(("file:", "data:"))]
    assert remote == []
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
