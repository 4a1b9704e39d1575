"""Helpers for course notebooks: self-check quizzes and plotly charts.

* :func:`quiz` / :class:`Question`: ipywidgets quizzes with immediate answers,
  shown as static HTML or text where widgets cannot run.
* :func:`setup_plotly`: a renderer whose charts survive nbconvert HTML offline.
* :func:`flow_figure`, :func:`usct_flow_figure`, :func:`bar_chart`: the charts
  the courses draw.
"""

from __future__ import annotations

from .charts import (
    BLOCK_ORDER,
    DEFAULT_RENDERER,
    USCT_REFERENCE_STEPS,
    bar_chart,
    flow_figure,
    setup_plotly,
    usct_flow_figure,
)
from .quiz import Question, Quiz, quiz

__all__ = [
    "BLOCK_ORDER",
    "DEFAULT_RENDERER",
    "USCT_REFERENCE_STEPS",
    "Question",
    "Quiz",
    "bar_chart",
    "flow_figure",
    "quiz",
    "setup_plotly",
    "usct_flow_figure",
]
