"""Show charts and tables in a report notebook, ready for offline HTML.

nbconvert's HTML exporter cannot draw plotly's JSON mimetype (since plotly 6
it is a figure's only output in a headless kernel), so the chart would vanish
from the report. :func:`show` therefore emits a ``text/html`` rendering next
to the JSON: JupyterLab draws the JSON, the HTML report the ``text/html``.
:func:`setup` puts plotly.js into the notebook once, so the HTML report works
offline and does not repeat the 4-5 MB bundle per chart.
"""

from __future__ import annotations

import html
import json

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from .charts import Chart

__all__ = [
    "PLOTLY_MARKER",
    "setup",
    "show",
    "show_heading",
    "show_table",
    "show_text",
]

#: the comment that marks the one embedded copy of plotly.js
PLOTLY_MARKER = "govlearn: plotly.js bundle"


def _display(bundle: dict[str, object]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def setup() -> None:
    """Embed plotly.js once (call it in the first cell of a report notebook)."""
    script = (
        f"<!-- {PLOTLY_MARKER} -->\n"
        '<script type="text/javascript">window.PlotlyConfig = '
        "{MathJaxConfig: 'local'};</script>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
    )
    _display({"text/html": script})
    pd.set_option("display.max_rows", 200)


def _style() -> str:
    return (
        "display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;"
        "margin:8px 0 24px 0"
    )


def show(chart: Chart) -> None:
    """Display a chart with its text summary beside it."""
    figure_html = pio.to_html(
        chart.figure,
        include_plotlyjs=False,
        full_html=False,
        config={"displaylogo": False, "responsive": True},
    )
    block = (
        f'<div class="govlearn-chart" style="{_style()}">'
        f'<div style="flex:3 1 520px;min-width:320px">{figure_html}</div>'
        '<div class="govlearn-summary" style="flex:1 1 220px;padding:12px;'
        'border-left:4px solid #0072B2;background:#f5f8fb;font-size:15px">'
        f"<strong>{html.escape(chart.title)}</strong>"
        f"<p>{html.escape(chart.summary)}</p></div></div>"
    )
    _display(
        {
            "text/html": block,
            "application/vnd.plotly.v1+json": json.loads(chart.figure.to_json()),
            "text/plain": f"{chart.title}: {chart.summary}",
        }
    )


def show_text(text: str) -> None:
    """Display a paragraph of plain text (escaped) as HTML and text."""
    _display({"text/html": f"<p>{html.escape(text)}</p>", "text/plain": text})


def show_table(table: pd.DataFrame, caption: str = "", rows: int = 30) -> None:
    """Display the first ``rows`` rows of a table, with an optional caption."""
    shown = table.head(rows)
    styled = shown.to_html(index=False, float_format=lambda v: f"{v:.2f}", na_rep="")
    note = (
        f"<p><em>Showing {rows} of {len(table)} rows; the CSV has them all.</em></p>"
        if len(table) > rows
        else ""
    )
    head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
    _display({"text/html": head + styled + note, "text/plain": shown.to_string()})


def show_heading(text: str) -> None:
    """Display the report's title as a top-level heading."""
    _display({"text/html": f"<h1>{html.escape(text)}</h1>", "text/plain": text})
