"""Running one submission's notebooks: the part that happens on a worker.

A worker gets a :class:`SubmissionJob` (already sanitized notebooks, the
files of the submission folder, the learner's sandbox identity) and returns a
:class:`SubmissionResult` (executed notebooks and problems). It never touches
the gradebook, so it can run in a local process pool or on any Dask worker.

Execution is nbgrader's own ``Execute`` preprocessor followed by the rest of
nbgrader's autograde pass that does not write to the gradebook
(``IgnorePattern``, ``ClearMetadataPreprocessor``, ``LimitOutput``,
``CheckCellMetadata``). What we add around it:

* a kernel pool: while one notebook runs, the next kernel is already starting;
* a fresh temporary folder per notebook as its working directory, a memory
  limit (``RLIMIT_AS``), a time cap per notebook and an output limit per cell;
* the start-up guard of :mod:`govlearn.grading.guard`.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from traitlets.config import Config

from .._logging import logger as log
from .guard import BLOCKED_MARK
from .outcomes import Problem
from .template import KernelTemplate, TemplateKernelManager

__all__ = [
    "ExecutionSettings",
    "NotebookResult",
    "SubmissionJob",
    "SubmissionResult",
    "run_submission",
]

#: Environment variables a grading kernel never inherits.
_SECRET_ENV = (
    "GOVLEARN_ADMIN_KEY",
    "GOVLEARN_DATABASE_URL",
    "GOVLEARN_LEARNER_KEY",
    "GOVLEARN_SANDBOX_URL",
    "JPY_API_TOKEN",
    "JUPYTERHUB_API_TOKEN",
)


@dataclass(frozen=True)
class ExecutionSettings:
    """Limits and nbgrader configuration shared by every job of a run."""

    config: Config
    cell_timeout: int
    notebook_timeout: int
    startup_timeout: int
    memory_limit_mb: int
    output_limit_kb: int
    kernel_name: str = "python3"
    preload: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()


@dataclass
class SubmissionJob:
    """Everything a worker needs to run one learner's assignment."""

    assignment: str
    student: str
    notebooks: dict[str, str]  # notebook id -> sanitized notebook JSON
    files: dict[str, bytes]  # relative path -> content of the working folder
    env: dict[str, str]  # the learner's sandbox identity
    settings: ExecutionSettings


@dataclass
class NotebookResult:
    name: str
    notebook: str | None
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class SubmissionResult:
    assignment: str
    student: str
    notebooks: list[NotebookResult]
    seconds: float
    worker: str


# --------------------------------------------------------------------------- kernels


def _memory_limiter(megabytes: int) -> Any:
    if megabytes <= 0:
        return None
    limit = megabytes * 1024 * 1024

    def apply_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply_limit


