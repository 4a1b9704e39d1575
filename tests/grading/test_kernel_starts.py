"""A kernel that stops before it is ready is replaced, not blamed on the learner.

jupyter_client picks free TCP ports for each kernel, and another process can
bind one of them first; the kernel then exits at once. Here real kernels are
killed right after they start, which the worker sees the same way.
"""

from __future__ import annotations

import logging

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from govlearn.grading import worker

SETTINGS = worker.ExecutionSettings(
    config=Config(),
    cell_timeout=30,
    notebook_timeout=60,
    startup_timeout=30,
    memory_limit_mb=0,
    output_limit_kb=64,
)


def _job() -> worker.SubmissionJob:
    notebook = new_notebook(cells=[new_code_cell("answer = 6 * 7\nprint(answer)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return worker.SubmissionJob(
        assignment="a1",
        student="s1",
        notebooks={"a1": nbformat.writes(notebook)},
        files={},
        env={},
        settings=SETTINGS,
    )


@pytest.fixture(autouse=True)
def _fresh_pool():  # type: ignore[no-untyped-def]
    """No spare kernel from an earlier test: each test starts its own."""
    worker.close_pool()
    yield
    worker.close_pool()


@pytest.fixture
def killed_starts(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Kill the first ``n`` kernels the pool hands out; n is set by the test."""
    plan = {"kill": 0, "killed": 0}
    take = worker._KernelPool.take

    def take_and_kill(self, settings, kernel_name):  # type: ignore[no-untyped-def]
        kernel = take(self, settings, kernel_name)
        if plan["killed"] < plan["kill"]:
            plan["killed"] += 1
            kernel.kill()
            kernel.manager.provisioner.process.wait()  # dead before the check
        return kernel

    monkeypatch.setattr(worker._KernelPool, "take", take_and_kill)
    return plan


def test_a_kernel_that_stops_before_it_is_ready_is_replaced(killed_starts, caplog):
    killed_starts["kill"] = 1
    with caplog.at_level(logging.WARNING, logger="govlearn"):
        result = worker.run_submission(_job())
    (notebook,) = result.notebooks
    assert notebook.problems == []
    executed = nbformat.reads(notebook.notebook, as_version=4)
    assert executed.cells[0].outputs[0]["text"] == "42\n"
    assert killed_starts["killed"] == 1
    assert "stopped before it was ready" in caplog.text


def test_kernels_that_keep_stopping_are_an_internal_error(killed_starts):
    killed_starts["kill"] = worker.KERNEL_STARTS
    result = worker.run_submission(_job())
    (notebook,) = result.notebooks
    assert notebook.notebook is None
    (problem,) = notebook.problems
    assert problem.kind == "internal_error"
    assert f"{worker.KERNEL_STARTS} kernels in a row stopped" in problem.detail


def test_a_kernel_whose_port_was_taken_says_so_and_is_replaced(monkeypatch, caplog):
    import socket

    from govlearn.grading.template import TemplateKernelManager

    taken: list[socket.socket] = []
    launch = TemplateKernelManager._async_launch_kernel

    async def launch_after_another_process(self, kernel_cmd, **kw):  # type: ignore[no-untyped-def]
        if not taken:  # the race: someone binds the kernel's shell port first
            squatter = socket.socket()
            squatter.bind((self.ip, self.shell_port))
            squatter.listen()
            taken.append(squatter)
        await launch(self, kernel_cmd, **kw)

    monkeypatch.setattr(
        TemplateKernelManager, "_async_launch_kernel", launch_after_another_process
    )
    try:
        with caplog.at_level(logging.WARNING, logger="govlearn"):
            result = worker.run_submission(_job())
    finally:
        for squatter in taken:
            squatter.close()
    (notebook,) = result.notebooks
    assert taken and notebook.problems == []
    assert "Address already in use" in caplog.text
