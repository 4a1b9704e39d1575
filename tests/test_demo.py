"""``govlearn demo``: every phase runs for real and its timing is recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govlearn.cli import main
from govlearn.demo import PHASES, DemoError, phase_names, run_demo


def _demo(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLEARN_")}
    env["GOVLEARN_HOME"] = str(home)
    return subprocess.run(
        [str(Path(sys.executable).with_name("govlearn")), "demo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_help_lists_every_phase_and_how_to_run_it() -> None:
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    for phase in PHASES:
        assert phase.name in result.output
        assert phase.command in result.output


def test_unknown_phase_is_refused_with_the_list_of_phases(tmp_path: Path) -> None:
    with pytest.raises(DemoError, match="no such phase") as caught:
        run_demo(tmp_path, phases=["nonsense"])
    assert all(name in str(caught.value) for name in phase_names())


def test_identity_flow_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = _demo(
        "--out", str(out), "--phase", "sandbox", "--phase", "identity", home=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    for expected in (
        "Embedded sandbox at http://127.0.0.1:",
        "1. Discover: issuer http://127.0.0.1:",
        "2. JWKS: 1 public signing key(s)",
        "3. Register a relying party: client id govlearn-demo-portal-",
        "5. Send an OTP to VID 9038952310",
        "6. Authenticate with OTP 111111: accepted",
        "RS256 signature verified",
        "9. Userinfo (a signed JWT, signature verified): {'name': ",
    ):
        assert expected in text, text
    timings = json.loads((out / "timings.json").read_text())
    assert timings["ok"] is True
    assert list(timings["phases"]) == ["sandbox", "identity"]
    assert all(phase["seconds"] > 0 for phase in timings["phases"].values())


def test_mid_programme_falls_between_the_first_and_last_due_dates() -> None:
    from govlearn.cohort import DEFAULT_START, programme_schedule
    from govlearn.courses import list_courses, load_course
    from govlearn.demo import mid_programme

    modules = {c: [m.id for m in load_course(c).modules] for c in list_courses()}
    due = programme_schedule(modules, DEFAULT_START)["duedate"].dt.date
    middle = mid_programme()
    assert due.min() < middle < due.max()
    assert (due <= middle).any() and (due > middle).any()


def test_a_phase_without_its_inputs_fails_clearly_and_is_timed(tmp_path: Path) -> None:
    report = run_demo(tmp_path, phases=["report"], echo=lambda _line: None)
    assert not report.ok
    [result] = report.results
    assert result.name == "report" and not result.ok
    assert "Run the cohort phase first" in (result.error or "")
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert timings["phases"]["report"]["ok"] is False
    assert timings["ok"] is False


def test_a_relative_output_folder_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report notebook runs in its own folder: every path the phases hand
    # on (gradebooks, roster, the sandbox's activity URL) must not depend on
    # the folder the demo was started from.
    monkeypatch.chdir(tmp_path)
    report = run_demo(Path("build") / "demo", phases=["report"], echo=lambda _l: None)
    assert report.timings_file == tmp_path / "build" / "demo" / "timings.json"
    assert report.timings_file.is_file()
