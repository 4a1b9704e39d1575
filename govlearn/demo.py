"""The whole programme in one run: what ``govlearn demo`` does, phase by phase.

Each phase is a function that takes the :class:`DemoRun` and returns the facts
it wants in the summary. :func:`run_demo` runs the phases in order, times each
one, prints what happens, and writes the timings to ``timings.json`` in the
output folder, so a slower phase shows up as a regression.

Phases, in order (:data:`PHASES`):

* ``sandbox`` - start the embedded sandbox and connect as a learner;
* ``identity`` - a learner's OTP login, end to end, every step printed.
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
    out = out or default_output()
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
    _write_timings(report, as_of)
    return report


def _run_phase(phase: Phase, run: DemoRun) -> PhaseResult:
    started = time.perf_counter()
    try:
        facts = phase.run(run)
    except (GovLearnError, OSError) as exc:
        seconds = time.perf_counter() - started
        run.step(f"FAILED after {seconds:.1f} s: {exc}")
        return PhaseResult(phase.name, phase.title, seconds, False, {}, str(exc))
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
