"""Run every benchmark in this folder, one after another, and print their figures.

Each ``bench_*.py`` runs in its own interpreter and prints its own table. At the
end, the phase timings of the last ``govlearn demo`` run (``timings.json``) are
shown beside them, so a slower phase shows up next to the other figures.

    .venv/bin/python benchmarks/run_all.py            # or: make bench
    .venv/bin/python benchmarks/run_all.py sandbox    # only bench_sandbox.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO_TIMINGS = HERE.parent / "build" / "demo" / "timings.json"


def benchmarks(names: list[str]) -> list[Path]:
    """The benchmark scripts, all of them or those whose name is given."""
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [path for path in found if path.stem.removeprefix("bench_") in names]
    return found


def demo_timings(path: Path = DEMO_TIMINGS) -> list[str]:
    """Lines describing the last demo run's phase timings, if there was one."""
    if not path.exists():
        return [f"No demo timings yet ({path}); run `make demo` to record them."]
    data = json.loads(path.read_text())
    lines = [f"Last demo run ({data.get('finished_at')}): {data['total_s']:.1f} s"]
    for name, phase in data.get("phases", {}).items():
        mark = "ok" if phase.get("ok") else "FAILED"
        lines.append(f"  {name:10} {phase['seconds']:8.1f} s  {mark}")
    return lines


def main(argv: list[str]) -> int:
    failed = []
    for script in benchmarks(argv):
        print(f"=== {script.name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(
            f"=== {script.name}: exit {code} in {time.perf_counter() - started:.0f} s"
        )
        if code:
            failed.append(script.name)
    print()
    for line in demo_timings():
        print(line)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
