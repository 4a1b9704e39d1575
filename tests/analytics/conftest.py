"""A small hand-made gradebook and roster whose metrics are known exactly.

Course ``c101`` has two modules (pass mark 60 %; the certificate needs
every module submitted, 60 % of the points and 60 % in each module):

* ``m1`` (due 2026-03-10): notebook ``m1`` with autograded ``q1`` (2 points)
  and ``q2`` (3 points);
* ``m2`` (due 2026-03-24): notebook ``m2`` with autograded ``q1`` (5 points)
  and the hand-graded answer ``r1`` (5 points).

Learners and their scores (``-`` = no submission)::

    learner  m1 (q1, q2)   when        m2 (q1, r1)        when
    ana      2, 3          03-05       5, 4 (manual)      03-20
    ben      2, 0          03-09       0, 3 (manual)      03-25 (1 day late)
    cleo     0, 0          03-12 late  -
    dev      2, 3          03-08       5, not yet graded  03-21
    eve      -                         -
    fay      on the roster, enrolled, never in the gradebook

The report date is 2026-03-31.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

AS_OF = "2026-03-31"

SCORES = {
    ("m1", "ana"): ({"q1": 2, "q2": 3}, datetime(2026, 3, 5, 10)),
    ("m1", "ben"): ({"q1": 2, "q2": 0}, datetime(2026, 3, 9, 10)),
    ("m1", "cleo"): ({"q1": 0, "q2": 0}, datetime(2026, 3, 12, 10)),
    ("m1", "dev"): ({"q1": 2, "q2": 3}, datetime(2026, 3, 8, 10)),
    ("m2", "ana"): ({"q1": 5, "r1": 4}, datetime(2026, 3, 20, 10)),
    ("m2", "ben"): ({"q1": 0, "r1": 3}, datetime(2026, 3, 25, 10)),
    ("m2", "dev"): ({"q1": 5, "r1": None}, datetime(2026, 3, 21, 10)),
}

ROSTER = [
    # learner, continent, country, organisation, enrolled_on
    ("ana", "Africa", "Kenya", "Ministry of ICT", "2026-03-01"),
    ("ben", "Africa", "Rwanda", "Ministry of ICT", "2026-03-01"),
    ("cleo", "Asia", "Nepal", "City of Kathmandu", "2026-03-02"),
    ("dev", "Asia", "India", "City of Kathmandu", "2026-03-02"),
    ("eve", "Europe", "Estonia", "Registry Office", "2026-03-03"),
    ("fay", "Europe", "Ukraine", "Registry Office", "2026-03-03"),
]


def write_handmade_gradebook(path: Path, course: str = "c101") -> str:
    """Write the gradebook described in this module; return its URL."""
    url = f"sqlite:///{path}"
    write_handmade_gradebook_at(url, course)
    return url


def write_handmade_gradebook_at(url: str, course: str = "c101") -> None:
    """Write the gradebook described in this module into the database at ``url``."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    with Gradebook(url, course_id=course) as gb:
        gb.add_assignment("m1", duedate=datetime(2026, 3, 10, 23, 59))
        gb.add_assignment("m2", duedate=datetime(2026, 3, 24, 23, 59))
        for module, cells in (
            ("m1", [("q1", 2.0, "code"), ("q2", 3.0, "code")]),
            ("m2", [("q1", 5.0, "code"), ("r1", 5.0, "markdown")]),
        ):
            gb.add_notebook(module, module)
            for name, points, cell_type in cells:
                gb.add_grade_cell(
                    name, module, module, max_score=points, cell_type=cell_type
                )
                gb.add_solution_cell(name + "_answer", module, module)
        for learner, *_ in ROSTER[:5]:
            gb.add_student(
                learner,
                first_name=learner.title(),
                last_name="Test",
                email=f"{learner}@example.org",
            )
        for (module, learner), (cells, when) in SCORES.items():
            gb.add_submission(module, learner, timestamp=when)
            for name, value in cells.items():
                grade = gb.find_grade(name, module, module, learner)
                if name.startswith("r"):
                    grade.manual_score = value
                    grade.needs_manual_grade = value is None
                else:
                    grade.auto_score = value
                    grade.needs_manual_grade = False
            gb.db.commit()


def handmade_roster() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "learner_id": learner,
                "first_name": learner.title(),
                "last_name": "Test",
                "email": f"{learner}@example.org",
                "continent": continent,
                "country": country,
                "cohort": "wig-test",
                "organisation": organisation,
                "organisation_type": "government",
                "role": "analyst",
                "enrolled_on": enrolled,
                "courses": "",
            }
            for learner, continent, country, organisation, enrolled in ROSTER
        ]
    )


@pytest.fixture(scope="session")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The hand-made gradebook and roster, written once (tests only read them)."""
    import os
    import sys

    folder = tmp_path_factory.mktemp("handmade")
    bin_dir = str(Path(sys.executable).parent)
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = bin_dir + os.pathsep + old_path
    try:
        url = write_handmade_gradebook(folder / "gradebook.db")
    finally:
        os.environ["PATH"] = old_path
    roster_path = folder / "roster.csv"
    handmade_roster().to_csv(roster_path, index=False)
    return {"url": url, "roster": roster_path, "dir": folder}


@pytest.fixture(autouse=True)
def _alembic_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """nbgrader's Gradebook runs the ``alembic`` command of this environment."""
    import os
    import sys

    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def programme(handmade):  # type: ignore[no-untyped-def]
    from govlearn.analytics import CoursePolicy, load_programme

    return load_programme(
        [handmade["url"]],
        handmade["roster"],
        as_of=AS_OF,
        policies={
            "c101": CoursePolicy(
                title="Course 101", pass_mark=0.6, min_module_fraction=0.6
            )
        },
    )
