"""Every source notebook of every course runs clean under ``pytest --nbval-lax``.

Each notebook runs in its own pytest process against the embedded sandbox, in
a fresh GovLearn home, exactly as a learner on a laptop would run it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import REPO, SANITIZE, SOURCE_NOTEBOOKS, run_tool, tool_env

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


@pytest.mark.parametrize(
    "notebook",
    SOURCE_NOTEBOOKS,
    ids=[f"{p.parents[2].name}/{p.stem}" for p in SOURCE_NOTEBOOKS],
)
def test_source_notebook_runs_clean(notebook: Path, tmp_path: Path) -> None:
    env = tool_env(GOVLEARN_HOME=str(tmp_path / "home"))
    args = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-cell-timeout=120",
        "--nbval-kernel-startup-timeout=180",
        f"--nbval-sanitize-with={SANITIZE}",
        "-p",
        "no:cacheprovider",
        "-q",
        str(notebook),
    ]
    result = run_tool(args, REPO, env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
