"""Benchmark of the Information Mediator: the same provider, direct and mediated.

One run serves the sandbox with uvicorn in a subprocess and drives it with
``wrk`` (``bash scripts/install-bench-tools.sh`` installs it). For each
provider it measures, side by side:

* **direct** - the emulator's own address, e.g. ``/emulators/test/echo/bench``;
* **mediated** - the same route through the mediator,
  ``/r1/SANDBOX/GOV/PROVIDER/TEST/echo/bench`` with ``X-Road-Client``, which
  adds the directory lookup, the access check, the X-Road headers and hash, the
  in-process forward and the message-log record.

Two loads: one connection (the latency a learner feels; the added p50 is
mediated minus direct) and ``--connections`` concurrent connections
(throughput and tail latency under load; mediated/direct is the throughput
ratio). Goals: added p50 under 2 ms, throughput at least 60 % of direct.

Run it with ``.venv/bin/python benchmarks/bench_mediator.py`` (``--help`` for
options; ``--postgres URL`` to use PostgreSQL). Figures are printed and written
as JSON to ``build/bench/mediator.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govlearn.cli.sandbox import DEFAULT_LOOP as SERVE_LOOP

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "mediator.json"
GOALS = {"added_p50_ms": 2.0, "throughput_ratio": 0.6}
CLIENT = "SANDBOX/ORG/CLIENT/TEST"

#: provider name -> (direct path, mediated path, method, body)
PROVIDERS: dict[str, tuple[str, str, str, str | None]] = {
    "echo GET": (
        "/emulators/test/echo/bench?page=1",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/echo/bench?page=1",
        "GET",
        None,
    ),
    "mirror POST 1 kB": (
        "/emulators/test/mirror/bench",
        "/r1/SANDBOX/GOV/PROVIDER/TEST/mirror/bench",
        "POST",
        json.dumps({"items": ["x" * 40] * 22}),
    ),
}


@dataclass
class Result:
    """What wrk measured for one provider, route and load."""

    provider: str
    route: str
    connections: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The sandbox under uvicorn in a subprocess; yields its URL and pid."""
    import httpx

    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "govlearn.sandbox.asgi:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--loop",
        SERVE_LOOP,
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("The sandbox server did not start.")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def learner_keys(url: str, admin_key: str, count: int) -> list[str]:
    """Create ``count`` learners and make one call each (seeds workspaces)."""
    import httpx

    keys = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for index in range(count):
            response = http.post(
                "/admin/learners",
                json={"learnerId": f"bench-{index:03d}"},
                headers={"X-GovLearn-Admin-Key": admin_key},
            )
            response.raise_for_status()
            key = response.json()["key"]
            # The key's row is committed just after the 201 is sent: wait for it.
            for _ in range(500):
                seen = http.get("/workspace", headers={"X-GovLearn-Key": key})
                if seen.status_code != 401:
                    break
                time.sleep(0.01)
            seen.raise_for_status()
            keys.append(key)
    return keys


