"""Self-check quizzes: ipywidgets with immediate answers, and a static fallback.

A quiz is not graded. In JupyterLab each question is a set of radio buttons;
picking an option shows at once whether it is right, and why. Where no widget
can run (nbconvert HTML, a plain-text viewer, nbval), the same quiz shows as
HTML with each answer folded away under "Show the answer", or as plain text.

Executed notebooks keep widget state, and nbconvert then prefers the widget
(drawn from a CDN, without a kernel to check answers). So in headless runs the
quiz leaves the widget out: under nbgrader (``NBGRADER_EXECUTION`` is set) or
when ``GOVLEARN_STATIC_WIDGETS=1``; feedback and reports then show the HTML.

    from govlearn.notebook import Question, quiz
    quiz(
        Question("How many building blocks did the 23Q4 release list?",
                 ["9", "12", "14"], answer="12",
                 explain="23Q4 added E-Marketplace, E-Signature and GIS to 1.0's 9."),
    )
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATIC_ENV", "Question", "Quiz", "quiz", "widgets_wanted"]

STATIC_ENV = "GOVLEARN_STATIC_WIDGETS"

RIGHT = "✅ Right."
WRONG = "❌ Not quite."


def widgets_wanted() -> bool:
    """Whether to show live widgets (False in headless grading or reporting)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return False
    return os.environ.get(STATIC_ENV, "").strip().lower() not in {"1", "true", "yes"}


@dataclass(frozen=True)
class Question:
    """One multiple-choice question with one right option.

    ``answer`` is the right option's text or its index in ``options``.
    """

    prompt: str
    options: Sequence[str]
    answer: str | int
    explain: str = ""

    def __post_init__(self) -> None:
        options = tuple(self.options)
        if len(options) < 2:
            raise ValueError(
                f"Question {self.prompt!r} needs at least two options to choose from."
            )
        object.__setattr__(self, "options", options)
        index = self.answer_index
        if not 0 <= index < len(options):
            raise ValueError(
                f"Question {self.prompt!r}: the answer {self.answer!r} is not one of "
                f"its options {list(options)}."
            )

    @property
    def answer_index(self) -> int:
        if isinstance(self.answer, int):
            return self.answer
        try:
            return list(self.options).index(self.answer)
        except ValueError:
            return -1

    @property
    def answer_text(self) -> str:
        return str(self.options[self.answer_index])

    def feedback(self, choice: str | None) -> str:
        """The immediate answer to picking ``choice``."""
        if choice is None:
            return ""
        verdict = RIGHT if choice == self.answer_text else WRONG
        return f"{verdict} {self.explain}".strip()


@dataclass
class Quiz:
    """A titled set of questions that displays itself as widgets or HTML."""

    title: str
    questions: Sequence[Question]
    _widget: Any = field(default=None, init=False, repr=False)

    def widget(self) -> Any:
        """The ipywidgets box (built once)."""
        if self._widget is None:
            self._widget = _build_widget(self)
        return self._widget

    def to_text(self) -> str:
        lines = [f"Self-check: {self.title}"]
        for number, question in enumerate(self.questions, start=1):
            lines.append(f"{number}. {question.prompt}")
            lines += [f"   - {option}" for option in question.options]
        lines.append("(Run this cell in JupyterLab to check your answers.)")
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [
            '<div class="govlearn-quiz">',
            f"<p><strong>Self-check: {html.escape(self.title)}</strong></p><ol>",
        ]
        for question in self.questions:
            options = "".join(
                f"<li>{html.escape(str(option))}</li>" for option in question.options
            )
            answer = html.escape(question.answer_text)
            explain = html.escape(question.explain)
            parts.append(
                f"<li><p>{html.escape(question.prompt)}</p><ul>{options}</ul>"
                f"<details><summary>Show the answer</summary><p><strong>{answer}"
                f"</strong>. {explain}</p></details></li>"
            )
        parts.append("</ol></div>")
        return "".join(parts)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> dict[str, Any]:
        bundle: dict[str, Any] = {}
        widget_bundle = None
        if widgets_wanted():
            try:
                widget_bundle = self.widget()._repr_mimebundle_()
            except Exception:  # no widget support here: the static forms show
                widget_bundle = None
        if isinstance(widget_bundle, dict):
            bundle.update(widget_bundle)
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = self.to_text()
        return bundle

    def __repr__(self) -> str:
        return f"<Quiz {self.title!r}: {len(self.questions)} questions>"


def _build_widget(quiz_: Quiz) -> Any:
    import ipywidgets as widgets

    rows: list[Any] = [widgets.HTML(f"<strong>Self-check: {html.escape(quiz_.title)}")]
    for number, question in enumerate(quiz_.questions, start=1):
        choices = widgets.RadioButtons(
            options=[str(option) for option in question.options],
            value=None,
            layout=widgets.Layout(width="max-content"),
        )
        answer = widgets.HTML("")

        def show(change: dict[str, Any], q: Question = question, out: Any = answer):
            out.value = html.escape(q.feedback(change["new"]))

        choices.observe(show, names="value")
        rows += [
            widgets.HTML(f"<p>{number}. {html.escape(question.prompt)}</p>"),
            choices,
            answer,
        ]
    return widgets.VBox(rows)


def quiz(*questions: Question, title: str = "check your understanding") -> Quiz:
    """A self-check quiz; make it the last expression of a cell to show it."""
    if not questions:
        raise ValueError("A quiz needs at least one Question.")
    return Quiz(title, questions)
