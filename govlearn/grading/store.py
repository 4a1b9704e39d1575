"""GovLearn's own tables, kept in the nbgrader gradebook database beside nbgrader's.

* ``govlearn_grading_records``: one row per graded submission (content hash,
  outcome, problems), written in the same transaction as its grades, so a run
  that stops half-way resumes exactly where it stopped.
* ``govlearn_learners``: the roster fields nbgrader has no column for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Float, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["GradingRecord", "LearnerProfile", "create_tables", "transaction"]


class _Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GradingRecord(_Base):
    """The last grading of one learner's assignment."""

    __tablename__ = "govlearn_grading_records"

    assignment: Mapped[str] = mapped_column(String(128), primary_key=True)
    student: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    problems_json: Mapped[str] = mapped_column(Text, default="[]")
    graded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now
    )
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str] = mapped_column(String(128), default="")

    @property
    def problems(self) -> list[dict[str, str]]:
        return list(json.loads(self.problems_json or "[]"))


class LearnerProfile(_Base):
    """Roster fields of a learner that nbgrader's ``Student`` does not hold."""

    __tablename__ = "govlearn_learners"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    continent: Mapped[str] = mapped_column(String(100), default="")
    cohort: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")


def create_tables(engine: Any) -> None:
    """Create GovLearn's tables in a gradebook database if they are missing."""
    _Base.metadata.create_all(engine)


class TransactionAborted(RuntimeError):
    """nbgrader asked for a rollback inside one submission's transaction."""


class _SessionInTransaction:
    """A session whose ``commit`` only flushes, so many calls form one transaction."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def rollback(self) -> None:
        raise TransactionAborted(
            "The gradebook refused a change while recording this submission; "
            "none of its grades were saved."
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def __call__(self) -> Any:
        return self._session()


@contextmanager
def transaction(gradebook: Any) -> Iterator[Any]:
    """Run nbgrader ``Gradebook`` calls as one transaction, committed at the end.

    nbgrader commits after every change; inside this block those commits only
    flush, and the one real commit happens when the block ends. On any error
    everything is rolled back, so the gradebook never holds half a submission.
    """
    session = gradebook.db
    gradebook.db = _SessionInTransaction(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        gradebook.db = session
