"""Benchmark: the analytics data layer at 10,000 and 100,000 learners.

Writes synthetic nbgrader gradebooks (three courses, every module, four
questions per module) straight into nbgrader's schema with bulk SQL inserts,
then times, in a fresh process per size, everything the report computes:
reading the gradebooks and the roster (:func:`load_programme`) and every
table of the report (:func:`report_tables`). Each size runs in its own
process, so its peak memory (max RSS) is its own. Finally it builds the
139-learner report (papermill run + HTML) end to end.

Goals: 100,000 learners in under 30 s and 4 GB; the 139-learner report in
under 30 s. Run::

    .venv/bin/python benchmarks/bench_analytics.py            # 10k, 100k, report
    .venv/bin/python benchmarks/bench_analytics.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: the three courses and their modules (used when course.toml is not there)
FALLBACK = {
    "govstack-101": 5,
    "identity": 5,
    "information-mediator": 6,
}
ITEMS_PER_MODULE = 4
START = datetime(2026, 1, 12)


def course_modules() -> dict[str, list[str]]:
    """Module ids per course, from course.toml where the course exists."""
    found: dict[str, list[str]] = {}
    try:
        from govlearn.courses import list_courses, load_course

        for course in list_courses():
            found[course] = [m.id for m in load_course(course).modules]
    except Exception:  # the course package is optional for this benchmark
        pass
    for course, count in FALLBACK.items():
        found.setdefault(course, [f"{i:02d}-module" for i in range(1, count + 1)])
    return {c: found[c] for c in FALLBACK}


def _ids(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix}{i:0{32 - len(prefix)}x}" for i in range(start, start + count)]


def write_gradebook(
    path: Path, course: str, modules: list[str], learners: int, seed: int
) -> None:
    """A gradebook in nbgrader's schema with ``learners`` simulated learners."""
    import sqlalchemy as sa
    from nbgrader.api import Base

    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("INSERT INTO course (id) VALUES (?)", (course,))
    students = [f"learner-{i:06d}" for i in range(learners)]
    db.executemany(
        "INSERT INTO student (id, first_name, last_name, email) VALUES (?,?,?,?)",
        [(s, "Synthetic", s, f"{s}@example.org") for s in students],
    )
    skill = rng.beta(4.0, 1.8, size=learners)
    stops = np.where(rng.random(learners) < 0.2, rng.integers(0, 4, learners), 99)
    sa_counter = sn_counter = g_counter = 0
    for position, module in enumerate(modules, start=1):
        a_id = f"a{course[:8]}{position:02d}".ljust(32, "0")
        due = START + timedelta(days=7 * position, hours=23, minutes=59)
        db.execute(
            "INSERT INTO assignment (id, name, duedate, course_id) VALUES (?,?,?,?)",
            (a_id, module, due.isoformat(sep=" "), course),
        )
        n_id = f"n{course[:8]}{position:02d}".ljust(32, "0")
        db.execute(
            "INSERT INTO notebook (id, name, assignment_id) VALUES (?,?,?)",
            (n_id, module, a_id),
        )
        cells = []
        for item in range(ITEMS_PER_MODULE):
            c_id = f"c{course[:8]}{position:02d}{item:02d}".ljust(32, "0")
            kind = "markdown" if item == ITEMS_PER_MODULE - 1 else "code"
            points = float(1 + item)
            db.execute(
                "INSERT INTO base_cell (id, name, notebook_id, type) VALUES (?,?,?,?)",
                (c_id, f"q{item + 1}", n_id, "GradeCell"),
            )
            db.execute(
                "INSERT INTO grade_cells (id, max_score, cell_type) VALUES (?,?,?)",
                (c_id, points, kind),
            )
            cells.append((c_id, points, kind))
        handed = (stops >= position) & (rng.random(learners) < 0.92)
        who = np.flatnonzero(handed)
        offsets = rng.normal(-1.5, 2.5, size=len(who))
        sa_ids = _ids("s", len(who), sa_counter)
        sn_ids = _ids("b", len(who), sn_counter)
        sa_counter += len(who)
        sn_counter += len(who)
        db.executemany(
            "INSERT INTO submitted_assignment (id, assignment_id, student_id, "
            "timestamp) VALUES (?,?,?,?)",
            [
                (
                    sid,
                    a_id,
                    students[w],
                    (due + timedelta(days=float(o))).isoformat(sep=" "),
                )
                for sid, w, o in zip(sa_ids, who, offsets, strict=True)
            ],
        )
        db.executemany(
            "INSERT INTO submitted_notebook (id, assignment_id, notebook_id, "
            "flagged, late_submission_penalty) VALUES (?,?,?,0,?)",
            [
                (nid, sid, n_id, 0.0 if o <= 0 else 0.1)
                for nid, sid, o in zip(sn_ids, sa_ids, offsets, strict=True)
            ],
        )
        for c_id, points, kind in cells:
            right = rng.random(len(who)) < skill[who]
            scores = np.where(right, points, 0.0)
            g_ids = _ids("g", len(who), g_counter)
            g_counter += len(who)
            if kind == "code":
                rows = [
                    (gid, nid, c_id, float(sc), None, None, 0)
                    for gid, nid, sc in zip(g_ids, sn_ids, scores, strict=True)
                ]
            else:
                rows = [
                    (gid, nid, c_id, None, float(sc), None, 0)
                    for gid, nid, sc in zip(g_ids, sn_ids, scores, strict=True)
                ]
            db.executemany(
                "INSERT INTO grade (id, notebook_id, cell_id, auto_score, "
                "manual_score, extra_credit, needs_manual_grade) "
                "VALUES (?,?,?,?,?,?,?)",
                rows,
            )
        db.commit()
    db.close()


