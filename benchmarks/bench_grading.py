"""Grade one synthetic cohort with ``govlearn grade`` and with ``nbgrader autograde``.

Both graders get the same batch (copies of one course root with the same
submissions), the same policy (cell timeout, late plugin, restoring deleted
cells) and run cold, one after the other, on this machine. The script prints
notebooks per second, the ratio, the peak memory of each grader's process
tree (kernels included), and whether every score matches.

    .venv/bin/python benchmarks/bench_grading.py --learners 100

The batch: learner ``n`` submits module ``n mod M`` of the course (default
``govstack-101``, the real course notebooks), built from the course's own
sample answers: 40 % right, 25 % partly right, 20 % wrong, 15 % broken
(an infinite loop, a deleted grade cell, an edited test cell, invalid JSON,
a kernel that exits).

What makes it fair: the same notebooks, config and machine; both write the
gradebook and the autograded notebooks; plain nbgrader runs the notebooks as
it would for an instructor (each kernel starts its own embedded sandbox, since
nbgrader knows no sandbox), while govlearn starts one grading sandbox per run.
Scores are compared cell by cell wherever nbgrader produced a score; the
submissions nbgrader could not grade at all are counted separately.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "grading" / "fixtures"
MIX = [("right", 40), ("partial", 25), ("wrong", 20), ("broken", 15)]
BROKEN = ("loop", "deleted", "edited", "invalid", "exit")


def _course(course_id: str, work: Path) -> tuple[object, Path]:
    from govlearn.courses.model import load_course

    target = work / "source-root" / course_id
    if (ROOT / "courses" / course_id / "course.toml").is_file():
        from govlearn.courses.build import build_course

        course = load_course(course_id)
        build_course(course_id, target)
        return course, target
    from govlearn.grading.course import prepare_course_root

    course = load_course(course_id, root=FIXTURE)
    prepare_course_root(FIXTURE / course_id, target)
    return course, target


def _break(nb: nbformat.NotebookNode, how: str) -> nbformat.NotebookNode | str:
    nb = copy.deepcopy(nb)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    if how == "invalid":
        return nbformat.writes(nb)[:200] + "\n  oops"
    if how == "deleted" and graded:
        nb.cells.remove(graded[-1])
    elif how == "edited" and graded:
        graded[0].source = "assert True  # edited by the learner"
    elif how == "loop" and answers:
        answers[0].source = "while True:\n    pass"
    elif how == "exit" and answers:
        answers[0].source = "import os\nos._exit(1)"
    return nb


def make_batch(course: object, root: Path, learners: int, seed: int) -> dict[str, str]:
    """Write the submissions into ``root/submitted``; return learner -> kind."""
    from govlearn.courses.samples import sample_submissions

    rng = random.Random(seed)
    modules = [m.id for m in course.modules]  # type: ignore[attr-defined]
    samples = {}
    for module in modules:
        release = root / "release" / module / f"{module}.ipynb"
        for sample in sample_submissions(course, module, release):  # type: ignore[arg-type]
            samples[(module, sample.kind)] = sample.notebook
    kinds = [k for k, weight in MIX for _ in range(weight)]
    batch = {}
    for number in range(learners):
        learner = f"bench-{number:03d}"
        module = modules[number % len(modules)]
        kind = rng.choice(kinds)
        if kind == "broken":
            how = BROKEN[number % len(BROKEN)]
            notebook: nbformat.NotebookNode | str = _break(
                samples[(module, "right")], how
            )
            kind = f"broken:{how}"
        else:
            notebook = samples[(module, kind)]
        folder = root / "submitted" / learner / module
        folder.mkdir(parents=True)
        path = folder / f"{module}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)
        batch[learner] = f"{module}:{kind}"
    return batch


class PeakMemory:
    """Peak resident memory of a process and all its children, sampled."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.peak = 0
        self._process = psutil.Process(process.pid)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                total = 0
                for member in tree:
                    try:
                        total += member.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                return
            time.sleep(0.1)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def _run(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> tuple[float, int]:
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
        memory = PeakMemory(process)
        code = process.wait()
    peak = memory.stop()
    if code != 0:
        print(f"  warning: {command[2:5]} exited with {code}; see {log}")
    return time.perf_counter() - started, peak


def _grades(root: Path) -> dict[tuple[str, str, str], float | None]:
    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", root.name) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (submission.student.id, notebook.name, grade.name)
                        table[key] = grade.auto_score
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--course", default="govstack-101")
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--cell-timeout", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    from govlearn.grading.policy import (
        ExecutionLimits,
        GradingPolicy,
        load_policy,
        nbgrader_cli_args,
    )

    work = Path(tempfile.mkdtemp(prefix="govlearn-bench-grading-"))
    base = load_policy()
    policy = GradingPolicy(
        ExecutionLimits(
            workers=args.workers,
            cell_timeout=args.cell_timeout,
            notebook_timeout=base.execution.notebook_timeout,
            startup_timeout=base.execution.startup_timeout,
            memory_limit_mb=base.execution.memory_limit_mb,
            output_limit_kb=base.execution.output_limit_kb,
        ),
        base.late,
        base.restore_missing_cells,
    )
    policy_file = work / "policy.toml"
    limits = policy.execution
    policy_file.write_text(
        "[execution]\n"
        + "".join(
            f"{k} = {getattr(limits, k)}\n"
            for k in (
                "workers",
                "cell_timeout",
                "notebook_timeout",
                "startup_timeout",
                "memory_limit_mb",
                "output_limit_kb",
            )
        )
        + "[late]\n"
        + f"grace_minutes = {policy.late.grace_minutes}\n"
        + f"penalty_per_day = {policy.late.penalty_per_day}\n"
        + f"max_penalty = {policy.late.max_penalty}\n"
    )
    print(f"Building {args.course} and a batch of {args.learners} learners in {work}")
    course, built = _course(args.course, work)
    batch = make_batch(course, built, args.learners, args.seed)
    notebooks = len(batch)
    ours, theirs = work / "govlearn" / built.name, work / "nbgrader" / built.name
    shutil.copytree(built, ours)
    shutil.copytree(built, theirs)
    scripts = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=scripts + os.pathsep + os.environ.get("PATH", ""))
    for name in ("GOVLEARN_SANDBOX_URL", "GOVLEARN_LEARNER_KEY"):
        env.pop(name, None)

    print(f"govlearn grade autograde ({limits.worker_count} workers) ...")
    ours_env = dict(
        env, GOVLEARN_HOME=str(work / "home-govlearn"), GOVLEARN_NO_PROGRESS="1"
    )
    ours_seconds, ours_peak = _run(
        [
            str(Path(sys.executable).parent / "govlearn"),
            "grade",
            "autograde",
            str(ours),
            "--policy",
            str(policy_file),
            "--json",
            str(work / "govlearn-report.json"),
        ],
        ours,
        ours_env,
        work / "govlearn.log",
    )
    print("nbgrader autograde (serial, one command per module) ...")
    theirs_env = dict(env, GOVLEARN_HOME=str(work / "home-nbgrader"))
    theirs_seconds, theirs_peak = 0.0, 0
    for module in sorted({kind.split(":")[0] for kind in batch.values()}):
        seconds, peak = _run(
            [sys.executable, "-m", "nbgrader", "autograde", module, "--force"]
            + nbgrader_cli_args(policy),
            theirs,
            theirs_env,
            work / "nbgrader.log",
        )
        theirs_seconds += seconds
        theirs_peak = max(theirs_peak, peak)

    mine, baseline = _grades(ours), _grades(theirs)
    compared = [k for k in baseline if baseline[k] is not None]
    mismatches = [k for k in compared if mine.get(k) != baseline[k]]
    # nbgrader gives up on a submission by leaving no autograded notebook;
    # a None score alone is a manually graded cell, not a failure.
    ungraded = sorted(
        learner
        for learner, kind in batch.items()
        if not any(
            (theirs / "autograded" / learner / kind.split(":")[0]).glob("*.ipynb")
        )
    )
    report = json.loads((work / "govlearn-report.json").read_text())
    problems = sum(1 for o in report["outcomes"] if o["problems"])

    ours_rate, theirs_rate = notebooks / ours_seconds, notebooks / theirs_seconds
    print()
    print(
        f"batch: {notebooks} notebooks from {args.learners} learners, "
        f"course {args.course}"
    )
    print(f"{'grader':<28}{'seconds':>10}{'notebooks/s':>14}{'peak MiB':>11}")
    print(
        f"{'govlearn grade autograde':<28}{ours_seconds:>10.1f}{ours_rate:>14.2f}"
        f"{ours_peak / 2**20:>11.0f}"
    )
    print(
        f"{'nbgrader autograde':<28}{theirs_seconds:>10.1f}{theirs_rate:>14.2f}"
        f"{theirs_peak / 2**20:>11.0f}"
    )
    print(f"throughput ratio: {ours_rate / theirs_rate:.2f}x")
    print(
        f"scores: {len(compared) - len(mismatches)} of {len(compared)} "
        "graded cells match"
        + (
            " (every score matches)"
            if not mismatches
            else f"; MISMATCHES: {mismatches[:5]}"
        )
    )
    print(
        f"nbgrader left {len(ungraded)} submissions ungraded "
        f"({', '.join(ungraded[:6])}); govlearn recorded an outcome for all "
        f"{notebooks}, {problems} with problems listed"
    )
    if args.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
