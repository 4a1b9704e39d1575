"""The report notebook runs through papermill; its HTML holds every chart."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from govlearn.analytics.display import PLOTLY_MARKER
from govlearn.cli import main

from .conftest import AS_OF

pytestmark = pytest.mark.notebooks


def _plotly_outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "application/vnd.plotly.v1+json" in output.get("data", {})
    ]


def test_report_html_holds_every_chart(tmp_path: Path, handmade) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(
        main,
        [
            "report",
            "build",
            "-g",
            handmade["url"],
            "-r",
            str(handmade["roster"]),
            "--as-of",
            AS_OF,
            "-o",
            str(out),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Report:" in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    executed = nbformat.read(out / "program_progress.ipynb", as_version=4)

    charts = _plotly_outputs(executed)
    # 1 funnel (one course) + completion, modules, time, scores, items,
    # 3 breakdowns, weekly, sandbox, at-risk
    assert len(charts) == 12
    for output in charts:
        assert "text/html" in output["data"], "a JSON-only chart vanishes in HTML"
    assert html.count('class="govlearn-chart"') == len(charts)
    assert html.count("Plotly.newPlot(") == len(charts)
    for output in charts:
        title = output["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]
        assert json.dumps(title["text"])[1:-1] in html
    # plotly.js embedded exactly once, and nothing loaded from a CDN
    assert html.count(PLOTLY_MARKER) == 1
    assert html.count("* plotly.js v") == 1
    assert 'src="https://cdn.plot.ly' not in html
    # no code cells, no missing-mimetype placeholders, no errors
    assert "an.load_programme" not in html
    assert "import warnings" not in html and 'class="jp-CodeMirrorEditor' not in html
    assert "No renderer could be found" not in html
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error"
    assert "Of 6 enrolled learners" in html
    # every table as CSV
    names = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"funnel", "item_analysis", "at_risk", "by_continent"} <= names


def test_report_refuses_bad_data_with_the_message(tmp_path: Path, handmade) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "build",
            "-g",
            str(tmp_path / "missing.db"),
            "-r",
            str(handmade["roster"]),
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code != 0
    assert "no such file" in result.output
    assert not (tmp_path / "out" / "report.html").exists()


def test_learner_card(tmp_path: Path, handmade) -> None:
    result = CliRunner().invoke(
        main,
        [
            "report",
            "cards",
            "-g",
            handmade["url"],
            "-r",
            str(handmade["roster"]),
            "--as-of",
            AS_OF,
            "-o",
            str(tmp_path),
            "-l",
            "cleo",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "cleo.html").read_text(encoding="utf-8")
    assert "Cleo Test (cleo, Nepal)" in html
    assert "1 of 2 modules submitted" in html
    assert "Needs attention. c101: overdue, low-scores." in html
    assert html.count('class="govlearn-chart"') == 1
