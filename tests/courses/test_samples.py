"""Sample submissions made from the source notebooks' own answers."""

from __future__ import annotations

from govlearn.courses import load_course, sample_submissions
from govlearn.courses.samples import answer_text

from .conftest import COURSES

SOURCE = '''def f(x):
    """Double x."""
    ### BEGIN SOLUTION
    y = x * 2
    return y
    ### END SOLUTION
'''


def test_answer_text_right_drops_only_the_markers() -> None:
    right = answer_text(SOURCE, right=True)
    assert "### BEGIN SOLUTION" not in right and "return y" in right
    namespace: dict = {}
    exec(right, namespace)
    assert namespace["f"](3) == 6


def test_answer_text_wrong_runs_and_returns_nothing() -> None:
    wrong = answer_text(SOURCE, right=False)
    assert "return y" not in wrong and "    pass" in wrong
    namespace: dict = {}
    exec(wrong, namespace)
    assert namespace["f"](3) is None


def test_samples_of_every_module(built_courses) -> None:  # type: ignore[no-untyped-def]
    for course_id in COURSES:
        root = built_courses(course_id)
        course = load_course(course_id)
        for module in course.modules:
            release = root / "release" / module.id / f"{module.id}.ipynb"
            samples = {
                s.kind: s for s in sample_submissions(course, module.id, release)
            }
            assert samples["wrong"].expected_score == 0
            assert samples["right"].expected_score > samples["partial"].expected_score
            assert samples["partial"].expected_score > 0
            text = "\n".join(c.source for c in samples["right"].notebook.cells)
            assert "### BEGIN SOLUTION" not in text
            assert "### BEGIN HIDDEN TESTS" not in text
