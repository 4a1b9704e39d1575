"""Benchmark of the sandbox foundation: start-up, latency, throughput, memory.

One run measures, on this machine:

1. ``govlearn.connect()`` time to ready in fresh processes (a cold start on an
   empty GovLearn home, then warm starts on the same home);
2. latency (p50/p99) and throughput of learner calls at 100 concurrent
   connections against the sandbox served by uvicorn in a subprocess, and side
   by side a bare Starlette JSON endpoint served with the same settings (the
   ceiling of this machine, server and load generator);
3. the resident memory of the sandbox server after the load.

The load generator is ``wrk`` (Debian package; ``bash
scripts/install-bench-tools.sh`` installs it), a C program on one thread that
stays far from being the bottleneck.

Run it with ``.venv/bin/python benchmarks/bench_sandbox.py`` (``--help`` for
options). Figures are printed as a table and written as JSON to
``build/bench/sandbox.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govlearn.cli.sandbox import DEFAULT_LOOP

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "sandbox.json"

GOALS = {
    "ready_s": 1.5,
    "p99_ms": 50.0,
    "read_share_of_bare": 0.5,
    "rss_mb": 200.0,
}

#: Printed by a fresh interpreter: how long import and connect() take.
CONNECT_PROBE = textwrap.dedent(
    """
    import json, time
    started = time.perf_counter()
    import govlearn
    imported = time.perf_counter()
    client = govlearn.connect()
    ready = time.perf_counter()
    client.whoami()
    answered = time.perf_counter()
    import psutil
    print(json.dumps({
        "import_s": imported - started,
        "connect_s": ready - imported,
        "ready_s": ready - started,
        "first_call_s": answered - ready,
        "rss_mb": psutil.Process().memory_info().rss / 2**20,
    }))
    """
)


def bare_app() -> Any:
    """The ceiling: a Starlette app with one JSON endpoint (a uvicorn factory)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def status(_request: Any) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    def status_sync(_request: Any) -> JSONResponse:
        return JSONResponse({"status": "UP"})

    return Starlette(
        routes=[Route("/health", status), Route("/health-sync", status_sync)]
    )


# --------------------------------------------------------------------------
# 1. connect() time to ready


_FIGURES = (
    "import_s",
    "connect_s",
    "ready_s",
    "first_call_s",
    "process_wall_s",
    "rss_mb",
)


def _probe(env: dict[str, str], kind: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CONNECT_PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"The connect probe failed:\n{result.stderr}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["process_wall_s"] = wall
    figures["kind"] = kind
    return figures


def measure_connect(repeat: int, cold_runs: int = 3) -> dict[str, Any]:
    """Run the probe in fresh interpreters.

    A cold start is the first ``connect()`` on an empty GovLearn home (the
    sandbox database, its tables and keys are created); each of the
    ``cold_runs`` gets a home of its own. The ``repeat`` warm starts then reuse
    the last home. Medians of each kind are reported.
    """
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="govlearn-bench-") as root:
        for index in range(cold_runs):
            home = Path(root) / f"home-{index}"
            runs.append(_probe(_clean_env(GOVLEARN_HOME=str(home)), "cold"))
        for _ in range(repeat):
            runs.append(_probe(_clean_env(GOVLEARN_HOME=str(home)), "warm"))

    def medians(kind: str) -> dict[str, float]:
        chosen = [run for run in runs if run["kind"] == kind]
        return {key: statistics.median(run[key] for run in chosen) for key in _FIGURES}

    return {
        "cold": medians("cold"),
        "cold_max_ready_s": max(r["ready_s"] for r in runs if r["kind"] == "cold"),
        "warm_median": medians("warm"),
        "warm_max_ready_s": max(r["ready_s"] for r in runs if r["kind"] == "warm"),
        "runs": runs,
    }


