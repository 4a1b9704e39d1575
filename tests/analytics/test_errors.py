"""Missing or empty gradebooks, empty cohorts and mismatches give clear messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from govlearn import analytics as an

from .conftest import handmade_roster


def test_missing_gradebook_file(tmp_path: Path, handmade) -> None:
    missing = tmp_path / "nowhere" / "gradebook.db"
    with pytest.raises(an.GradebookNotFound) as caught:
        an.load_programme([str(missing)], handmade["roster"])
    message = str(caught.value)
    assert "no such file" in message and "govlearn grade" in message
    assert not missing.exists(), "reading must not create an empty database"


def test_unreachable_postgres_gradebook() -> None:
    with pytest.raises(an.GradebookNotFound, match="could not be reached"):
        an.load_gradebook("postgresql://postgres@127.0.0.1:1/none")


def test_database_without_nbgrader_tables(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(an.EmptyGradebook, match="no nbgrader tables"):
        an.load_gradebook(path)


def test_gradebook_without_assignments(tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with Gradebook(url, course_id="c101"):
        pass
    with pytest.raises(an.EmptyGradebook, match="holds no assignments"):
        an.load_gradebook(url)


def test_no_gradebook_given(handmade) -> None:
    with pytest.raises(an.GradebookNotFound, match="no gradebook was given"):
        an.load_programme([], handmade["roster"])


def test_empty_roster(tmp_path: Path, handmade) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(",".join(an.ROSTER_COLUMNS) + "\n")
    with pytest.raises(an.EmptyCohort, match="lists no learners"):
        an.load_programme([handmade["url"]], path)


def test_unknown_cohort(handmade) -> None:
    with pytest.raises(an.EmptyCohort, match="in cohort 'nobody'"):
        an.load_programme([handmade["url"]], handmade["roster"], cohort="nobody")


def test_missing_roster_and_missing_column(tmp_path: Path, handmade) -> None:
    with pytest.raises(an.RosterError, match="no such file"):
        an.load_roster(tmp_path / "absent.csv")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"name": ["x"]}).to_csv(bad, index=False)
    with pytest.raises(an.RosterError, match="no learner_id column"):
        an.load_roster(bad)


def test_roster_and_gradebook_disagree(tmp_path: Path, handmade) -> None:
    roster = handmade_roster()
    short = roster[~roster["learner_id"].isin(["ben", "dev"])]
    with pytest.raises(an.RosterMismatch) as caught:
        an.load_programme([handmade["url"]], short)
    assert caught.value.unknown == ["ben", "dev"]
    assert "2 learner(s) in the gradebooks are not on the roster" in str(caught.value)
    assert "ben, dev" in str(caught.value)


def test_errors_are_govlearn_errors() -> None:
    import pickle

    import govlearn

    error = an.RosterMismatch("x", ["a"])
    assert isinstance(error, govlearn.GovLearnError)
    assert pickle.loads(pickle.dumps(error)).unknown == ["a"]
