"""The whole programme in one run: what ``govlearn demo`` does, phase by phase.

Each phase is a function that takes the :class:`DemoRun` and returns the facts
it wants in the summary. :func:`run_demo` runs the phases in order, times each
one, prints what happens, and writes the timings to ``timings.json`` in the
output folder, so a slower phase shows up as a regression.

Phases, in order (:data:`PHASES`):

* ``sandbox`` - start the embedded sandbox and connect as a learner;
* ``identity`` - a learner's OTP login, end to end, every step printed;
* ``courses`` - build every course into an nbgrader course root;
* ``cohort`` - simulate the Women in GovTech cohort as of a date in the middle
  of the programme (some modules due, others not yet), and let its learners
  practise in a sandbox of their own;
* ``grade`` - autograde every submission with nbgrader's engine
  (``govlearn grade``);
* ``report`` - build the programme-progress report (``govlearn report``).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import GovLearnError

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "DEMO_LEARNER",
    "DEMO_OTP",
    "DEMO_VID",
    "PHASES",
    "DemoError",
    "DemoReport",
    "DemoRun",
    "Phase",
    "PhaseResult",
    "default_output",
    "mid_programme",
    "phase_names",
    "run_demo",
]

#: The sandbox demo identity every learner can log in as (synthetic).
DEMO_VID = "9038952310"
DEMO_OTP = "111111"
DEMO_LEARNER = "demo-learner"

Echo = Callable[[str], None]


class DemoError(GovLearnError):
    """A demo phase could not finish; the message says which and why."""


def default_output() -> Path:
    """``build/demo`` in the current folder."""
    return Path("build") / "demo"


@dataclass
class DemoRun:
    """What the phases share: settings, the sandbox client and their results."""

    out: Path
    as_of: dt.date | None = None
    learner: str = DEMO_LEARNER
    echo: Echo = print
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    _client: Client | None = field(default=None, repr=False)

    @property
    def client(self) -> Client:
        """The demo learner's sandbox client (embedded sandbox, started once)."""
        if self._client is None:
            import govlearn

            self._client = govlearn.connect(self.learner)
        return self._client

    def step(self, text: str) -> None:
        """Print one step of a phase, indented under the phase's title."""
        self.echo(f"    {text}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@dataclass(frozen=True)
class Phase:
    """One phase of the demo: what it is, how to run it alone, its function."""

    name: str
    title: str
    command: str
    run: Callable[[DemoRun], dict[str, Any]] = field(repr=False)


@dataclass(frozen=True)
class PhaseResult:
    """How one phase went."""

    name: str
    title: str
    seconds: float
    ok: bool
    facts: dict[str, Any]
    error: str | None = None


@dataclass
class DemoReport:
    """Every phase's result, the total time and where the timings went."""

    results: list[PhaseResult]
    seconds: float
    timings_file: Path

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    def facts(self, phase: str) -> dict[str, Any]:
        """What phase ``phase`` reported (empty if it did not run or failed)."""
        for result in self.results:
            if result.name == phase:
                return result.facts
        return {}


# --------------------------------------------------------------------------
# the phases


def _sandbox(run: DemoRun) -> dict[str, Any]:
    from ._embedded import start_embedded

    started = time.perf_counter()
    client = run.client
    ready = time.perf_counter() - started
    sandbox = start_embedded()
    run.step(f"Embedded sandbox at {client.url} (ready in {ready:.2f} s)")
    run.step(f"Its data: {sandbox.database_url}")
    me = client.whoami()
    run.step(f"Connected as learner {me['learnerId']!r}; API docs at {client.url}/docs")
    return {"url": client.url, "ready_s": round(ready, 3), "learner": me["learnerId"]}


def _identity(run: DemoRun) -> dict[str, Any]:
    identity = run.client.identity
    config = identity.discover()
    run.step(
        f"1. Discover: issuer {config['issuer']}, "
        f"{len(config.get('scopes_supported', []))} scopes, "
        f"token endpoint {config['token_endpoint']}"
    )
    keys = identity.jwks()["keys"]
    kids = ", ".join(str(key.get("kid", "?")) for key in keys)
    run.step(f"2. JWKS: {len(keys)} public signing key(s), kid {kids}")
    relying_party = identity.register_client("GovLearn demo portal")
    run.step(
        f"3. Register a relying party: client id {relying_party.client_id} "
        "(private_key_jwt, a fresh 2048-bit RSA key pair)"
    )
    transaction = identity.start_login(relying_party)
    run.step(f"4. Start the login (oauth-details): transaction {transaction[:12]}...")
    sent = identity.send_otp(transaction, DEMO_VID)
    masked = sent.get("maskedEmail") or sent.get("maskedMobile") or "the person"
    run.step(f"5. Send an OTP to VID {DEMO_VID}: sent to {masked}")
    identity.authenticate(transaction, DEMO_VID, DEMO_OTP)
    run.step(f"6. Authenticate with OTP {DEMO_OTP}: accepted")
    code = identity.authorize_code(transaction)
    run.step(f"7. Consent and authorization code: {code[:8]}... (one use only)")
    tokens = identity.exchange_code(relying_party, code)
    run.step(
        f"8. Token: {tokens.token_type} access token for {tokens.expires_in} s; "
        f"ID token for sub {str(tokens.id_claims['sub'])[:16]}..., "
        "RS256 signature verified"
    )
    claims = identity.userinfo(tokens)
    shown = {key: claims[key] for key in ("name", "birthdate") if key in claims}
    run.step(f"9. Userinfo (a signed JWT, signature verified): {shown}")
    return {
        "issuer": config["issuer"],
        "client_id": relying_party.client_id,
        "subject": claims.get("sub"),
        "claims": sorted(claims),
    }


def mid_programme(courses: list[str] | None = None) -> dt.date:
    """The day halfway between the programme's first and last due dates."""
    from .cohort import DEFAULT_START, programme_schedule
    from .courses import list_courses, load_course

    chosen = courses or list_courses()
    modules = {c: [m.id for m in load_course(c).modules] for c in chosen}
    due = programme_schedule(modules, DEFAULT_START)["duedate"]
    middle = due.min() + (due.max() - due.min()) / 2
    return dt.date(middle.year, middle.month, middle.day)


def _courses(run: DemoRun) -> dict[str, Any]:
    from .courses import build_course, list_courses, load_course

    roots: dict[str, str] = {}
    modules: dict[str, int] = {}
    for course_id in list_courses():
        course = load_course(course_id)
        root = build_course(course_id, out=run.out / "courses" / course_id)
        roots[course_id] = str(root)
        modules[course_id] = len(course.modules)
        run.step(f"{course.title}: {len(course.modules)} modules -> {root}")
    return {"roots": roots, "modules": modules}


def _roots(run: DemoRun) -> dict[str, Path]:
    built = run.facts.get("courses", {}).get("roots")
    if built:
        return {course: Path(root) for course, root in built.items()}
    found = sorted((run.out / "courses").glob("*/gradebook.db"))
    if not found:
        raise DemoError(
            "Attempted to use the built courses, but none are in "
            f"{run.out / 'courses'}. Run the courses phase first "
            "(govlearn demo --phase courses)."
        )
    return {path.parent.name: path.parent for path in found}


def _as_of(run: DemoRun) -> dt.date:
    """The report's date: today (UTC) unless the run was given one."""
    if run.as_of is None:
        run.as_of = dt.datetime.now(dt.UTC).date()
    return run.as_of


def _programme_start(as_of: dt.date) -> dt.date:
    """The start that puts ``as_of`` in the middle of the programme.

    The cohort's sandbox practice happens now, on the real clock, so with the
    report dated today its activity falls inside the reported weeks.
    """
    from .cohort import DEFAULT_START

    offset = mid_programme() - dt.date.fromisoformat(str(DEFAULT_START)[:10])
    return as_of - offset


def _cohort(run: DemoRun) -> dict[str, Any]:
    import pandas as pd

    from .cohort import DEFAULT_COHORT, simulate_cohort
    from .cohort.practice import PracticeSandbox, practise

    as_of = _as_of(run)
    folder = run.out / "cohort"
    simulated = simulate_cohort(
        folder,
        as_of=as_of.isoformat(),
        start=_programme_start(as_of).isoformat(),
        course_roots=dict(_roots(run)),
    )
    people = pd.read_csv(simulated.roster, dtype=str, keep_default_na=False)
    run.step(
        f"{len(people)} synthetic learners of {DEFAULT_COHORT}, as of "
        f"{as_of.isoformat()} -> {simulated.roster}"
    )
    counts = simulated.outcome_counts()
    shown = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    run.step(f"Submissions and gaps per learner and module: {shown}")
    database = folder / "sandbox.db"
    started = time.perf_counter()
    sandbox = PracticeSandbox.start(f"sqlite:///{database}")
    try:
        practise(sandbox, people, simulated.submissions, seed=2023)
    finally:
        sandbox.stop()
    practice_s = time.perf_counter() - started
    run.step(
        f"The learners practised in the sandbox ({practice_s:.0f} s); their "
        f"calls: {database}"
    )
    return {
        "as_of": as_of.isoformat(),
        "learners": len(people),
        "roster": str(simulated.roster),
        "activity": f"sqlite:///{database}",
        "outcomes": {str(k): int(v) for k, v in counts.items()},
        "seconds": {
            "simulate": round(simulated.seconds.get("simulate", 0.0), 1),
            "practice": round(practice_s, 1),
        },
    }


def _cohort_facts(run: DemoRun) -> dict[str, Any]:
    facts = run.facts.get("cohort")
    if facts:
        return facts
    roster = run.out / "cohort" / "roster.csv"
    if not roster.exists():
        raise DemoError(
            f"Attempted to use the simulated cohort, but {roster} is missing. Run "
            "the cohort phase first (govlearn demo --phase cohort)."
        )
    database = run.out / "cohort" / "sandbox.db"
    return {
        "roster": str(roster),
        "activity": f"sqlite:///{database}" if database.exists() else "",
        "as_of": _as_of(run).isoformat(),
    }


def _grade(run: DemoRun) -> dict[str, Any]:
    from .grading import autograde, import_roster

    cohort = _cohort_facts(run)
    results: dict[str, dict[str, Any]] = {}
    for course_id, root in _roots(run).items():
        imported = import_roster(root, cohort["roster"])
        if imported.problems:
            raise DemoError(
                f"Attempted to import the roster into {course_id}, but "
                f"{len(imported.problems)} rows were refused, for example: "
                f"{imported.problems[0]}"
            )
        report = autograde(root, progress=True)
        results[course_id] = {
            "graded": report.count("graded"),
            "broken": report.count("broken"),
            "skipped": report.count("skipped"),
            "notebooks": report.notebooks,
            "seconds": round(report.seconds, 1),
            "problems": len(report.with_problems),
        }
        run.step(f"{course_id}: {report.summary().splitlines()[0]}")
    return {"courses": results}


def _report(run: DemoRun) -> dict[str, Any]:
    from .analytics.programme import load_programme
    from .analytics.report import build_report

    cohort = _cohort_facts(run)
    gradebooks = [str(root / "gradebook.db") for root in _roots(run).values()]
    result = build_report(
        gradebooks,
        cohort["roster"],
        run.out / "report",
        as_of=cohort["as_of"],
        activity=cohort.get("activity", ""),
        progress=False,
    )
    run.step(f"Report: {result.html} ({len(result.tables)} CSV tables beside it)")
    programme = load_programme(gradebooks, cohort["roster"], as_of=cohort["as_of"])
    return {"html": str(result.html), "pass_rates": _pass_rates(programme)}


def _pass_rates(programme: Any) -> dict[str, dict[str, Any]]:
    """Per course: submitted modules, how many reach the pass mark, and the
    learners who have passed the whole course so far."""
    from .analytics.metrics import completion_rates, learner_progress

    progress = learner_progress(programme)
    courses = completion_rates(programme, progress).set_index("course")
    rates: dict[str, dict[str, Any]] = {}
    for course_id, mine in progress.groupby("course"):
        submitted = int(mine["submitted"].sum())
        passed = int(mine["passed_modules"].sum())
        rates[str(course_id)] = {
            "submitted": submitted,
            "passed": passed,
            "rate": round(passed / submitted, 3) if submitted else None,
            "learners_passed": int(courses.loc[course_id, "passed"]),
            "enrolled": int(courses.loc[course_id, "enrolled"]),
        }
    return rates


PHASES: tuple[Phase, ...] = (
    Phase(
        "sandbox",
        "Start the embedded sandbox",
        'python -c "import govlearn; govlearn.connect()"',
        _sandbox,
    ),
    Phase(
        "identity",
        "A learner's identity flow: discover, register, OTP login, userinfo",
        "govlearn demo --phase sandbox --phase identity",
        _identity,
    ),
    Phase(
        "courses",
        "Build every course (nbgrader source -> release notebooks)",
        "govlearn course build",
        _courses,
    ),
    Phase(
        "cohort",
        "Simulate the Women in GovTech cohort in the middle of the programme",
        "govlearn cohort simulate -o build/cohort --as-of YYYY-MM-DD",
        _cohort,
    ),
    Phase(
        "grade",
        "Autograde every submission with nbgrader, in parallel",
        "govlearn grade roster COURSE ROSTER; govlearn grade autograde COURSE",
        _grade,
    ),
    Phase(
        "report",
        "Build the programme-progress report",
        "govlearn report build -g GRADEBOOK... -r ROSTER --as-of DATE -o DIR",
        _report,
    ),
)


def phase_names() -> list[str]:
    """The names of every phase, in the order they run."""
    return [phase.name for phase in PHASES]


# --------------------------------------------------------------------------
# running


def run_demo(
    out: Path | None = None,
    *,
    phases: Iterable[str] | None = None,
    as_of: dt.date | None = None,
    echo: Echo = print,
) -> DemoReport:
    """Run the demo's phases (all, or those named) and write their timings.

    A phase that fails is reported, and the phases after it still run when
    they can; :attr:`DemoReport.ok` tells whether everything worked.
    """
    # absolute, because the report notebook runs in a folder of its own and
    # reads the gradebook and sandbox URLs the earlier phases wrote down
    out = Path(out or default_output()).resolve()
    out.mkdir(parents=True, exist_ok=True)
    wanted = list(phases) if phases is not None else phase_names()
    unknown = sorted(set(wanted) - set(phase_names()))
    if unknown:
        raise DemoError(
            f"Attempted to run the demo phase(s) {', '.join(unknown)}, but there "
            f"is no such phase. The phases are: {', '.join(phase_names())}."
        )
    selected = [phase for phase in PHASES if phase.name in wanted]
    run = DemoRun(out=out, as_of=as_of, echo=echo)
    results: list[PhaseResult] = []
    started = time.perf_counter()
    try:
        for number, phase in enumerate(selected, start=1):
            echo(f"[{number}/{len(selected)}] {phase.title}")
            results.append(_run_phase(phase, run))
    finally:
        run.close()
    total = time.perf_counter() - started
    report = DemoReport(results, total, out / "timings.json")
    _write_timings(report, run.as_of)
    return report


def _run_phase(phase: Phase, run: DemoRun) -> PhaseResult:
    started = time.perf_counter()
    try:
        facts = phase.run(run)
    except Exception as exc:  # reported, and the run carries on
        seconds = time.perf_counter() - started
        message = f"{type(exc).__name__}: {exc}"
        run.step(f"FAILED after {seconds:.1f} s: {message}")
        return PhaseResult(phase.name, phase.title, seconds, False, {}, message)
    seconds = time.perf_counter() - started
    run.facts[phase.name] = facts
    run.step(f"done in {seconds:.1f} s")
    return PhaseResult(phase.name, phase.title, seconds, True, facts)


def _write_timings(report: DemoReport, as_of: dt.date | None) -> None:
    data = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": as_of.isoformat() if as_of else None,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "total_s": round(report.seconds, 3),
        "ok": report.ok,
        "phases": {
            result.name: {
                "seconds": round(result.seconds, 3),
                "ok": result.ok,
                "error": result.error,
            }
            for result in report.results
        },
    }
    report.timings_file.write_text(json.dumps(data, indent=2) + "\n")