def measure_kernel() -> dict[str, Any]:
    """RSS of a learner's kernel after ``import govlearn; govlearn.connect()``.

    Twice: with the embedded sandbox inside the kernel (a laptop, Binder), and
    with a hosted sandbox (``govlearn lab``, JupyterHub), where the kernel
    holds only the client.
    """
    import psutil
    from jupyter_client.manager import start_new_kernel

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="govlearn-bench-") as home:
        hosted_url = ""
        key = ""
        server = None
        for mode in ("embedded", "hosted"):
            env = _clean_env(GOVLEARN_HOME=home)
            if mode == "hosted":
                from govlearn._embedded import serve_in_background
                from govlearn.sandbox import SandboxSettings, create_app

                settings = SandboxSettings(database_url=f"sqlite:///{home}/h.db")
                server = serve_in_background(create_app(settings))
                hosted_url = server.url
                admin = {"X-GovLearn-Admin-Key": settings.admin_key}
                import httpx

                key = httpx.post(
                    f"{hosted_url}/admin/learners",
                    json={"learnerId": "kernel"},
                    headers=admin,
                ).json()["key"]
                env.update(GOVLEARN_SANDBOX_URL=hosted_url, GOVLEARN_LEARNER_KEY=key)
            manager, client = start_new_kernel(kernel_name="python3", env=env)
            try:
                pid = manager.provisioner.pid  # type: ignore[union-attr]
                before = psutil.Process(pid).memory_info().rss / 2**20
                started = time.perf_counter()
                reply = client.execute_interactive(
                    "import govlearn\nclient = govlearn.connect()\nclient.whoami()",
                    timeout=120,
                    output_hook=lambda _message: None,
                )
                seconds = time.perf_counter() - started
                if reply["content"]["status"] != "ok":
                    raise SystemExit(f"The kernel probe failed: {reply['content']}")
                after = psutil.Process(pid).memory_info().rss / 2**20
            finally:
                client.stop_channels()
                manager.shutdown_kernel(now=True)
            results[mode] = {
                "idle_rss_mb": before,
                "connected_rss_mb": after,
                "connect_s": seconds,
            }
        if server is not None:
            server.stop()
    return results


# --------------------------------------------------------------------------
# 2. throughput and latency under load


@dataclass
class Call:
    """One HTTP request of a load scenario."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass
class LoadResult:
    """What wrk measured for one scenario."""

    scenario: str
    server: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GOVLEARN_")
    }
    env.update(extra)
    return env


@dataclass
class Server:
    """A uvicorn server in a subprocess."""

    name: str
    url: str
    process: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        import psutil

        return float(psutil.Process(self.process.pid).memory_info().rss / 2**20)


#: The loop ``govlearn sandbox serve`` runs on unless told otherwise.
SERVE_LOOP = DEFAULT_LOOP
UVICORN_FLAGS = ["--log-level", "warning", "--no-access-log", "--workers", "1"]
#: The loop the comparison rows run on: uvicorn's choice when uvloop is installed.
OTHER_LOOP = "uvloop" if SERVE_LOOP == "asyncio" else "asyncio"
#: With two or more cores the server runs on the first and wrk on the second,
#: so neither takes the other's core (the same for the bare ceiling).
SERVER_CPUS, LOADGEN_CPUS = (
    ({0}, {1})
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    else (None, None)
)


def _pinned(cpus: set[int] | None) -> Any:
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextmanager
def serve(
    name: str, target: list[str], env: dict[str, str], loop: str = SERVE_LOOP
) -> Iterator[Server]:
    """Start ``uvicorn <target>`` on a free port; stop it afterwards."""
    import httpx

    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", *target, "--port", str(port)]
    process = subprocess.Popen(
        [*command, *UVICORN_FLAGS, "--loop", loop],
        env=env,
        cwd=ROOT,
        preexec_fn=_pinned(SERVER_CPUS),
    )
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
                raise SystemExit(f"The {name} server did not start.")
            time.sleep(0.1)
        yield Server(name, url, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _lua(calls: list[Call]) -> str:
    """A wrk script that cycles through ``calls`` and prints JSON at the end."""

    def quote(text: str) -> str:
        return json.dumps(text)

    rows = []
    for call in calls:
        headers = ", ".join(
            f"[{quote(k)}] = {quote(v)}" for k, v in call.headers.items()
        )
        body = quote(call.body) if call.body is not None else "nil"
        rows.append(
            f"  {{{quote(call.method)}, {quote(call.path)}, {{{headers}}}, {body}}},"
        )
    table = "\n".join(rows)
    return f"""
