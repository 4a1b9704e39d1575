"""A learner's JupyterLab, in a real browser: run a GovStack 101 module, validate.

The workspace is the one ``govlearn lab`` prepares. The learner's answers are
the module's own solutions (the ``right`` sample submission), so a correct
notebook must run with no error output and pass nbgrader's validate.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest

COURSE = "govstack-101"
MODULE = "04-usct-use-case"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    url: str
    token: str
    notebook: Path
    relative: str
    folder: Path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.url}{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=300,
            **kwargs,
        )


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on a prepared workspace, with a token, on a random port."""
    pytest.importorskip(
        "govlearn.courses", reason="govlearn.courses (course builder) is missing"
    )
    from govlearn.courses import load_course, sample_submissions
    from govlearn.lab import lab_command, lab_environment, prepare_workspace

    from ..conftest import start_sandbox

    base = tmp_path_factory.mktemp("lab")
    workspace = prepare_workspace(base / "learn", courses=[COURSE])
    notebook = workspace.course(COURSE).notebook(MODULE)
    course = load_course(COURSE)
    right = next(
        sample
        for sample in sample_submissions(course, MODULE, notebook)
        if sample.kind == "right"
    )
    nbformat.write(right.notebook, str(notebook))

    sandbox = start_sandbox(f"sqlite:///{base / 'sandbox.db'}")
    token = secrets.token_hex(16)
    port = _free_port()
    command = lab_command(
        workspace,
        port=port,
        open_browser=False,
        extra=[f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"],
    )
    env = lab_environment(workspace, sandbox.url, sandbox.new_key("lab-learner"))
    log = base / "jupyterlab.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, env=env, cwd=workspace.folder, stdout=handle, stderr=handle
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                status = httpx.get(
                    f"{url}/api/status", headers={"Authorization": f"token {token}"}
                )
                if status.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        relative = notebook.relative_to(workspace.folder).as_posix()
        yield Lab(url, token, notebook, relative, workspace.folder)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        sandbox.close()


def _run_all_cells(page: Any) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('li[data-command="runmenu:run-all"]').click()


def _wait_for_kernel(page: Any, cells: int, timeout: float = 240.0) -> None:
    """Until every code cell has run: no ``[*]`` prompt, every prompt numbered."""
    deadline = time.monotonic() + timeout
    prompts: list[str] = []
    while time.monotonic() < deadline:
        # textContent, not innerText: cells scrolled out of view still count.
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_text_contents()
        numbered = [p for p in prompts if p.strip().strip("[]:").isdigit()]
        if len(numbered) >= cells and not any("*" in p for p in prompts):
            return
        time.sleep(0.5)
    raise AssertionError(f"The notebook did not finish running: {prompts}")


def test_home_page_opens_first(lab: Lab, page: Any, artifacts: Path) -> None:
    page.goto(f"{lab.url}/?token={lab.token}")
    page.wait_for_selector(
        '.jp-RenderedMarkdown h1:has-text("Welcome to GovLearn")',
        state="attached",
        timeout=120_000,
    )
    assert page.url.endswith("/lab/tree/Home.ipynb")
    # Each markdown cell renders on its own: the module list, in the third cell,
    # may appear after the heading on a busy machine.
    page.wait_for_selector(
        '.jp-RenderedMarkdown a:has-text("unconditional social cash transfer")',
        state="attached",
        timeout=60_000,
    )
    links = page.locator(".jp-RenderedMarkdown a").all_text_contents()
    assert any("unconditional social cash transfer" in link for link in links)
    page.screenshot(path=str(artifacts / "jupyterlab-home.png"))


def test_module_runs_with_widgets_and_a_chart(
    lab: Lab, page: Any, artifacts: Path
) -> None:
    code_cells = sum(
        cell.cell_type == "code" for cell in nbformat.read(lab.notebook, 4).cells
    )
    page.goto(f"{lab.url}/lab/tree/{lab.relative}?token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=120_000)
    page.wait_for_selector(
        '.jp-Toolbar-kernelStatus, [data-status="idle"]',
        state="attached",
        timeout=120_000,
    )
    page.wait_for_timeout(2000)  # let the kernel come up before running
    _run_all_cells(page)
    _wait_for_kernel(page, code_cells)
    page.wait_for_selector(
        ".js-plotly-plot .main-svg", state="attached", timeout=60_000
    )
    page.wait_for_selector(".jupyter-widgets", state="attached", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() >= 1
    assert page.locator(".widget-button, .widget-radio, .jupyter-button").count() >= 1
    errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "jupyterlab-module.png"))

    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    saved = nbformat.read(lab.notebook, 4)
    while time.monotonic() < deadline:
        saved = nbformat.read(lab.notebook, 4)
        if all(c.get("execution_count") for c in saved.cells if c.cell_type == "code"):
            break
        time.sleep(0.5)
    outputs = [o for c in saved.cells if c.cell_type == "code" for o in c.outputs]
    assert all(c.get("execution_count") for c in saved.cells if c.cell_type == "code")
    assert [o for o in outputs if o.output_type == "error"] == []
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes
    assert "application/vnd.plotly.v1+json" in mimes

    # nbgrader's Validate button in the notebook toolbar, as a learner uses it.
    toolbar = page.locator(".jp-NotebookPanel-toolbar").last
    toolbar.get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    page.wait_for_selector(
        '.jp-Dialog :text("Success! Your notebook passes all the tests.")',
        timeout=300_000,
    )
    page.screenshot(path=str(artifacts / "jupyterlab-validate.png"))


def test_nbgrader_validate_passes(lab: Lab) -> None:
    answer = lab.api(
        "POST", "/assignments/validate", data={"path": lab.relative}
    ).json()
    assert answer["success"] is True, answer
    result = answer["value"]
    assert not result.get("failed"), json.dumps(result)[:2000]
    assert not result.get("changed"), json.dumps(result)[:2000]


def test_assignment_list_shows_the_course(lab: Lab) -> None:
    answer = lab.api("GET", "/assignments", params={"course_id": COURSE}).json()
    assert answer["success"] is True, answer
    modules = {item["assignment_id"]: item["status"] for item in answer["value"]}
    assert MODULE in modules
    assert modules[MODULE] == "fetched"