class _Kernel:
    """A started kernel and the temporary folder it lives in."""

    def __init__(
        self,
        settings: ExecutionSettings,
        kernel_name: str,
        template: KernelTemplate | None = None,
    ) -> None:
        from jupyter_core.utils import run_sync

        self.kernel_name = kernel_name
        self.preload = settings.preload
        self.folder = Path(tempfile.mkdtemp(prefix="govlearn-grade-"))
        self.work = self.folder / "work"
        for sub in ("work", "home", "tmp"):
            (self.folder / sub).mkdir()
        env = {k: v for k, v in os.environ.items() if k not in _SECRET_ENV}
        env.update(
            HOME=str(self.folder / "home"),
            TMPDIR=str(self.folder / "tmp"),
            GOVLEARN_HOME=str(self.folder / "home" / ".govlearn"),
            GOVLEARN_GRADING_WORKDIR=str(self.folder),
            GOVLEARN_GRADING_DENY=os.pathsep.join(settings.deny),
            GOVLEARN_GRADING_PRELOAD=",".join(settings.preload),
            NBGRADER_EXECUTION="autograde",
            PYTHONDONTWRITEBYTECODE="1",
            MPLBACKEND="Agg",
        )
        self.manager = TemplateKernelManager(kernel_name=kernel_name)
        self.started = time.monotonic()
        self.log = self.folder / "kernel.log"
        self.manager.template = template
        self.manager.memory_limit_mb = settings.memory_limit_mb
        self.manager.log_path = str(self.log)
        with open(self.log, "wb") as log:
            self._start(run_sync, env, settings, log)

    def _start(
        self, run_sync: Any, env: dict[str, str], settings: ExecutionSettings, log: Any
    ) -> None:
        run_sync(self.manager.start_kernel)(
            stdout=log,
            stderr=log,
            cwd=str(self.work),
            env=env,
            extra_arguments=[
                "--HistoryManager.hist_file=:memory:",
                "--IPKernelApp.exec_lines="
                "__import__('govlearn.grading.guard').grading.guard.install()",
            ],
            preexec_fn=_memory_limiter(settings.memory_limit_mb),
        )

    def last_words(self) -> str:
        """The end of what the kernel wrote to its log, for a death notice."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        useful = [
            line for line in lines if "without encryption" not in line and line.strip()
        ]
        return " | ".join(useful[-3:])[:300]

    @property
    def pid(self) -> int | None:
        provisioner = self.manager.provisioner
        return getattr(provisioner, "pid", None)

    def kill(self) -> None:
        pid = self.pid
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.manager.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the kernel may already be gone
            self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class _KernelPool:
    """Per worker thread: a kernel template, and a spare kernel started ahead.

    The template (one per set of preloaded modules) forks each kernel with the
    imports already done; the spare is started while the current notebook
    runs, so its start-up overlaps that execution.
    """

    def __init__(self) -> None:
        self.spare: _Kernel | None = None
        self.templates: dict[tuple[str, ...], KernelTemplate] = {}

    def _template(self, settings: ExecutionSettings) -> KernelTemplate | None:
        template = self.templates.get(settings.preload)
        if template is None or not template.alive():
            try:
                template = KernelTemplate(settings.preload)
            except OSError:
                return None
            self.templates[settings.preload] = template
        return template

    def _start(self, settings: ExecutionSettings, kernel_name: str) -> _Kernel:
        return _Kernel(settings, kernel_name, self._template(settings))

    def take(self, settings: ExecutionSettings, kernel_name: str) -> _Kernel:
        kernel, self.spare = self.spare, None
        if kernel is not None and (
            kernel.kernel_name != kernel_name or kernel.preload != settings.preload
        ):
            kernel.close()
            kernel = None
        if kernel is None:
            kernel = self._start(settings, kernel_name)
        try:
            self.spare = self._start(settings, settings.kernel_name)
        except Exception:  # noqa: BLE001 - the next job starts its own kernel
            self.spare = None
        return kernel

    def close(self) -> None:
        if self.spare is not None:
            self.spare.close()
            self.spare = None
        for template in self.templates.values():
            template.close()
        self.templates.clear()


_LOCAL = threading.local()


def _pool() -> _KernelPool:
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        import atexit
        from multiprocessing import util

        pool = _LOCAL.pool = _KernelPool()
        atexit.register(pool.close)
        util.Finalize(pool, pool.close, exitpriority=20)
    return pool


def close_pool() -> None:
    """Stop this thread's spare kernel (the end of a run in this process)."""
    pool = getattr(_LOCAL, "pool", None)
    if pool is not None:
        pool.close()


# --------------------------------------------------------------------------- execution


