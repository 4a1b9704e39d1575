"""Benchmark of the course notebooks: how long each module takes to run.

Grading runs every module notebook once per learner, so its run time matters
hundreds of times over. For each module of each course this runs the source
notebook (every answer right) top to bottom with nbclient, in a fresh kernel,
against one hosted sandbox served in this process, as graded runs would be.
The baseline is a one-cell notebook (``1 + 1``): the fixed cost of starting
and stopping a kernel, so ``ratio`` shows how many kernel starts a module
costs. A second reference row imports ``govlearn`` and calls the sandbox once.

Run it with ``.venv/bin/python benchmarks/bench_courses.py`` (``--repeat N``,
``--course ID``; ``--renderer`` sets ``PLOTLY_RENDERER`` for the kernels).
Figures are printed and written as JSON to ``build/bench/courses.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "courses.json"
BASELINE = ["1 + 1"]
FIRST_CALL = ["import govlearn", "govlearn.connect().whoami()"]


def _run(notebook: nbformat.NotebookNode, folder: Path) -> tuple[float, int]:
    from nbclient import NotebookClient

    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    seconds = time.perf_counter() - started
    return seconds, len(nbformat.writes(notebook).encode())


def _notebook(cells: list[str]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--course", action="append", help="course id (repeatable)")
    parser.add_argument("--renderer", default="plotly_mimetype")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from govlearn._embedded import serve_in_background
    from govlearn.courses import list_courses, load_course
    from govlearn.sandbox import SandboxSettings, create_app

    work = Path(tempfile.mkdtemp(prefix="bench-courses-"))
    admin_key = uuid.uuid4().hex
    settings = SandboxSettings(
        database_url=f"sqlite:///{work / 'sandbox.db'}", admin_key=admin_key
    )
    server = serve_in_background(create_app(settings))
    import httpx

    created = httpx.post(
        f"{server.url}/admin/learners",
        json={"learnerId": "bench", "name": "bench"},
        headers={"X-GovLearn-Admin-Key": admin_key},
    )
    created.raise_for_status()
    os.environ.update(
        GOVLEARN_SANDBOX_URL=server.url,
        GOVLEARN_LEARNER_KEY=created.json()["key"],
        GOVLEARN_HOME=str(work / "home"),
        PLOTLY_RENDERER=args.renderer,
    )

    def measure(make, folder: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
        runs = [_run(make(), folder) for _ in range(args.repeat)]
        return {
            "median_s": statistics.median(r[0] for r in runs),
            "min_s": min(r[0] for r in runs),
            "size_kb": runs[-1][1] / 1024,
        }

    results: dict[str, dict[str, float]] = {}
    base = measure(lambda: _notebook(BASELINE), work)
    results["baseline"] = base
    first = measure(lambda: _notebook(FIRST_CALL), work)
    first["ratio"] = first["median_s"] / base["median_s"]
    results["first-call"] = first
    print(f"load average {os.getloadavg()[0]:.1f}; repeat {args.repeat}")
    print(f"{'notebook':<48} {'median s':>9} {'min s':>7} {'ratio':>6} {'KB':>7}")
    for label, row in (("baseline (kernel, 1 + 1)", base), ("import + 1 call", first)):
        print(
            f"{label:<48} {row['median_s']:9.2f} {row['min_s']:7.2f} "
            f"{row['median_s'] / base['median_s']:6.2f} {row['size_kb']:7.1f}"
        )
    for course_id in args.course or list_courses():
        course = load_course(course_id)
        for module in course.modules:
            path = course.notebook_path(module.id)
            if not path.is_file():
                continue
            figures = measure(
                lambda p=path: nbformat.read(p, as_version=4), path.parent
            )
            figures["ratio"] = figures["median_s"] / base["median_s"]
            name = f"{course_id}/{module.id}"
            results[name] = figures
            print(
                f"{name:<48} {figures['median_s']:9.2f} {figures['min_s']:7.2f} "
                f"{figures['ratio']:6.2f} {figures['size_kb']:7.1f}"
            )
    server.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps({"renderer": args.renderer, "results": results}, indent=2)
    )
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
