"""Quizzes and charts: live widgets in JupyterLab, something sensible in HTML."""

from __future__ import annotations

import nbformat
import pytest

from govlearn.notebook import (
    BLOCK_ORDER,
    USCT_REFERENCE_STEPS,
    Question,
    bar_chart,
    flow_figure,
    quiz,
    setup_plotly,
    usct_flow_figure,
)
from govlearn.notebook.quiz import STATIC_ENV, widgets_wanted

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _question() -> Question:
    return Question(
        "How many building blocks in 23Q4?",
        ["9", "12", "14"],
        answer="12",
        explain="Three were added to 1.0's nine.",
    )


def test_question_gives_immediate_feedback() -> None:
    question = _question()
    assert question.answer_index == 1
    assert question.feedback("12").startswith("✅")
    assert question.feedback("9").startswith("❌")
    assert "Three were added" in question.feedback("9")
    assert question.feedback(None) == ""


def test_question_rejects_an_answer_that_is_not_an_option() -> None:
    with pytest.raises(ValueError, match="not one of its options"):
        Question("?", ["a", "b"], answer="c")
    with pytest.raises(ValueError, match="at least two options"):
        Question("?", ["a"], answer=0)
    with pytest.raises(ValueError, match="at least one Question"):
        quiz()


def test_quiz_bundle_has_widget_html_and_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv(STATIC_ENV, raising=False)
    bundle = quiz(_question())._repr_mimebundle_()
    assert WIDGET_VIEW in bundle
    assert "<details>" in bundle["text/html"] and "12" in bundle["text/html"]
    assert "How many building blocks" in bundle["text/plain"]


def test_radio_buttons_answer_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    box = quiz(_question()).widget()
    radios, answer = box.children[2], box.children[3]
    radios.value = "9"
    assert answer.value.startswith("❌")
    radios.value = "12"
    assert answer.value.startswith("✅")


@pytest.mark.parametrize(
    "name,value", [("NBGRADER_EXECUTION", "autograde"), (STATIC_ENV, "1")]
)
def test_headless_runs_get_the_static_quiz(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert not widgets_wanted()
    bundle = quiz(_question())._repr_mimebundle_()
    assert WIDGET_VIEW not in bundle
    assert "Show the answer" in bundle["text/html"]


def test_setup_plotly_emits_html_and_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import plotly.io as pio

    monkeypatch.delenv("PLOTLY_RENDERER", raising=False)
    assert setup_plotly() == "plotly_mimetype+notebook"
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype")
    assert setup_plotly() == "plotly_mimetype"
    assert pio.renderers.default == "plotly_mimetype"
    assert setup_plotly("notebook_connected") == "notebook_connected"


def test_flow_figure_places_each_block_of_each_step() -> None:
    figure = usct_flow_figure()
    trace = figure.data[0]
    pairs = set(zip(trace.x, trace.y, strict=True))
    assert ("2. Registration", "Consent") in pairs
    assert ("6. Payment", "Payments") in pairs
    used = sum(len(blocks) for _, blocks in USCT_REFERENCE_STEPS)
    assert len(pairs) == used
    assert list(figure.layout.xaxis.categoryarray)[0] == "1. Outreach"
    assert set(trace.y) <= set(BLOCK_ORDER)


def test_flow_figure_keeps_unknown_blocks_and_bar_chart_order() -> None:
    figure = flow_figure([("a", ["Identity"]), ("b", ["Wallet"])])
    assert "Wallet" in figure.layout.yaxis.categoryarray
    bars = bar_chart({"Identity": 3, "Payments": 1}, title="t")
    assert list(bars.data[0].x) == ["Identity", "Payments"]


@pytest.mark.notebooks
def test_quiz_and_chart_survive_nbconvert_html(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    monkeypatch.setenv(STATIC_ENV, "1")
    monkeypatch.delenv("PLOTLY_RENDERER", raising=False)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from govlearn.notebook import Question, quiz, setup_plotly,"
            " usct_flow_figure\nsetup_plotly()"
        ),
        nbformat.v4.new_code_cell(
            "quiz(Question('Which layer?', ['Workflows', 'Use cases'], answer=0))"
        ),
        nbformat.v4.new_code_cell("usct_flow_figure()"),
    ]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    html, _ = HTMLExporter().from_notebook_node(notebook)
    assert "Show the answer" in html and "Which layer?" in html
    assert "Plotly.newPlot" in html or "plotly-graph-div" in html
    assert "Data verification" in html