def _guarded_execute_class() -> type:
    from nbformat.notebooknode import NotebookNode
    from nbgrader.preprocessors import Execute

    class GuardedExecute(Execute):  # type: ignore[misc, valid-type]
        """nbgrader's Execute, with an output limit and a record of finished cells."""

        output_limit = 1024 * 1024

        def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
            self.finished: set[int] = set()
            self.flooded: set[int] = set()
            self.sizes: dict[int, int] = {}
            return super().preprocess(nb, resources, km)

        async def async_execute_cell(
            self, cell: Any, cell_index: int, *a: Any, **k: Any
        ) -> Any:
            result = await super().async_execute_cell(cell, cell_index, *a, **k)
            self.finished.add(cell_index)
            return result

        def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
            kind = msg["msg_type"]
            if kind == "stream":  # printed text; figures and tables are not a flood
                content = msg["content"]
                size = len(content.get("text", ""))
                total = self.sizes.get(cell_index, 0) + size
                self.sizes[cell_index] = total
                if total > self.output_limit:
                    self.flooded.add(cell_index)
                    stderr = kind == "stream" and content.get("name") == "stderr"
                    if stderr and not any(
                        o.get("name") == "stderr" for o in outs
                    ):  # keep nbgrader's rule: any stderr output scores zero
                        outs.append(
                            NotebookNode(
                                output_type="stream",
                                name="stderr",
                                text="[more error output was dropped]\n",
                            )
                        )
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return GuardedExecute


_EXECUTE_CLASS: type | None = None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _stop_remaining(nb: Any, finished: set[int], ename: str, reason: str) -> None:
    """Give every code cell that did not finish an error, so it scores zero."""
    from nbformat.notebooknode import NotebookNode

    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and index not in finished:
            cell.outputs.append(
                NotebookNode(
                    output_type="error",
                    ename=ename,
                    evalue=reason,
                    traceback=[f"{ename}: {reason}"],
                )
            )


def _scan_outputs(nb: Any, name: str, problems: list[Problem]) -> None:
    timeouts, memory, blocked = [], [], []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
            if output.get("ename") == "CellTimeoutError":
                timeouts.append(label)
            elif output.get("ename") == "MemoryError":
                memory.append(label)
            elif BLOCKED_MARK in str(output.get("evalue", "")):
                blocked.append(f"{label} ({output.get('evalue', '')[:160]})")
    if timeouts:
        problems.append(Problem("cell_timeout", name, "Cells: " + ", ".join(timeouts)))
    if memory:
        problems.append(Problem("memory_limit", name, "Cells: " + ", ".join(memory)))
    if blocked:
        problems.append(Problem("blocked_file_access", name, "; ".join(blocked)))


