"""The grading policy: execution limits and late penalties, from ``grading/``.

``grading/policy.toml`` holds the settings of a grading run; the course's own
nbgrader settings stay in ``grading/nbgrader_config.py`` (copied into each
built course root). :func:`nbgrader_config` merges both into one traitlets
``Config``, the same one given to our engine and to plain ``nbgrader
autograde``, so both grade by the same rules.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

__all__ = [
    "ExecutionLimits",
    "GradingPolicy",
    "LatePolicy",
    "PolicyError",
    "default_policy_file",
    "load_policy",
    "nbgrader_cli_args",
    "nbgrader_config",
    "with_workers",
]

#: Environment variable naming another policy file.
POLICY_ENV = "GOVLEARN_GRADING_POLICY"


class PolicyError(ValueError):
    """The grading policy file is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class ExecutionLimits:
    """How each submission is run.

    **Parameters:**

    * **workers** - parallel grading processes; 0 means one per CPU core.
    * **cell_timeout** - seconds one cell may run before it is interrupted.
    * **notebook_timeout** - seconds a whole notebook may run.
    * **startup_timeout** - seconds a kernel may take to start.
    * **memory_limit_mb** - address-space limit of a kernel (0 = none).
    * **output_limit_kb** - output kept from one cell; the rest is dropped.
    """

    workers: int = 0
    cell_timeout: int = 30
    notebook_timeout: int = 300
    startup_timeout: int = 60
    memory_limit_mb: int = 2048
    output_limit_kb: int = 1024

    @property
    def worker_count(self) -> int:
        """``workers``, with 0 resolved to the number of CPU cores."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class LatePolicy:
    """A penalty per started day late, with a grace period and a cap.

    The penalty is a fraction of the notebook's score: ``penalty_per_day``
    for each started day after the grace period, at most ``max_penalty``.
    """

    grace_minutes: float = 15.0
    penalty_per_day: float = 0.10
    max_penalty: float = 0.50

    def fraction(self, seconds_late: float) -> float:
        """The fraction of the score taken for ``seconds_late``."""
        if seconds_late <= self.grace_minutes * 60:
            return 0.0
        days = -(-seconds_late // 86400)  # started days, counted from the due date
        return min(self.max_penalty, self.penalty_per_day * days)


@dataclass(frozen=True)
class GradingPolicy:
    """Everything ``grading/policy.toml`` says."""

    execution: ExecutionLimits = field(default_factory=ExecutionLimits)
    late: LatePolicy = field(default_factory=LatePolicy)
    restore_missing_cells: bool = True
    source: Path | None = None


def default_policy_file() -> Path | None:
    """``$GOVLEARN_GRADING_POLICY``, else ``grading/policy.toml`` of this checkout."""
    if os.environ.get(POLICY_ENV):
        return Path(os.environ[POLICY_ENV])
    candidate = Path(__file__).resolve().parents[2] / "grading" / "policy.toml"
    return candidate if candidate.is_file() else None


def _section(
    cls: type[Any], table: dict[str, Any], where: str, problems: list[str]
) -> Any:
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(cls)}
    for key, value in table.items():
        if key not in known:
            problems.append(f"[{where}] has an unknown setting {key!r}")
            continue
        default = getattr(cls(), key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"[{where}] {key} must be a number, not {value!r}")
            continue
        if value < 0:
            problems.append(f"[{where}] {key} must not be negative ({value})")
            continue
        values[key] = type(default)(value)
    return cls(**values)


def load_policy(path: Path | str | None = None) -> GradingPolicy:
    """Read a policy file (default: :func:`default_policy_file`).

    With no file at all, the defaults above apply. Raises
    :class:`PolicyError` naming every bad setting.
    """
    file = Path(path) if path is not None else default_policy_file()
    if file is None:
        return GradingPolicy()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(
            f"Attempted to read the grading policy {file}, but it could not be "
            f"parsed: {exc}. Fix the file or pass --policy with another one."
        ) from exc
    problems: list[str] = []
    execution = _section(
        ExecutionLimits, data.get("execution", {}), "execution", problems
    )
    late = _section(LatePolicy, data.get("late", {}), "late", problems)
    if late.max_penalty > 1 or late.penalty_per_day > 1:
        problems.append("[late] penalties are fractions of the score, at most 1")
    restore = data.get("cells", {}).get("restore_missing", True)
    if not isinstance(restore, bool):
        problems.append("[cells] restore_missing must be true or false")
    for key in data:
        if key not in ("execution", "late", "cells"):
            problems.append(f"unknown section [{key}]")
    if problems:
        raise PolicyError(
            f"The grading policy {file} has problems: " + "; ".join(problems) + "."
        )
    return GradingPolicy(execution, late, bool(restore), file)


def nbgrader_config(
    course_root: Path,
    policy: GradingPolicy,
    *,
    db_url: str | None = None,
    exchange: Path | None = None,
) -> Config:
    """The nbgrader configuration of a grading run on ``course_root``.

    Starts from the course root's own ``nbgrader_config.py`` (the course
    build settings) and adds the grading policy on top: timeouts, output
    limits, restoring deleted cells and the late-penalty plugin.
    """
    root = Path(course_root).resolve()
    config = Config()
    config_file = root / "nbgrader_config.py"
    if config_file.is_file():
        previous = os.environ.get("GOVLEARN_COURSE_ROOT")
        os.environ["GOVLEARN_COURSE_ROOT"] = str(root)
        try:
            config.merge(PyFileConfigLoader(config_file.name, str(root)).load_config())
        finally:
            if previous is None:
                os.environ.pop("GOVLEARN_COURSE_ROOT", None)
            else:
                os.environ["GOVLEARN_COURSE_ROOT"] = previous
    config.CourseDirectory.root = str(root)
    if "course_id" not in config.CourseDirectory:
        config.CourseDirectory.course_id = root.name
    if db_url:
        config.CourseDirectory.db_url = db_url
    elif "db_url" not in config.CourseDirectory:
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    if exchange is not None:
        config.Exchange.root = str(exchange)
    limits = policy.execution
    config.Execute.timeout = limits.cell_timeout
    config.Execute.startup_timeout = limits.startup_timeout
    config.OverwriteCells.add_missing_cells = policy.restore_missing_cells
    config.AssignLatePenalties.plugin_class = "govlearn.grading.late.DailyLatePenalty"
    config.DailyLatePenalty.grace_minutes = policy.late.grace_minutes
    config.DailyLatePenalty.penalty_per_day = policy.late.penalty_per_day
    config.DailyLatePenalty.max_penalty = policy.late.max_penalty
    return config


def with_workers(policy: GradingPolicy, workers: int | None) -> GradingPolicy:
    """``policy`` with another worker count (``None`` keeps it)."""
    if workers is None:
        return policy
    return replace(policy, execution=replace(policy.execution, workers=workers))


def nbgrader_cli_args(policy: GradingPolicy) -> list[str]:
    """The same grading policy as command-line flags for plain ``nbgrader``.

    The benchmark and the equality test give these to ``nbgrader autograde``
    so it grades by the same rules as :func:`nbgrader_config`.
    """
    limits, late = policy.execution, policy.late
    return [
        f"--Execute.timeout={limits.cell_timeout}",
        f"--Execute.startup_timeout={limits.startup_timeout}",
        f"--OverwriteCells.add_missing_cells={policy.restore_missing_cells}",
        "--AssignLatePenalties.plugin_class=govlearn.grading.late.DailyLatePenalty",
        f"--DailyLatePenalty.grace_minutes={late.grace_minutes}",
        f"--DailyLatePenalty.penalty_per_day={late.penalty_per_day}",
        f"--DailyLatePenalty.max_penalty={late.max_penalty}",
    ]