local calls = {{
{table}
}}
local built = {{}}
local counter = 0
function init(args)
  for i, c in ipairs(calls) do
    built[i] = wrk.format(c[1], c[2], c[3], c[4])
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
    '{{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "errors": %d, "non_2xx": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def run_wrk(
    server: Server,
    scenario: str,
    calls: list[Call],
    *,
    connections: int,
    seconds: float,
    warmup: float,
) -> LoadResult:
    """Drive ``calls`` at ``server`` with wrk; warm up first, then measure."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(_lua(calls))
        script = handle.name
    try:
        base = ["wrk", "-t1", f"-c{connections}", "--timeout", "10s", "-s", script]
        if warmup > 0:
            subprocess.run(
                [*base, f"-d{warmup:g}s", server.url],
                capture_output=True,
                check=True,
                preexec_fn=_pinned(LOADGEN_CPUS),
            )
        output = subprocess.run(
            [*base, f"-d{seconds:g}s", server.url],
            capture_output=True,
            text=True,
            check=True,
            preexec_fn=_pinned(LOADGEN_CPUS),
        ).stdout
    finally:
        os.unlink(script)
    figures = json.loads(output.strip().splitlines()[-1])
    duration = figures["duration_us"] / 1e6
    return LoadResult(
        scenario=scenario,
        server=server.name,
        requests=figures["requests"],
        seconds=duration,
        rps=figures["requests"] / duration,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        errors=figures["errors"],
        non_2xx=figures["non_2xx"],
    )


@dataclass
class Learner:
    """One benchmark learner: key, and (with Identity) an access token."""

    key: str
    access_token: str | None = None


def prepare_learners(url: str, admin_key: str, count: int) -> list[Learner]:
    """Create ``count`` learners; log each in through Identity if it exists."""
    import httpx

    import govlearn

    admin = httpx.Client(
        base_url=url, headers={"X-GovLearn-Admin-Key": admin_key}, timeout=60
    )
    learners = []
    for index in range(count):
        response = admin.post(
            "/admin/learners", json={"learnerId": f"bench-{index:03d}", "name": ""}
        )
        response.raise_for_status()
        learners.append(Learner(response.json()["key"]))
    admin.close()

    def log_in(learner: Learner) -> None:
        client = govlearn.Client(url, learner.key, timeout=60)
        identity = getattr(client, "identity", None)
        if identity is not None:
            relying_party = identity.register_client("Benchmark portal")
            tokens = identity.login(relying_party, "9038952310", otp="111111")
            learner.access_token = _access_token(tokens)
        else:
            client.whoami()
        client.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(log_in, learners))
    return learners


def _access_token(tokens: Any) -> str:
    if isinstance(tokens, dict):
        return str(tokens["access_token"])
    return str(tokens.access_token)


def scenarios(learners: list[Learner], has_identity: bool) -> dict[str, list[Call]]:
    """The learner call mixes; each cycles through every learner's key."""

    def each(path: str, *, bearer: bool = False) -> list[Call]:
        calls = []
        for learner in learners:
            headers = {"X-GovLearn-Key": learner.key}
            if bearer and learner.access_token:
                headers["Authorization"] = f"Bearer {learner.access_token}"
            calls.append(Call("GET", path, headers))
        return calls

    mixes: dict[str, list[Call]] = {
        "health": [Call("GET", "/health")],
        "workspace": each("/workspace"),
    }
    if has_identity:
        discovery = each("/.well-known/openid-configuration")
        jwks = each("/.well-known/jwks.json")
        userinfo = each("/oidc/userinfo", bearer=True)
        mixes["discovery"] = discovery
        mixes["jwks"] = jwks
        mixes["userinfo"] = userinfo
        mixes["read mix"] = _interleave(discovery, jwks, userinfo)
        mixes["learner mix"] = _interleave(
            discovery, jwks, userinfo, each("/workspace")
        )
    else:
        mixes["read mix"] = _interleave(each("/workspace"), [Call("GET", "/health")])
    return mixes


def _interleave(*groups: list[Call]) -> list[Call]:
    """Alternate the groups' calls; shorter groups repeat to the longest."""
    length = max(len(group) for group in groups)
    mixed: list[Call] = []
    for index in range(length):
        mixed.extend(group[index % len(group)] for group in groups)
    return mixed


