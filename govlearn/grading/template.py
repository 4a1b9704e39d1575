"""Kernel templates: fresh kernels forked from a process that has done its imports.

Starting an IPython kernel costs about half a second of imports, and a course
notebook's own imports (pandas, plotly, govlearn) cost more; for small
notebooks that is most of the grading time. A template is a process that
imports ``ipykernel`` and the assignment's modules once, then forks one child
per notebook. Each child becomes an ordinary kernel (a new session, its own
folder, environment and memory limit, the start-up guard), with no learner
state from any other notebook: only the imported modules are shared.

Run as ``python -m govlearn.grading.template MODULE ...``; it reads one JSON
request per line on stdin and answers with the child's pid on stdout.
:class:`TemplateKernelManager` is the ``jupyter_client`` side.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from jupyter_client.manager import AsyncKernelManager

__all__ = ["KernelTemplate", "TemplateKernelManager"]

_LAUNCHER = "ipykernel_launcher"


class _ForkedProcess:
    """What ``LocalProvisioner`` needs of a process it did not start itself."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        return self.poll()

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class KernelTemplate:
    """A running template process (one per worker and set of preloaded modules)."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        self.preload = preload
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "govlearn.grading.template", *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self._process.poll() is None

    def spawn(
        self, argv: list[str], cwd: str, env: dict[str, str], memory: int, log: str
    ) -> int:
        """Fork a kernel child; returns its pid."""
        request = {"argv": argv, "cwd": cwd, "env": env, "memory": memory, "log": log}
        with self._lock:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer:
            raise RuntimeError(
                "The kernel template stopped; starting kernels directly."
            )
        return int(json.loads(answer)["pid"])

    def close(self) -> None:
        if self.alive():
            self._process.kill()
        self._process.wait(timeout=10)


class TemplateKernelManager(AsyncKernelManager):
    """A kernel manager whose IPython kernels are forked from a template."""

    template: KernelTemplate | None = None
    memory_limit_mb: int = 0
    log_path: str = os.devnull

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        template = self.template
        if template is None or not template.alive() or _LAUNCHER not in kernel_cmd:
            await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        argv = kernel_cmd[kernel_cmd.index(_LAUNCHER) + 1 :]
        env = dict(kw.get("env") or os.environ)
        pid = template.spawn(
            argv,
            str(kw.get("cwd") or os.getcwd()),
            env,
            self.memory_limit_mb,
            self.log_path,
        )
        provisioner = self.provisioner
        assert provisioner is not None
        provisioner.process = _ForkedProcess(pid)  # type: ignore[attr-defined]
        provisioner.pid = pid  # type: ignore[attr-defined]
        provisioner.pgid = pid  # type: ignore[attr-defined]
        self._reconcile_connection_info(provisioner.connection_info)


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become a kernel as the request says. Never returns."""
    import resource

    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if request["memory"] > 0:
            limit = request["memory"] * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # Exit when the template does (it exits when its worker does): the
        # kernel's parent poller watches the process it was forked from.
        parent = f"--IPKernelApp.parent_handle={os.getppid()}"
        sys.argv = [_LAUNCHER, *request["argv"], parent]
        sys.path[0] = ""
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    finally:
        os._exit(0)


def main(preload: list[str]) -> None:
    """The template process: import once, then fork a kernel per request."""
    importlib.import_module("ipykernel.kernelapp")
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook will meet the same error
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped for us
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