def prepare(size: int, folder: Path) -> tuple[list[str], Path]:
    """Gradebooks and roster for ``size`` learners (cached in ``folder``)."""
    from govlearn.cohort import simulate_roster

    target = folder / f"learners-{size}"
    done = target / "ready"
    modules = course_modules()
    books = [str(target / f"{course}.db") for course in modules]
    roster = target / "roster.csv"
    if done.exists():
        return books, roster
    target.mkdir(parents=True, exist_ok=True)
    for index, (course, ids) in enumerate(modules.items()):
        Path(books[index]).unlink(missing_ok=True)
        write_gradebook(Path(books[index]), course, ids, size, seed=index)
    people = simulate_roster(size, seed=1)
    people["learner_id"] = [f"learner-{i:06d}" for i in range(size)]
    people["courses"] = ""
    people.to_csv(roster, index=False)
    done.write_text("ok")
    return books, roster


def measure(books: list[str], roster: str) -> dict[str, float]:
    """Run the data layer once (in this process) and return its figures."""
    from govlearn import analytics as an

    started = time.perf_counter()
    cpu = time.process_time()
    # the gradebooks first (the same call load_programme makes), so their share
    # of the load time shows on its own
    grades = an.load_gradebooks(books)
    read = time.perf_counter()
    programme = an.load_programme(grades, roster, as_of="2026-04-30")
    loaded = time.perf_counter()
    tables = an.report_tables(programme)
    done = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "learners": float(len(programme.roster)),
        "grades": float(
            programme.grades.submissions.filter(like="answer_").notna().sum().sum()
        ),
        "submissions": float(len(programme.grades.submissions)),
        "load_s": loaded - started,
        "gradebooks_s": read - started,
        "metrics_s": done - loaded,
        "total_s": done - started,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": peak_kb / 1024.0,
        "at_risk": float(len(tables["at_risk"])),
    }


def bench_report(folder: Path) -> dict[str, float]:
    """The 139-learner report: papermill run plus HTML, end to end."""
    from govlearn.analytics import build_report

    books, roster = prepare(139, folder)
    out = Path(tempfile.mkdtemp(prefix="govlearn-bench-report-"))

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    result = build_report(books, roster, out, as_of="2026-04-30", progress=False)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_s": cpu() - cpu_started,
        "html_mb": result.html.stat().st_size / 1e6,
        "tables": float(len(result.tables)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--folder", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("BOOKS", "ROSTER"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(json.loads(args.child[0]), args.child[1])))
        return
    folder = args.folder / "analytics"
    results = []
    for size in args.sizes:
        started = time.perf_counter()
        books, roster = prepare(size, folder)
        print(
            f"gradebooks for {size:,} learners ready in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        output = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(books), str(roster)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        results.append(figures)
    print()
    print(
        f"{'learners':>9} {'grades':>10} {'load s':>8} {'metrics s':>10} "
        f"{'total s':>8} {'cpu s':>7} {'peak MB':>8}"
    )
    for r in results:
        print(
            f"{int(r['learners']):>9,} {int(r['grades']):>10,} {r['load_s']:>8.2f} "
            f"{r['metrics_s']:>10.2f} {r['total_s']:>8.2f} {r['cpu_s']:>7.2f} "
            f"{r['peak_mb']:>8.0f}"
        )
    for r in results:
        print(
            f"{int(r['learners']):>9,} learners: gradebooks read in "
            f"{r['gradebooks_s']:.2f} s of the {r['load_s']:.2f} s load"
        )
    if len(results) >= 2:
        first, last = results[0], results[-1]
        size_ratio = last["learners"] / first["learners"]
        time_ratio = last["total_s"] / first["total_s"]
        cpu_ratio = last["cpu_s"] / first["cpu_s"]
        print(
            f"\n{size_ratio:.0f}x the learners: {time_ratio:.1f}x the time "
            f"({cpu_ratio:.1f}x the CPU time), "
            f"{last['peak_mb'] / first['peak_mb']:.1f}x the peak memory "
            "(linear growth means a time ratio near the size ratio)"
        )
    for r in results:
        if r["learners"] >= 100_000:
            ok = r["total_s"] < 30 and r["peak_mb"] < 4096
            print(
                f"goal for {int(r['learners']):,} learners (< 30 s, < 4 GB): "
                f"{'met' if ok else 'NOT met'}"
            )
    if not args.no_report:
        report = bench_report(folder)
        print(
            f"\n139-learner report (papermill + HTML): {report['seconds']:.1f} s "
            f"({report['cpu_s']:.1f} s CPU incl. the kernel), "
            f"{report['html_mb']:.1f} MB HTML, {int(report['tables'])} CSV tables; "
            f"goal < 30 s: {'met' if report['seconds'] < 30 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