def _median_run(repeats: int, measure: Callable[[], LoadResult]) -> LoadResult:
    """Measure ``repeats`` times; keep the run whose p99 is the median.

    One busy moment elsewhere on a 2-core machine can stall a run for a few
    hundred milliseconds; the median of three runs is not moved by one.
    """
    runs = sorted((measure() for _ in range(max(1, repeats))), key=lambda r: r.p99_ms)
    return runs[len(runs) // 2]


#: Scenarios run again on the other event loop, beside the same ones on the
#: serving loop, when ``compare_loops`` is on.
LOOP_COMPARISON = ("health", "workspace", "learner mix")


def measure_load(
    connections: int,
    seconds: float,
    warmup: float,
    learner_count: int,
    repeats: int = 3,
    compare_loops: bool = True,
) -> dict[str, Any]:
    """Run every scenario against the sandbox and the bare endpoint.

    With ``compare_loops``, the bare endpoint and :data:`LOOP_COMPARISON` are
    measured again on :data:`OTHER_LOOP` (rows whose server name is the loop).
    """
    import importlib.util

    has_identity = importlib.util.find_spec("govlearn.sandbox.identity") is not None
    results: list[LoadResult] = []

    def measure(server: Server, scenario: str, calls: list[Call]) -> None:
        results.append(
            _median_run(
                repeats,
                lambda: run_wrk(
                    server,
                    scenario,
                    calls,
                    connections=connections,
                    seconds=seconds,
                    warmup=warmup,
                ),
            )
        )

    loops = [SERVE_LOOP, OTHER_LOOP] if compare_loops else [SERVE_LOOP]
    with tempfile.TemporaryDirectory(prefix="govlearn-bench-") as home:
        admin_key = "bench-admin-key"
        bare_env = _clean_env(PYTHONPATH=str(ROOT / "benchmarks"))
        bare_app = ["--factory", "bench_sandbox:bare_app"]
        for loop in loops:
            name = "bare" if loop == SERVE_LOOP else f"bare {loop}"
            with serve(name, bare_app, bare_env, loop) as bare:
                paths = ["/health", "/health-sync"][: 2 if loop == SERVE_LOOP else 1]
                for path in paths:
                    measure(bare, f"bare {path}", [Call("GET", path)])
        for loop in loops:
            env = _clean_env(
                GOVLEARN_HOME=home,
                GOVLEARN_DATABASE_URL=f"sqlite:///{home}/sandbox-{loop}.db",
                GOVLEARN_ADMIN_KEY=admin_key,
            )
            name = "sandbox" if loop == SERVE_LOOP else loop
            with serve(name, ["govlearn.sandbox.asgi:app"], env, loop) as sandbox:
                learners = prepare_learners(sandbox.url, admin_key, learner_count)
                if loop == SERVE_LOOP:
                    rss_before = sandbox.rss_mb()
                for scenario, calls in scenarios(learners, has_identity).items():
                    if loop == SERVE_LOOP or scenario in LOOP_COMPARISON:
                        measure(sandbox, scenario, calls)
                if loop == SERVE_LOOP:
                    rss_after = sandbox.rss_mb()
    ceiling = results[0].rps
    return {
        "identity": has_identity,
        "connections": connections,
        "seconds": seconds,
        "learners": learner_count,
        "repeats": repeats,
        "pinned": SERVER_CPUS is not None,
        "loop": SERVE_LOOP,
        "compared_loop": OTHER_LOOP if compare_loops else None,
        "bare_rps": ceiling,
        "results": [
            {**asdict(result), "share_of_bare": result.rps / ceiling}
            for result in results
        ],
        "server_rss_mb": {"idle": rss_before, "after_load": rss_after},
    }


# --------------------------------------------------------------------------
# report


def verdicts(connect: dict[str, Any], load: dict[str, Any]) -> list[str]:
    """One line per goal: the figure, the goal, and whether it is met."""
    lines = []
    ready = connect["warm_median"]["ready_s"]
    lines.append(_verdict("connect() ready, warm median", ready, "s", "ready_s"))
    lines.append(
        _verdict(
            "connect() ready, cold median", connect["cold"]["ready_s"], "s", "ready_s"
        )
    )
    reads = [
        row
        for row in load["results"]
        if row["server"] == "sandbox" and row["scenario"] != "health"
    ]
    worst_p99 = max(row["p99_ms"] for row in reads)
    lines.append(_verdict("worst p99 of learner calls", worst_p99, "ms", "p99_ms"))
    read_mix = next(row for row in reads if row["scenario"] == "read mix")
    share = read_mix["share_of_bare"]
    goal = GOALS["read_share_of_bare"]
    mark = "met" if share >= goal else "MISSED"
    lines.append(f"read mix throughput / bare: {share:.2f} (goal >= {goal:.2f}) {mark}")
    rss = load["server_rss_mb"]["after_load"]
    lines.append(_verdict("server RSS after load", rss, "MB", "rss_mb"))
    return lines


def _verdict(label: str, value: float, unit: str, goal_key: str) -> str:
    goal = GOALS[goal_key]
    mark = "met" if value < goal else "MISSED"
    return f"{label}: {value:.3g} {unit} (goal < {goal:g} {unit}) {mark}"


def print_report(
    connect: dict[str, Any], load: dict[str, Any], kernel: dict[str, Any]
) -> None:
    warm = connect["warm_median"]
    cold = connect["cold"]
    print("connect() in a fresh process (seconds)")
    print(f"{'':8}{'import':>9}{'connect':>9}{'ready':>9}{'1st call':>10}{'RSS MB':>8}")
    for label, row in (("cold", cold), ("warm", warm)):  # medians
        print(
            f"{label:8}{row['import_s']:9.3f}{row['connect_s']:9.3f}"
            f"{row['ready_s']:9.3f}{row['first_call_s']:10.3f}{row['rss_mb']:8.0f}"
        )
    print()
    print(
        f"Load: {load['connections']} connections, {load['seconds']:g} s per "
        f"run, median-p99 run of {load.get('repeats', 1)} per scenario, "
        f"{load['learners']} learner keys, wrk -t1, event loop {load.get('loop')}"
        + (" (server and wrk pinned to one core each)" if load.get("pinned") else "")
    )
    if load.get("compared_loop"):
        print(f"Rows named after {load['compared_loop']} ran on that loop instead.")
    header = (
        f"{'scenario':22}{'server':12}{'req/s':>9}{'x bare':>8}"
        f"{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>8}"
    )
    print(header)
    for row in load["results"]:
        print(
            f"{row['scenario']:22}{row['server']:12}{row['rps']:9.0f}"
            f"{row['share_of_bare']:8.2f}{row['p50_ms']:8.1f}{row['p90_ms']:8.1f}"
            f"{row['p99_ms']:8.1f}{row['max_ms']:8.0f}"
            f"{row['errors'] + row['non_2xx']:8d}"
        )
    rss = load["server_rss_mb"]
    print(
        f"sandbox server RSS: {rss['idle']:.0f} MB idle, "
        f"{rss['after_load']:.0f} MB after load"
    )
    for mode, row in kernel.items():
        print(
            f"learner kernel ({mode} sandbox): {row['idle_rss_mb']:.0f} MB idle, "
            f"{row['connected_rss_mb']:.0f} MB after connect() "
            f"({row['connect_s']:.2f} s)"
        )
    print()
    for line in verdicts(connect, load):
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm connect runs")
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="cold connect runs, each on a new home"
    )
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0, help="per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="per scenario")
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per scenario (median p99 kept)"
    )
    parser.add_argument(
        "--no-loop-comparison",
        dest="compare_loops",
        action="store_false",
        help=f"skip the rows measured on {OTHER_LOOP}",
    )
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "The load generator wrk is missing: run "
            "`bash scripts/install-bench-tools.sh` (Debian's wrk package).",
            file=sys.stderr,
        )
        return 2
    connect = measure_connect(args.repeat, args.cold_runs)
    kernel = measure_kernel()
    load = measure_load(
        args.connections,
        args.seconds,
        args.warmup,
        args.learners,
        args.repeats,
        args.compare_loops,
    )
    print_report(connect, load, kernel)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"connect": connect, "kernel": kernel, "load": load}, indent=2)
        + "\n"
    )
    print(f"\nFigures written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
