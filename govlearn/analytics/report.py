"""Build the programme-progress report and the per-learner progress cards.

:func:`build_report` runs ``notebooks/program_progress.ipynb`` with papermill
(with a progress bar), then renders one self-contained HTML file with no code
cells, plotly.js embedded once, that works offline. The notebook itself writes
the report's tables as CSV files (see :func:`report_tables`).
:func:`build_cards` runs ``notebooks/learner_card.ipynb`` once per learner.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from .._logging import logger
from . import metrics
from .errors import AnalyticsError
from .programme import Programme

__all__ = [
    "NOTEBOOKS",
    "ReportResult",
    "build_cards",
    "build_report",
    "notebook_to_html",
    "report_tables",
    "write_tables",
]

#: where the report notebooks live (the repository's ``notebooks/`` folder)
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: nbconvert templates of the report page (``offline``: no CDN scripts).
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class ReportResult:
    """What a report run wrote, and how long it took."""

    html: Path
    notebook: Path
    tables: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def report_tables(programme: Programme) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name (without ``.csv``)."""
    progress = metrics.learner_progress(programme)
    tables = {
        "enrolment": metrics.enrolment(programme),
        "learner_progress": progress,
        "funnel": metrics.funnel(programme, progress),
        "completion_rates": metrics.completion_rates(programme, progress),
        "module_results": metrics.module_results(programme),
        "score_distribution": metrics.score_distribution(programme),
        "item_analysis": metrics.item_analysis(programme),
        "weekly_activity": metrics.weekly_activity(programme),
        "time_to_completion": metrics.time_to_completion(programme, progress),
        "at_risk": metrics.at_risk(programme, progress),
        "sandbox_use": metrics.sandbox_use(programme),
    }
    for by in ("continent", "country", "organisation", "organisation_type"):
        tables[f"by_{by}"] = metrics.breakdown(programme, by, progress)
    return tables


def write_tables(
    tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str]
) -> list[Path]:
    """Write each table as ``<folder>/<name>.csv``; return the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = target / f"{name}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths


def notebook_to_html(notebook: nbformat.NotebookNode) -> str:
    """Render an executed report notebook as HTML without code or prompts.

    Stream outputs (warnings, log lines) are dropped too: the reader sees only
    the charts, tables and text. The page loads nothing from the network (the
    ``offline`` template leaves out JupyterLab's CDN scripts).
    """
    from nbconvert import HTMLExporter

    clean = nbformat.from_dict(notebook)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "stream"]
    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(clean)
    return body


def _execute(
    template: Path, output: Path, parameters: dict[str, Any], progress: bool
) -> nbformat.NotebookNode:
    import papermill

    if not template.is_file():
        raise AnalyticsError(
            f"Attempted to run the report notebook {str(template)!r}, but it does "
            "not exist. Pass --notebook with the path of program_progress.ipynb."
        )
    try:
        return papermill.execute_notebook(
            str(template),
            str(output),
            parameters=parameters,
            progress_bar=progress,
            kernel_name="python3",
            cwd=str(output.parent),
        )
    except papermill.PapermillExecutionError as exc:
        raise AnalyticsError(
            f"Attempted to build the report, but the notebook stopped with "
            f"{exc.ename}: {exc.evalue}. The partly run notebook is at "
            f"{str(output)!r}."
        ) from exc


def build_report(
    gradebooks: Sequence[str],
    roster: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    cohort: str = "",
    as_of: str = "",
    activity: str = "",
    title: str = "Programme progress",
    progress: bool = True,
    notebook: str | os.PathLike[str] | None = None,
) -> ReportResult:
    """Run the report notebook and write ``report.html`` plus the CSV tables.

    Returns the paths written. Data problems (a missing gradebook, an empty
    cohort, a roster that does not match) raise the data layer's error with
    its message, before the notebook is run.
    """
    from . import programme as programme_module

    started = time.perf_counter()
    out = Path(output_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    urls = [str(g) for g in gradebooks]
    # fail fast with the data layer's own message
    programme_module.load_programme(urls, roster, cohort=cohort or None, as_of=as_of)
    template = Path(notebook) if notebook else NOTEBOOKS / "program_progress.ipynb"
    executed_path = out / "program_progress.ipynb"
    parameters = {
        "gradebooks": [_absolute(u) for u in urls],
        "roster": str(Path(roster).resolve()),
        "cohort": cohort,
        "as_of": as_of,
        "activity": _absolute(activity) if activity else "",
        "output_dir": str(out / "tables"),
        "title": title,
    }
    executed = _execute(template, executed_path, parameters, progress)
    html_path = out / "report.html"
    html_path.write_text(notebook_to_html(executed), encoding="utf-8")
    tables = sorted((out / "tables").glob("*.csv"))
    seconds = time.perf_counter() - started
    logger.info("report written to %s in %.1f s", html_path, seconds)
    return ReportResult(html_path, executed_path, tables, seconds)


def _absolute(location: str) -> str:
    """``location`` (a path or a URL) made independent of the current folder.

    The report notebook runs in a folder of its own, so a relative path, or a
    SQLite URL with a relative file, would point somewhere else there.
    """
    if "://" not in location:
        return str(Path(location).resolve())
    import sqlalchemy as sa

    try:
        url = sa.make_url(location)
    except sa.exc.ArgumentError:
        return location
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return location
    if Path(database).is_absolute():
        return location
    return url.set(database=str(Path(database).resolve())).render_as_string(
        hide_password=False
    )


def build_cards(
    gradebooks: Sequence[str],
    roster: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    learners: Iterable[str] | None = None,
    *,
    cohort: str = "",
    as_of: str = "",
    activity: str = "",
    progress: bool = True,
    notebook: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Run the learner card notebook for each learner; return the HTML paths.

    ``learners`` defaults to every learner of the cohort.
    """
    from tqdm.auto import tqdm

    from .programme import load_programme

    urls = [str(g) for g in gradebooks]
    programme = load_programme(urls, roster, cohort=cohort or None, as_of=as_of)
    known = list(programme.roster["learner_id"])
    chosen = list(learners) if learners else known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise AnalyticsError(
            f"Attempted to build progress cards, but {', '.join(unknown[:5])} "
            "is not on the cohort's roster. Check the learner ids."
        )
    template = Path(notebook) if notebook else NOTEBOOKS / "learner_card.ipynb"
    out = Path(output_dir).resolve()
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    written = []
    for learner in tqdm(chosen, desc="Progress cards", disable=not progress):
        executed = _execute(
            template,
            out / "notebooks" / f"{learner}.ipynb",
            {
                "gradebooks": [_absolute(u) for u in urls],
                "roster": str(Path(roster).resolve()),
                "cohort": cohort,
                "as_of": as_of,
                "activity": _absolute(activity) if activity else "",
                "learner": learner,
            },
            progress=False,
        )
        path = out / f"{learner}.html"
        path.write_text(notebook_to_html(executed), encoding="utf-8")
        written.append(path)
    return written
