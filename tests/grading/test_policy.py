"""The grading policy file and the late-penalty plugin nbgrader calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlearn.grading.late import DailyLatePenalty
from govlearn.grading.policy import LatePolicy, PolicyError, load_policy

DAY = 86400


def test_the_shipped_policy_loads() -> None:
    policy = load_policy()
    assert policy.source is not None and policy.source.name == "policy.toml"
    assert policy.execution.cell_timeout > 0
    assert policy.execution.worker_count >= 1
    assert 0 <= policy.late.max_penalty <= 1


@pytest.mark.parametrize(
    ("seconds", "fraction"),
    [
        pytest.param(0, 0.0, id="on-time"),
        pytest.param(14 * 60, 0.0, id="inside-grace"),
        pytest.param(16 * 60, 0.1, id="just-late"),
        pytest.param(DAY + 1, 0.2, id="second-day"),
        pytest.param(30 * DAY, 0.5, id="capped"),
    ],
)
def test_late_fraction_per_started_day_with_grace_and_cap(
    seconds: float, fraction: float
) -> None:
    policy = LatePolicy(grace_minutes=15, penalty_per_day=0.1, max_penalty=0.5)
    assert policy.fraction(seconds) == pytest.approx(fraction)


def test_plugin_turns_the_fraction_into_points() -> None:
    plugin = DailyLatePenalty(grace_minutes=0, penalty_per_day=0.25, max_penalty=1.0)
    assert plugin.late_submission_penalty("amina", 8.0, 2 * DAY - 5) == 4.0
    assert plugin.late_submission_penalty("amina", 8.0, 0) is None


def test_bad_policy_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text(
        "[execution]\ncell_timeout = 'soon'\nworkerz = 2\n[late]\nmax_penalty = 3\n"
    )
    with pytest.raises(PolicyError) as error:
        load_policy(bad)
    message = str(error.value)
    assert "cell_timeout must be a number" in message
    assert "unknown setting 'workerz'" in message
    assert "at most 1" in message


def test_unparsable_policy_says_which_file(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[execution\n")
    with pytest.raises(PolicyError, match="policy.toml"):
        load_policy(bad)