def _run_notebook(
    job: SubmissionJob, name: str, source: str, pool: _KernelPool
) -> NotebookResult:
    from nbclient.exceptions import DeadKernelError
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import CheckCellMetadata, IgnorePattern, LimitOutput

    global _EXECUTE_CLASS
    if _EXECUTE_CLASS is None:
        _EXECUTE_CLASS = _guarded_execute_class()
    settings = job.settings
    started = time.monotonic()
    problems: list[Problem] = []
    nb = nbformat.reads(source, as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name") or settings.kernel_name
    kernel = _ready_kernel(pool, settings, kernel_name, job.env)
    capped = threading.Event()

    def cap() -> None:
        capped.set()
        kernel.kill()

    timer = threading.Timer(settings.notebook_timeout, cap)
    try:
        for relative, content in job.files.items():
            target = kernel.work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        resources: dict[str, Any] = {
            "nbgrader": {
                "notebook": name,
                "assignment": job.assignment,
                "student": job.student,
            },
            "metadata": {"path": str(kernel.work)},
        }
        execute = _EXECUTE_CLASS(config=settings.config)
        execute.output_limit = settings.output_limit_kb * 1024
        timer.start()
        try:
            nb, resources = execute.preprocess(nb, resources, km=kernel.manager)
        except DeadKernelError:
            nb = execute.nb
            if capped.is_set():
                reason = (
                    f"the notebook ran longer than {settings.notebook_timeout} s in all"
                )
                problems.append(Problem("notebook_time_cap", name, _sentence(reason)))
                _stop_remaining(nb, execute.finished, "NotebookTimeCap", reason)
            else:
                reason = (
                    "the kernel stopped unexpectedly (it may have crashed or used more "
                    f"than {settings.memory_limit_mb} MiB)"
                )
                words = kernel.last_words()
                detail = _sentence(reason) + (f" Kernel said: {words}" if words else "")
                problems.append(Problem("kernel_died", name, detail))
                _stop_remaining(nb, execute.finished, "KernelDied", reason)
        finally:
            timer.cancel()
            if getattr(execute, "kc", None) is not None:
                execute.kc.stop_channels()
        if execute.flooded:
            cells = sorted(execute.flooded)
            problems.append(
                Problem(
                    "output_flood",
                    name,
                    f"Cells {cells} printed over {settings.output_limit_kb} KiB.",
                )
            )
        for step in (
            IgnorePattern,
            ClearMetadataPreprocessor,
            LimitOutput,
            CheckCellMetadata,
        ):
            nb, resources = step(config=settings.config)(nb, resources)
        _scan_outputs(nb, name, problems)
        return NotebookResult(
            name, nbformat.writes(nb), problems, time.monotonic() - started
        )
    finally:
        kernel.close()


#: Kernels started for one notebook before it is recorded as an internal error.
KERNEL_STARTS = 3


def _ready_kernel(
    pool: _KernelPool,
    settings: ExecutionSettings,
    kernel_name: str,
    env: dict[str, str],
) -> _Kernel:
    """A kernel that has answered and holds the learner's sandbox identity.

    A kernel can die before it answers, through no fault of the submission:
    jupyter_client picks free TCP ports for it, and another process may bind
    one of them before the kernel does ("Address already in use"). A fresh
    kernel gets fresh ports, so up to :data:`KERNEL_STARTS` are tried.
    """
    for attempt in range(1, KERNEL_STARTS + 1):
        kernel = pool.take(settings, kernel_name)
        try:
            _set_identity(kernel, env, settings.startup_timeout)
        except RuntimeError as exc:
            words = kernel.last_words()
            kernel.close()
            if attempt == KERNEL_STARTS:
                raise RuntimeError(
                    f"{KERNEL_STARTS} kernels in a row stopped before they were "
                    f"ready ({exc}). Last kernel said: {words or 'nothing'}"
                ) from exc
            log.warning(
                "A grading kernel stopped before it was ready (%s; it said: %s); "
                "starting another.",
                exc,
                words or "nothing",
            )
            continue
        return kernel
    raise AssertionError("unreachable")


def _set_identity(kernel: _Kernel, env: dict[str, str], timeout: float) -> None:
    """Wait until the kernel is ready; give it the learner's sandbox identity."""
    client = kernel.manager.blocking_client()
    # shell and IOPub are all this needs; no heartbeat or stdin threads
    client.start_channels(stdin=False, hb=False, control=False)
    try:
        client.wait_for_ready(timeout=timeout)
        if not env:
            return
        code = f"__import__('os').environ.update({env!r})"
        client.execute(code, silent=True, store_history=False)
        client.get_shell_msg(timeout=timeout)
    finally:
        client.stop_channels()


def run_submission(job: SubmissionJob) -> SubmissionResult:
    """Execute every notebook of ``job``; never raises for a learner's mistake."""
    started = time.monotonic()
    pool = _pool()
    results = []
    for name, source in sorted(job.notebooks.items()):
        try:
            results.append(_run_notebook(job, name, source, pool))
        except Exception as exc:  # noqa: BLE001 - recorded as an outcome
            detail = f"{type(exc).__name__}: {str(exc)[:300]}"
            results.append(
                NotebookResult(name, None, [Problem("internal_error", name, detail)])
            )
    return SubmissionResult(
        job.assignment,
        job.student,
        results,
        time.monotonic() - started,
        f"{os.uname().nodename}:{os.getpid()}",
    )
