"""Plotly in course notebooks: a renderer that survives nbconvert, and flow charts.

Since plotly 6 a figure's default output in a headless kernel is only the
plotly JSON mimetype, which nbconvert's HTML exporter drops. :func:`setup_plotly`
picks ``plotly_mimetype+notebook``: JupyterLab draws the JSON, and the HTML
export gets a ``text/html`` chart with plotly.js embedded, so it works offline.
Set ``PLOTLY_RENDERER`` to choose another (``plotly_mimetype+notebook_connected``
keeps executed notebooks small when readers are online).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "BLOCK_ORDER",
    "DEFAULT_RENDERER",
    "USCT_REFERENCE_STEPS",
    "bar_chart",
    "flow_figure",
    "setup_plotly",
    "usct_flow_figure",
]

DEFAULT_RENDERER = "plotly_mimetype+notebook"

#: The twelve building blocks of the GovStack 23Q4 specifications.
BLOCK_ORDER = (
    "Consent",
    "Digital Registries",
    "E-Marketplace",
    "E-Signature",
    "GIS",
    "Identity",
    "Information Mediator",
    "Messaging",
    "Payments",
    "Registration",
    "Scheduler",
    "Workflow",
)

#: The reference use case "Unconditional Social Cash Transfer" (INST-1): its
#: nine steps and the building blocks each step uses (GovStack
#: product-use-cases, inst-1-unconditional-social-cash-transfer.md).
USCT_REFERENCE_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Outreach", ("Messaging", "Scheduler")),
    ("Registration", ("Consent", "Identity", "Information Mediator", "Registration")),
    ("Data verification", ("Consent", "Identity", "Information Mediator")),
    ("Eligibility and package design", ("Identity", "Information Mediator")),
    (
        "Enrollment",
        ("Identity", "Information Mediator", "Payments", "Registration"),
    ),
    ("Payment", ("Payments",)),
    ("Ongoing case management", ()),
    ("Monitoring and evaluation", ()),
    ("Updating", ("Consent", "Identity", "Scheduler", "Workflow")),
)


def setup_plotly(renderer: str | None = None) -> str:
    """Make plotly figures render in JupyterLab and in nbconvert HTML.

    Uses ``renderer``, else ``$PLOTLY_RENDERER``, else :data:`DEFAULT_RENDERER`,
    and returns the renderer name chosen.
    """
    import plotly.io as pio

    chosen = renderer or os.environ.get("PLOTLY_RENDERER") or DEFAULT_RENDERER
    pio.renderers.default = chosen
    pio.templates.default = "plotly_white"
    return chosen


def flow_figure(
    steps: Sequence[tuple[str, Sequence[str]]],
    *,
    title: str = "Which building blocks each step uses",
    blocks: Sequence[str] | None = None,
) -> Any:
    """A step-by-block chart: one column per step, one row per building block.

    ``steps`` is a sequence of ``(step name, building blocks it uses)``.
    Rows follow ``blocks`` (default: :data:`BLOCK_ORDER`, then any others).
    """
    import plotly.graph_objects as go

    used = [block for _, step_blocks in steps for block in step_blocks]
    order = list(blocks or BLOCK_ORDER)
    order += sorted({block for block in used if block not in order})
    rows = [block for block in order if block in used] or order
    names = [f"{number}. {name}" for number, (name, _) in enumerate(steps, start=1)]
    xs, ys, texts = [], [], []
    for label, (name, step_blocks) in zip(names, steps, strict=True):
        for block in step_blocks:
            xs.append(label)
            ys.append(block)
            texts.append(f"{name}: {block}")
    figure = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={"size": 16, "symbol": "square", "color": "#1f6f8b"},
            hovertext=texts,
            hoverinfo="text",
            name="uses",
        )
    )
    figure.update_layout(
        title=title,
        height=120 + 34 * len(rows),
        margin={"l": 160, "r": 20, "t": 60, "b": 120},
        showlegend=False,
    )
    figure.update_xaxes(categoryorder="array", categoryarray=names, tickangle=-30)
    figure.update_yaxes(categoryorder="array", categoryarray=rows[::-1])
    return figure


def usct_flow_figure() -> Any:
    """The USCT reference use case across the building blocks."""
    return flow_figure(
        USCT_REFERENCE_STEPS,
        title="Unconditional Social Cash Transfer: building blocks by step",
    )


def bar_chart(
    values: Mapping[str, float], *, title: str, x_title: str = "", y_title: str = ""
) -> Any:
    """A simple bar chart of ``values`` (label -> number), in the given order."""
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=list(values), y=list(values.values())))
    figure.update_layout(title=title, height=360, margin={"t": 60, "b": 80})
    figure.update_xaxes(title=x_title)
    figure.update_yaxes(title=y_title)
    return figure
