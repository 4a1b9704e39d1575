"""Fixtures for the course checks: every course in courses/, built once per session.

The parametrisations read the ``courses/`` folder when the tests are collected,
so a new course is checked by the same tests without any edit here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from govlearn.courses import build_course, courses_root, list_courses, load_course
from tests.conftest import RunningSandbox, start_sandbox

REPO = courses_root().parent
COURSES = list_courses()
SOURCE_NOTEBOOKS = sorted(courses_root().glob("*/source/*/*.ipynb"))
SANITIZE = courses_root() / "nbval_sanitize.cfg"


def _modules() -> list[tuple[str, str]]:
    pairs = []
    for course_id in COURSES:
        try:
            course = load_course(course_id)
        except Exception:  # reported by test_course_is_valid
            continue
        pairs += [(course_id, module.id) for module in course.modules]
    return pairs


MODULES = _modules()


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for nbgrader, nbval and kernels run as subprocesses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"GOVLEARN_SANDBOX_URL", "GOVLEARN_LEARNER_KEY", "PYTHONPATH"}
    }
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


#: What a kernel prints when another process bound one of its TCP ports first.
PORT_RACE = "ZMQError: Address already in use"


def run_tool(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900):
    """Run a command; return the completed process (output as text).

    jupyter_client picks free ports for each kernel and the kernel binds them a
    moment later; with tools running side by side another process can take
    one first, and that kernel dies. The tools here do not retry, so a run
    whose output shows that race is run again (at most twice more).
    """
    for _ in range(3):
        done = subprocess.run(
            args,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if PORT_RACE not in done.stdout + done.stderr:
            break
    return done


@pytest.fixture(scope="session")
def hosted_sandbox(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningSandbox]:
    """One sandbox over real HTTP for the session, as a cohort would use."""
    folder = tmp_path_factory.mktemp("course-sandbox")
    running = start_sandbox(f"sqlite:///{folder / 'sandbox.db'}")
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")
def built_courses(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Build each course at most once per session: course id -> course root."""
    roots: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("built-courses")

    def get(course_id: str) -> Path:
        if course_id not in roots:
            roots[course_id] = build_course(course_id, base / course_id)
        return roots[course_id]

    return get


def learner_env(sandbox: RunningSandbox, home: Path) -> dict[str, str]:
    """Environment of a graded run: the hosted sandbox and a fresh learner key."""
    learner = f"grader-{uuid.uuid4().hex[:8]}"
    return tool_env(
        GOVLEARN_SANDBOX_URL=sandbox.url,
        GOVLEARN_LEARNER_KEY=sandbox.new_key(learner),
        GOVLEARN_HOME=str(home),
        # Graded copies need no embedded plotly.js (several MB per notebook).
        PLOTLY_RENDERER="plotly_mimetype",
    )
