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
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from traitlets import DottedObjectName, Type

__all__ = [
    "KernelTemplate",
    "QuickReadyAsyncClient",
    "QuickReadyBlockingClient",
    "TemplateKernelManager",
]

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


async def _wait_until_ready(client: Any, timeout: float | None = None) -> None:
    """Return once the kernel answers on its shell channel and IOPub is connected.

    ``jupyter_client``'s own check ends by waiting 0.2 s for IOPub to fall
    silent, and grading pays that twice per notebook (once here, once in
    nbclient). Here IOPub counts as connected, and drained, as soon as it
    carries the ``idle`` status of this very ``kernel_info`` request.
    """
    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    while True:
        request = client.kernel_info()
        try:
            reply = await ensure_async(client.shell_channel.get_msg(timeout=1))
        except Empty:
            reply = None
        if (
            reply is not None
            and reply["msg_type"] == "kernel_info_reply"
            and await _iopub_done(client, request, 0.1)
        ):
            client._handle_kernel_info_reply(reply)
            return
        if not await ensure_async(client.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


async def _iopub_done(client: Any, request: str, wait: float) -> bool:
    """Read IOPub until the ``idle`` status of ``request``, for at most ``wait`` s."""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await ensure_async(client.iopub_channel.get_msg(timeout=left))
        except Empty:
            return False
        if (
            message["msg_type"] == "status"
            and message["parent_header"].get("msg_id") == request
            and message["content"].get("execution_state") == "idle"
        ):
            return True
    return False


class QuickReadyAsyncClient(AsyncKernelClient):
    """The asynchronous kernel client, with :func:`_wait_until_ready`."""

    wait_for_ready = _wait_until_ready


class QuickReadyBlockingClient(BlockingKernelClient):
    """The blocking kernel client, with :func:`_wait_until_ready`."""

    wait_for_ready = run_sync(_wait_until_ready)


class TemplateKernelManager(AsyncKernelManager):
    """A kernel manager whose IPython kernels are forked from a template.

    Its clients skip ``jupyter_client``'s fixed waits when checking that a
    kernel is ready (see :func:`_wait_until_ready`).
    """

    client_class = DottedObjectName("govlearn.grading.template.QuickReadyAsyncClient")
    client_factory = Type(klass=QuickReadyAsyncClient)
    blocking_class = Type(klass=QuickReadyBlockingClient)
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
    except SystemExit as stop:
        os._exit(stop.code if isinstance(stop.code, int) else 0)
    except BaseException:
        # os._exit skips the interpreter's own report, so write it to the
        # kernel's log: the grader quotes it ("Address already in use", ...).
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    finally:
        os._exit(0)


def _failing_check() -> None:
    assert 1 + 1 == 3, "a deliberately failing check"


def _warm_up(preload: list[str]) -> None:
    """Pay, once, for what libraries only do the first time they are used.

    A failing test cell makes IPython format its first traceback, which
    imports and primes its source highlighting (about 0.1 s); the first
    plotly figure of a process loads its property validators (about 0.25 s)
    and the first use of a theme builds it from JSON (about 0.2 s); the first
    ``govlearn.connect()`` imports the helpers and reads the CA bundle. Done
    here, before the fork, every kernel starts with all of them ready.
    """
    from IPython.core.ultratb import AutoFormattedTB

    try:
        _failing_check()
    except AssertionError:
        formatter = AutoFormattedTB(mode="Context", theme_name="linux")
        formatter.structured_traceback(*sys.exc_info())
    if "govlearn" in sys.modules:
        from govlearn._client import preload as preload_client

        preload_client()
    # govlearn's notebook helpers import plotly only when they first draw
    draws = {name.partition(".")[0] for name in preload} & {"plotly", "govlearn"}
    if not draws or importlib.util.find_spec("plotly") is None:
        return
    import plotly.graph_objects as go
    import plotly.io as pio

    figure = go.Figure(
        [
            go.Bar(x=["a"], y=[1], name="bar"),
            go.Scatter(x=[1], y=[1], mode="lines+markers+text", text=["a"]),
            go.Funnel(x=[1], y=["a"]),
        ],
        layout=go.Layout(title="warm-up", xaxis_title="x", yaxis_title="y"),
    )
    figure.update_layout(showlegend=False, margin=dict(l=10, r=10))
    figure.add_annotation(text="a", x=1, y=1)
    pio.to_json(figure)
    for name in ("plotly", "plotly_white"):  # loaded from JSON on first use
        pio.templates[name]


def main(preload: list[str]) -> None:
    """The template process: import once, then fork a kernel per request."""
    importlib.import_module("ipykernel.kernelapp")
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook will meet the same error
            pass
    try:
        _warm_up(preload)
    except Exception:  # noqa: BLE001 - only a missed saving
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