def _lua(path: str, method: str, body: str | None, keys: list[str]) -> str:
    rows = []
    for key in keys:
        headers = {"X-GovLearn-Key": key, "X-Road-Client": CLIENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        row = ", ".join(
            f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
        )
        rows.append(f"  {{{row}}},")
    payload = json.dumps(body) if body is not None else "nil"
    table = "\n".join(rows)
    return f"""
local headers = {{
{table}
}}
local built = {{}}
local counter = 0
function init(args)
  for i, h in ipairs(headers) do
    built[i] = wrk.format({json.dumps(method)}, {json.dumps(path)}, h, {payload})
  end
  counter = math.random(#built)
end
function request()
  counter = counter + 1
  return built[(counter % #built) + 1]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"errors": %d}}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def run_wrk(
    url: str,
    pid: int,
    provider: str,
    route: str,
    path: str,
    method: str,
    body: str | None,
    keys: list[str],
    *,
    connections: int,
    seconds: float,
    warmup: float,
) -> Result:
    """Drive one route with wrk (warm-up first) and return its figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(_lua(path, method, body, keys))
        script = handle.name
    try:
        base = ["wrk", "-t1", f"-c{connections}", "--timeout", "10s", "-s", script]
        if warmup > 0:
            subprocess.run(
                [*base, f"-d{max(1, round(warmup))}s", url],
                capture_output=True,
                check=True,
            )
        cpu_before = _cpu_seconds(pid)
        output = subprocess.run(
            [*base, f"-d{max(1, round(seconds))}s", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cpu = _cpu_seconds(pid) - cpu_before
    finally:
        os.unlink(script)
    figures = json.loads(output.strip().splitlines()[-1])
    duration = figures["duration_us"] / 1e6
    return Result(
        provider=provider,
        route=route,
        connections=connections,
        requests=figures["requests"],
        seconds=duration,
        rps=figures["requests"] / duration,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=figures["errors"],
        cpu_ms_per_request=cpu * 1000 / max(1, figures["requests"]),
    )


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time the server process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def merge(rounds: list[Result]) -> Result:
    """One result from alternating rounds: totals, and the median percentiles."""
    import statistics

    requests = sum(r.requests for r in rounds)
    seconds = sum(r.seconds for r in rounds)
    first = rounds[0]
    return Result(
        provider=first.provider,
        route=first.route,
        connections=first.connections,
        requests=requests,
        seconds=seconds,
        rps=requests / seconds,
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        errors=sum(r.errors for r in rounds),
        cpu_ms_per_request=sum(r.cpu_ms_per_request * r.requests for r in rounds)
        / max(1, requests),
    )


def message_log_rows(url: str, admin_key: str) -> int:
    """How many exchanges the message log holds (it must hold every one)."""
    import httpx

    total = 0
    token: str | None = None
    with httpx.Client(
        base_url=url, timeout=120, headers={"X-GovLearn-Admin-Key": admin_key}
    ) as http:
        while True:
            params: dict[str, str] = {"pageSize": "1000"}
            if token:
                params["nextPageToken"] = token
            page = http.get("/api/v1/messagelog", params=params).json()
            total += len(page["records"])
            token = page.get("nextPageToken")
            if not token:
                return total


def measure(args: argparse.Namespace) -> dict[str, Any]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="govlearn-bench-") as home:
        admin_key = "bench-admin-key"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
        env.update(
            GOVLEARN_HOME=home,
            GOVLEARN_DATABASE_URL=args.postgres or f"sqlite:///{home}/sandbox.db",
            GOVLEARN_ADMIN_KEY=admin_key,
            GOVLEARN_RATE_LIMIT="0",
        )
        with serve(env) as (url, pid):
            keys = learner_keys(url, admin_key, args.learners)
            for provider, (direct, mediated, method, body) in PROVIDERS.items():
                for connections, seconds in (
                    (1, args.latency_seconds),
                    (args.connections, args.seconds),
                ):
                    # Alternate short rounds, so that a change in the machine's
                    # background load hits both routes alike.
                    rounds: dict[str, list[Result]] = {"direct": [], "mediated": []}
                    for _ in range(args.rounds):
                        for route, path in (("direct", direct), ("mediated", mediated)):
                            rounds[route].append(
                                run_wrk(
                                    url,
                                    pid,
                                    provider,
                                    route,
                                    path,
                                    method,
                                    body,
                                    keys,
                                    connections=connections,
                                    seconds=seconds / args.rounds,
                                    warmup=args.warmup,
                                )
                            )
                    results += [merge(rounds["direct"]), merge(rounds["mediated"])]
            mediated_requests = sum(
                r.requests for r in results if r.route == "mediated"
            )
            logged = message_log_rows(url, admin_key)
    return {
        "database": "postgresql" if args.postgres else "sqlite",
        "connections": args.connections,
        "learners": args.learners,
        "results": [asdict(r) for r in results],
        "message_log": {
            "rows": logged,
            "mediated_requests_measured": mediated_requests,
        },
    }


def comparisons(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Direct vs mediated for each provider and load."""
    rows = report["results"]
    out = []
    for provider in PROVIDERS:
        for connections in sorted({r["connections"] for r in rows}):
            pair = {
                r["route"]: r
                for r in rows
                if r["provider"] == provider and r["connections"] == connections
            }
            direct, mediated = pair["direct"], pair["mediated"]
            out.append(
                {
                    "provider": provider,
                    "connections": connections,
                    "added_p50_ms": mediated["p50_ms"] - direct["p50_ms"],
                    "added_p99_ms": mediated["p99_ms"] - direct["p99_ms"],
                    "throughput_ratio": mediated["rps"] / max(direct["rps"], 1e-9),
                    "cpu_ratio": direct["cpu_ms_per_request"]
                    / max(mediated["cpu_ms_per_request"], 1e-9),
                }
            )
    return out


def print_report(report: dict[str, Any]) -> None:
    print(
        f"Mediator benchmark on {report['database']}, {report['learners']} learner "
        "keys, wrk -t1"
    )
    print(
        f"{'provider':18}{'route':10}{'conns':>6}{'requests':>10}{'req/s':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU ms/req':>12}"
    )
    for r in report["results"]:
        print(
            f"{r['provider']:18}{r['route']:10}{r['connections']:6d}"
            f"{r['requests']:10d}{r['rps']:9.0f}{r['p50_ms']:9.2f}"
            f"{r['p99_ms']:9.2f}{r['errors']:8d}{r['cpu_ms_per_request']:12.3f}"
        )
    print()
    print(
        f"{'provider':18}{'conns':>6}{'added p50 ms':>14}{'added p99 ms':>14}"
        f"{'mediated/direct req/s':>23}{'direct/mediated CPU':>21}"
    )
    for c in report["comparisons"]:
        print(
            f"{c['provider']:18}{c['connections']:6d}{c['added_p50_ms']:14.2f}"
            f"{c['added_p99_ms']:14.2f}{c['throughput_ratio']:23.2f}"
            f"{c['cpu_ratio']:21.2f}"
        )
    print()
    log = report["message_log"]
    print(
        f"message log rows: {log['rows']} (mediated requests in the measured "
        f"runs: {log['mediated_requests_measured']}, plus warm-ups)"
    )
    for c in report["comparisons"]:
        if c["connections"] == 1:
            goal = GOALS["added_p50_ms"]
            mark = "met" if c["added_p50_ms"] < goal else "MISSED"
            print(
                f"{c['provider']}: added p50 at 1 connection "
                f"{c['added_p50_ms']:.2f} ms (goal < {goal:g} ms) {mark}"
            )
        else:
            goal = GOALS["throughput_ratio"]
            mark = "met" if c["throughput_ratio"] >= goal else "MISSED"
            print(
                f"{c['provider']}: throughput at {c['connections']} connections "
                f"{c['throughput_ratio']:.2f} of direct (goal >= {goal:g}) {mark}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="per route under load"
    )
    parser.add_argument(
        "--latency-seconds", type=float, default=4.0, help="per route at one connection"
    )
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="per round, whole seconds"
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="alternating rounds per route"
    )
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument(
        "--postgres", default="", help="a PostgreSQL URL to use instead of SQLite"
    )
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    report = measure(args)
    report["comparisons"] = comparisons(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
