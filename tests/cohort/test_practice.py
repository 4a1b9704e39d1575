"""Learners practising in a real sandbox: the same calls however many run at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govlearn import analytics as an
from govlearn.cohort import simulate_roster
from govlearn.cohort.practice import (
    PracticeSandbox,
    _run,
    plan_practice,
    practise,
)

_MISSING = "SANDBOX/GOV/PROVIDER/TEST/no-such-service"


@pytest.fixture(scope="module")
def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten learners; learner i handed in i % 4 modules (0: never practises)."""
    roster = simulate_roster(10, seed=5)
    rows = []
    for i, learner in enumerate(roster["learner_id"]):
        for module in range(3):
            submitted = "2026-01-20T10:00:00Z" if module < i % 4 else None
            rows.append((learner, f"m{module}", submitted))
    submissions = pd.DataFrame(rows, columns=["learner", "module", "submitted_at"])
    return roster, submissions


@pytest.fixture
def sandbox(database_url: str) -> Iterator[PracticeSandbox]:
    running = PracticeSandbox.start(database_url)
    try:
        yield running
    finally:
        running.stop()


def _log(database_url: str) -> pd.DataFrame:
    """Per learner: message-log rows in all and refused by the mediator."""
    calls = an.load_activity(database_url)
    return (
        calls.assign(refused=calls["service"] == _MISSING)
        .groupby("learner")
        .agg(logged=("service", "size"), refused=("refused", "sum"))
        .sort_index()
    )


def test_concurrent_practice_matches_one_at_a_time(
    cohort: tuple[pd.DataFrame, pd.DataFrame],
    sandbox: PracticeSandbox,
    tmp_path: Path,
) -> None:
    roster, submissions = cohort
    alone = PracticeSandbox.start(f"sqlite:///{tmp_path / 'alone.db'}")
    try:
        one_by_one = practise(alone, roster, submissions, seed=7, workers=1)
    finally:
        alone.stop()
    together = practise(sandbox, roster, submissions, seed=7, workers=6)

    pd.testing.assert_frame_equal(together, one_by_one)
    started = submissions[submissions["submitted_at"].notna()]["learner"]
    assert together["learner"].tolist() == sorted(started.unique())
    assert together["calls"].sum() > 20
    # only the calls to the missing service are refused, exactly as planned
    plans = {p.learner: p for p in plan_practice(roster, submissions, seed=7)}
    assert together["errors"].tolist() == [
        plans[learner].refusals for learner in together["learner"]
    ]
    assert together["errors"].sum() > 0

    # every call is in the message log as soon as practise returns
    log = _log(sandbox.database_url)
    expected = together[together["calls"] > 0].set_index("learner").sort_index()
    assert log["logged"].tolist() == expected["calls"].tolist()
    assert log["refused"].tolist() == expected["errors"].tolist()
    assert log.index.tolist() == expected.index.tolist()
    pd.testing.assert_frame_equal(log, _log(f"sqlite:///{tmp_path / 'alone.db'}"))


def test_plan_depends_on_the_seed_not_the_order(
    cohort: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    roster, submissions = cohort
    order = np.random.default_rng(3)
    shuffled_roster = roster.iloc[order.permutation(len(roster))]
    shuffled = submissions.iloc[order.permutation(len(submissions))]
    planned = plan_practice(roster, submissions, seed=7)
    assert plan_practice(shuffled_roster, shuffled, seed=7) == planned
    assert plan_practice(roster, submissions, seed=8) != planned
    kinds = {kind for p in planned for kind in p.calls}
    assert kinds == {"health", "mirror", "missing"}


def test_practising_again_rotates_keys_and_adds_the_same_calls(
    cohort: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    roster, submissions = cohort
    database_url = f"sqlite:///{tmp_path / 'again.db'}"
    sandbox = PracticeSandbox.start(database_url)
    try:
        first = practise(sandbox, roster, submissions, seed=7, workers=3)
        once = _log(database_url)
        second = practise(sandbox, roster, submissions, seed=7, workers=3)
    finally:
        sandbox.stop()
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(_log(database_url), once * 2)


def test_a_failing_call_stops_practice_and_names_the_learner(
    cohort: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    roster, submissions = cohort
    learner = next(p for p in plan_practice(roster, submissions, seed=7) if p.calls)
    sandbox = PracticeSandbox.start(f"sqlite:///{tmp_path / 'refused.db'}")
    try:
        with pytest.raises(RuntimeError, match=learner.learner) as raised:
            _run(sandbox.url, "glk_not-a-key-of-this-sandbox", learner)
    finally:
        sandbox.stop()
    assert "learner key" in str(raised.value)
