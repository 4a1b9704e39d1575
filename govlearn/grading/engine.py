"""The grading engine: nbgrader's autograde, parallel, resumable and robust.

One coordinator (the process that calls :func:`autograde`) does everything
that touches the gradebook; workers only execute notebooks:

1. **Prepare** each submission: hash its files (unchanged and already graded
   means skip), read its notebooks, note problems (edited locked cells,
   deleted or copied grade cells, another kernel), and run nbgrader's sanitize
   pass (``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``,
   ``OverwriteCells``, ``CheckCellMetadata``), which puts the hidden tests
   back. Each learner gets a fresh workspace in the run's grading sandbox.
2. **Execute** on workers (:mod:`govlearn.grading.worker`): a local process
   pool, or a Dask cluster, through the same ``concurrent.futures`` calls.
3. **Record** each result in one transaction: nbgrader's ``SaveAutoGrades``
   and ``AssignLatePenalties`` (with the policy's late plugin), the missing
   notebooks at zero, and GovLearn's grading record with the content hash.

The order and the preprocessors are nbgrader's, so scores equal
``nbgrader autograde`` on the same submissions and configuration.
"""

from __future__ import annotations

import concurrent.futures as futures
import hashlib
import importlib.util
import json
import logging
import multiprocessing
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from sqlalchemy.exc import SAWarning

from .._logging import logger
from .course import ensure_tools_on_path
from .exports import final_score
from .outcomes import Problem
from .policy import GradingPolicy, load_policy, nbgrader_config, with_workers
from .store import GradingRecord, create_tables, transaction
from .worker import ExecutionSettings, SubmissionJob, SubmissionResult, run_submission

__all__ = ["GradeReport", "SubmissionOutcome", "autograde"]

#: The modules a course's notebooks import (dotted: ``govlearn.notebook``).
_IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)", re.M)


@dataclass
class SubmissionOutcome:
    """How one learner's assignment ended."""

    assignment: str
    student: str
    status: str  # "graded", "broken" or "skipped"
    #: points after the late penalty; ``None`` when skipped
    problems: list[Problem] = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0


@dataclass
class GradeReport:
    """The result of one grading run."""

    outcomes: list[SubmissionOutcome]
    seconds: float
    notebooks: int

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def with_problems(self) -> list[SubmissionOutcome]:
        return [o for o in self.outcomes if o.problems]

    def summary(self) -> str:
        """A plain-text summary listing every submission that had a problem."""
        lines = [
            f"{self.count('graded')} graded, {self.count('broken')} broken, "
            f"{self.count('skipped')} unchanged and skipped; {self.notebooks} "
            f"notebooks in {self.seconds:.1f} s."
        ]
        problems = self.with_problems
        if problems:
            lines.append("")
            lines.append(f"{len(problems)} submissions need a look:")
        for outcome in problems:
            lines.append(
                f"- {outcome.student} / {outcome.assignment} ({outcome.status}):"
            )
            lines.extend(f"    {problem.describe()}" for problem in outcome.problems)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "notebooks": self.notebooks,
            "outcomes": [
                {**asdict(o), "problems": [p.as_dict() for p in o.problems]}
                for o in self.outcomes
            ],
        }


# --------------------------------------------------------------- gradebook sharing


class _SharedGradebook:
    """The run's one gradebook, handed to nbgrader preprocessors that open their own.

    nbgrader's preprocessors call ``Gradebook(db_url)`` and close it when done;
    here every such call gets the run's gradebook and closing does nothing, so
    all reads and writes go through one session (and one transaction).
    """

    def __init__(self, gradebook: Any) -> None:
        self._gradebook = gradebook

    def __call__(self, *_args: Any, **_kwargs: Any) -> _SharedGradebook:
        return self

    def __enter__(self) -> _SharedGradebook:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gradebook, name)


_GRADEBOOK_USERS = (
    "nbgrader.preprocessors.overwritecells",
    "nbgrader.preprocessors.overwritekernelspec",
    "nbgrader.preprocessors.saveautogrades",
    "nbgrader.preprocessors.latesubmissions",
)


@contextmanager
def _shared_gradebook(gradebook: Any) -> Iterator[None]:
    import importlib

    shared = _SharedGradebook(gradebook)
    modules = [importlib.import_module(name) for name in _GRADEBOOK_USERS]
    originals = [module.Gradebook for module in modules]
    for module in modules:
        module.Gradebook = shared  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            module.Gradebook = original  # type: ignore[attr-defined]


# --------------------------------------------------------------------- preparation


@dataclass
class _NotebookSpec:
    name: str
    grade_ids: set[str]
    locked: dict[str, str]  # grade id -> source as released (hidden tests removed)
    kernel: str | None


@dataclass
class _Prepared:
    assignment: str
    student: str
    folder: Path
    content_hash: str
    job: SubmissionJob
    problems: list[Problem]
    missing: list[str]  # notebooks that earn zero without running


def _released(cell: Any) -> str:
    """A locked source cell's text as learners received it."""
    from nbformat.notebooknode import NotebookNode
    from nbgrader.preprocessors import ClearHiddenTests

    copy = NotebookNode(cell_type=cell.cell_type, source=cell.source, metadata={})
    ClearHiddenTests()._remove_hidden_test_region(copy)
    return str(copy.source).strip()


def _assignment_specs(gradebook: Any, assignment: str) -> dict[str, _NotebookSpec]:
    specs = {}
    for notebook in gradebook.find_assignment(assignment).notebooks:
        kernel = (
            json.loads(notebook.kernelspec).get("name") if notebook.kernelspec else None
        )
        specs[notebook.name] = _NotebookSpec(
            notebook.name,
            {cell.name for cell in notebook.grade_cells},
            {
                cell.name: _released(cell)
                for cell in notebook.source_cells
                if cell.locked
            },
            kernel,
        )
    return specs


def _hash_folder(folder: Path, salt: str) -> str:
    digest = hashlib.sha256(salt.encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _inspect(nb: Any, spec: _NotebookSpec) -> list[Problem]:
    """Problems visible before running: what nbgrader will silently repair."""
    problems = []
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    ids = [i for i in ids if i]
    copies = sorted({i for i in ids if ids.count(i) > 1})
    if copies:
        problems.append(
            Problem("duplicate_cell_ids", spec.name, f"Ids: {', '.join(copies)}.")
        )
    missing = sorted(spec.grade_ids - set(ids))
    if missing:
        problems.append(
            Problem("grade_cell_deleted", spec.name, f"Cells: {', '.join(missing)}.")
        )
    edited = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if (
            grade_id in spec.locked
            and str(cell.source).strip() != spec.locked[grade_id]
        ):
            edited.append(grade_id)
    if edited:
        problems.append(
            Problem(
                "locked_cell_edited",
                spec.name,
                f"Cells: {', '.join(sorted(set(edited)))}.",
            )
        )
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if spec.kernel and kernel != spec.kernel:
        problems.append(
            Problem(
                "kernel_name_changed",
                spec.name,
                f"It asked for {kernel!r}, not {spec.kernel!r}.",
            )
        )
    return problems


def _drop_copies(nb: Any) -> None:
    """Make later copies of a graded cell plain cells: only the first copy counts.

    nbgrader's ``DeduplicateIds`` leaves such copies half-marked, which then
    stops the whole submission; a plain cell still runs, and scores nothing.
    """
    seen: set[str] = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if not grade_id:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            cell.metadata.pop("deletable", None)
            cell.metadata.pop("editable", None)
        seen.add(grade_id)


class _ChecksumNotes(logging.LoggerAdapter):  # type: ignore[type-arg]
    """nbgrader's log, with two per-cell warnings turned to debug.

    nbgrader records each test cell's checksum from the source notebook, so
    every cell whose hidden tests the release left out "has changed" in every
    submission; and it warns for each deleted grade cell it puts back.
    :func:`_inspect` already reports the cases that matter (a learner who
    edited a locked cell or deleted one) in the submission's outcome; the
    warnings would bury an instructor's terminal.
    """

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        # both are in every affected submission's outcome already
        if "has changed!" in str(msg) or "adding to notebook" in str(msg):
            self.debug(msg, *args, **kwargs)
        else:
            super().warning(msg, *args, **kwargs)


_NBGRADER_LOG = _ChecksumNotes(logging.getLogger("traitlets"), {})


def _sanitize(nb: Any, resources: dict[str, Any], config: Any) -> Any:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    for step in (
        ClearOutput,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ):
        nb, resources = step(config=config, log=_NBGRADER_LOG)(nb, resources)
    # cells nbgrader put back carry no id, which nbformat 4.5 requires
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        for cell in nb.cells:
            if not cell.get("id"):
                cell["id"] = uuid.uuid4().hex[:8]
    return nb


class _Run:
    """One grading run: configuration, gradebook and sandbox, prepared once."""

    def __init__(
        self,
        course_root: Path,
        policy: GradingPolicy,
        *,
        db_url: str | None,
        sandbox: Any,
        force: bool,
    ) -> None:
        from nbgrader.api import Gradebook
        from nbgrader.coursedir import CourseDirectory

        ensure_tools_on_path()
        self.root = Path(course_root).resolve()
        self.policy = policy
        self.config = nbgrader_config(self.root, policy, db_url=db_url)
        self.coursedir = CourseDirectory(config=self.config)
        self.db_url = self.coursedir.db_url
        self.gradebook = Gradebook(self.db_url, self.coursedir.course_id)
        create_tables(self.gradebook.engine)
        self.sandbox = sandbox
        self.force = force
        self.specs: dict[str, dict[str, _NotebookSpec]] = {}
        self.settings: dict[str, ExecutionSettings] = {}
        limits = policy.execution
        self.salt = json.dumps(
            [
                asdict(limits) | {"workers": 0},
                asdict(policy.late),
                policy.restore_missing_cells,
            ]
        )

    def close(self) -> None:
        self.gradebook.close()

    def submissions(
        self, assignments: Sequence[str] | None, students: Sequence[str] | None
    ) -> list[tuple[str, str, Path]]:
        known = {a.name for a in self.gradebook.assignments}
        submitted = Path(
            self.coursedir.format_path(self.coursedir.submitted_directory, ".", ".")
        )
        found = []
        for student_dir in sorted(p for p in submitted.glob("*") if p.is_dir()):
            for folder in sorted(p for p in student_dir.glob("*") if p.is_dir()):
                if folder.name not in known:
                    continue
                if assignments and folder.name not in assignments:
                    continue
                if students and student_dir.name not in students:
                    continue
                found.append((folder.name, student_dir.name, folder))
        return found

    def _settings_for(self, assignment: str) -> ExecutionSettings:
        if assignment not in self.settings:
            # One preload set for the whole course: one kernel template per worker.
            source = Path(
                self.coursedir.format_path(self.coursedir.source_directory, ".", ".")
            )
            modules: set[str] = set()
            for path in source.glob("*/*.ipynb"):
                for cell in nbformat.read(path, as_version=4).cells:
                    if cell.cell_type == "code":
                        modules.update(_IMPORT.findall(cell.source))
            preload = tuple(
                sorted(
                    m
                    for m in modules
                    if importlib.util.find_spec(m.partition(".")[0]) is not None
                )
            )
            specs = self.specs[assignment]
            kernel = (
                next((s.kernel for s in specs.values() if s.kernel), None) or "python3"
            )
            limits = self.policy.execution
            deny = [str(self.root)]
            exchange = self.config.get("Exchange", {}).get("root")
            if exchange:
                deny.append(str(exchange))
            if self.db_url.startswith("sqlite:///"):
                deny.append(
                    str(Path(self.db_url[len("sqlite:///") :]).resolve().parent)
                )
            self.settings[assignment] = ExecutionSettings(
                config=self.config,
                cell_timeout=limits.cell_timeout,
                notebook_timeout=limits.notebook_timeout,
                startup_timeout=limits.startup_timeout,
                memory_limit_mb=limits.memory_limit_mb,
                output_limit_kb=limits.output_limit_kb,
                kernel_name=kernel,
                preload=preload,
                deny=tuple(deny),
            )
        return self.settings[assignment]

    def unchanged(self, assignment: str, student: str, content_hash: str) -> bool:
        if self.force:
            return False
        record = self.gradebook.db.get(GradingRecord, (assignment, student))
        dest = Path(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, student, assignment
            )
        )
        return (
            record is not None and record.content_hash == content_hash and dest.is_dir()
        )

    def source_hash(self, assignment: str) -> str:
        source = Path(
            self.coursedir.format_path(self.coursedir.source_directory, ".", assignment)
        )
        return _hash_folder(source, self.salt)

    def prepare(
        self, assignment: str, student: str, folder: Path, content_hash: str
    ) -> _Prepared:
        from nbgrader import utils

        if assignment not in self.specs:
            self.specs[assignment] = _assignment_specs(self.gradebook, assignment)
        specs = self.specs[assignment]
        settings = self._settings_for(assignment)
        problems: list[Problem] = []
        notebooks: dict[str, str] = {}
        missing: list[str] = []
        for path in sorted(folder.glob("*.ipynb")):
            if path.stem not in specs:
                problems.append(
                    Problem("extra_notebook", path.stem, f"File {path.name}.")
                )
        for name, spec in sorted(specs.items()):
            path = folder / f"{name}.ipynb"
            if not path.is_file():
                problems.append(Problem("missing_notebook", name, f"No {name}.ipynb."))
                missing.append(name)
                continue
            try:
                nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
                nbformat.validate(nb)
                problems.extend(_inspect(nb, spec))
                _drop_copies(nb)
                resources = {
                    "nbgrader": {
                        "notebook": name,
                        "assignment": assignment,
                        "student": student,
                        "db_url": self.db_url,
                    }
                }
                with _shared_gradebook(self.gradebook), warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=SAWarning)
                    nb = _sanitize(nb, resources, self.config)
                notebooks[name] = nbformat.writes(nb)
            except Exception as exc:  # noqa: BLE001 - any unreadable notebook is an outcome
                reason = (
                    str(exc).strip().splitlines()[0][:240] if str(exc).strip() else ""
                )
                problems.append(
                    Problem("invalid_notebook", name, f"{type(exc).__name__}: {reason}")
                )
                missing.append(name)
        source = Path(
            self.coursedir.format_path(self.coursedir.source_directory, ".", assignment)
        )
        ignore = list(self.coursedir.ignore) + ["*.ipynb"]
        files: dict[str, bytes] = {}
        for base in (folder, source):  # source files win, as in nbgrader
            for filename in utils.find_all_files(str(base), ignore):
                files[str(Path(filename).relative_to(base))] = Path(
                    filename
                ).read_bytes()
        env = (
            self.sandbox.identity(student, assignment)
            if self.sandbox and notebooks
            else {}
        )
        job = SubmissionJob(assignment, student, notebooks, files, env, settings)
        return _Prepared(
            assignment, student, folder, content_hash, job, problems, missing
        )

    def record(
        self, prepared: _Prepared, result: SubmissionResult | None
    ) -> SubmissionOutcome:
        """Write one submission's grades and record in one transaction."""
        from nbgrader.preprocessors import SaveAutoGrades

        from .late import DailyLatePenalty  # noqa: F401 - the configured plugin

        assignment, student = prepared.assignment, prepared.student
        problems = list(prepared.problems)
        executed: dict[str, str] = {}
        if result is not None:
            for notebook in result.notebooks:
                problems.extend(notebook.problems)
                if notebook.notebook is None:
                    prepared.missing.append(notebook.name)
                else:
                    executed[notebook.name] = notebook.notebook
        broken = any(p.broken for p in problems)
        failed = any(p.kind == "internal_error" for p in problems)
        dest = Path(
            self.coursedir.format_path(
                self.coursedir.autograded_directory, student, assignment
            )
        )
        gb = self.gradebook
        with transaction(gb), _shared_gradebook(gb), warnings.catch_warnings():
            # nbgrader's own inserts trip SQLAlchemy 2 autoflush warnings; harmless.
            warnings.simplefilter("ignore", category=SAWarning)
            gb.update_or_create_student(student)
            timestamp = self.coursedir.get_existing_timestamp(str(prepared.folder))
            if timestamp:
                submission = gb.update_or_create_submission(
                    assignment, student, timestamp=timestamp
                )
            else:
                submission = gb.update_or_create_submission(assignment, student)
            for name in prepared.missing:
                for grade in gb.find_submission_notebook(
                    name, assignment, student
                ).grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            for relative, content in prepared.job.files.items():
                (dest / relative).parent.mkdir(parents=True, exist_ok=True)
                (dest / relative).write_bytes(content)
            if (prepared.folder / "timestamp.txt").is_file():
                shutil.copy(prepared.folder / "timestamp.txt", dest / "timestamp.txt")
            for name, text in executed.items():
                nb = nbformat.reads(text, as_version=4)
                resources = {
                    "nbgrader": {
                        "notebook": name,
                        "assignment": assignment,
                        "student": student,
                        "db_url": self.db_url,
                    }
                }
                SaveAutoGrades(config=self.config)(nb, resources)
                self._late_penalty(name, assignment, student)
                (dest / f"{name}.ipynb").write_text(text, encoding="utf-8")
            gb.db.flush()
            gb.db.expire_all()
            submission = gb.find_submission(assignment, student)
            score, max_score = final_score(submission), float(submission.max_score)
            gb.db.merge(
                GradingRecord(
                    assignment=assignment,
                    student=student,
                    content_hash=None if failed else prepared.content_hash,
                    outcome="broken" if broken else "graded",
                    problems_json=json.dumps([p.as_dict() for p in problems]),
                    seconds=result.seconds if result else 0.0,
                    worker=result.worker if result else "",
                )
            )
        return SubmissionOutcome(
            assignment,
            student,
            "broken" if broken else "graded",
            problems,
            score,
            max_score,
            result.seconds if result else 0.0,
        )

    def _late_penalty(self, notebook_id: str, assignment: str, student: str) -> None:
        """nbgrader's AssignLatePenalties step, on the run's one session."""
        from nbgrader.preprocessors import AssignLatePenalties

        step = AssignLatePenalties(config=self.config)
        step.init_plugin()
        gb = self.gradebook
        gb.db.flush()
        gb.db.expire_all()
        submission = gb.find_submission(assignment, student)
        notebook = gb.find_submission_notebook(notebook_id, assignment, student)
        notebook.late_submission_penalty = None
        if submission.total_seconds_late > 0:
            penalty = step.plugin_inst.late_submission_penalty(
                student, notebook.score, submission.total_seconds_late
            )
            if penalty is not None:
                notebook.late_submission_penalty = step._check_late_penalty(
                    notebook, penalty
                )


# ---------------------------------------------------------------------- execution


@contextmanager
def _executor(scheduler: Any, workers: int) -> Iterator[futures.Executor]:
    """A local process pool, or a Dask cluster seen as a ``concurrent.futures`` pool."""
    if scheduler is None:
        context = multiprocessing.get_context("spawn")
        with futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield pool
        return
    from distributed import Client

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with client.get_executor(pure=False) as pool:
            yield pool
    finally:
        if client is not scheduler:
            client.close()


def autograde(
    course_root: Path | str,
    *,
    assignments: Sequence[str] | None = None,
    students: Sequence[str] | None = None,
    policy: GradingPolicy | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    force: bool = False,
    db_url: str | None = None,
    sandbox: Any = "auto",
    progress: bool = True,
) -> GradeReport:
    """Autograde the submissions of a course root; see the module docstring.

    **Parameters:**

    * **assignments**, **students** - grade only these (default: all).
    * **policy** - a :class:`GradingPolicy` (default: ``grading/policy.toml``).
    * **workers** - local processes (default: the policy's, else one per core).
    * **scheduler** - a Dask scheduler address or ``distributed.Client``: run
      the notebooks on that cluster instead of local processes.
    * **force** - grade again even submissions that are unchanged.
    * **db_url** - the gradebook (default: the course's ``gradebook.db``).
    * **sandbox** - ``"auto"`` starts a grading sandbox when the notebooks
      use ``govlearn``; ``False`` never; or a :class:`GradingSandbox`.
    """
    from .identity import GradingSandbox

    started = time.monotonic()
    policy = with_workers(policy or load_policy(), workers)
    outcomes: list[SubmissionOutcome] = []
    notebooks = 0
    run = _Run(Path(course_root), policy, db_url=db_url, sandbox=None, force=force)
    own_sandbox = None
    try:
        found = run.submissions(assignments, students)
        hashes = {a: run.source_hash(a) for a in {a for a, _s, _f in found}}
        todo = []
        for assignment, student, folder in found:
            content_hash = _hash_folder(folder, hashes[assignment])
            if run.unchanged(assignment, student, content_hash):
                outcomes.append(SubmissionOutcome(assignment, student, "skipped"))
            else:
                todo.append((assignment, student, folder, content_hash))
        if sandbox == "auto":
            sources = Path(
                run.coursedir.format_path(run.coursedir.source_directory, ".", ".")
            )
            wanted = {a for a, *_ in todo}
            uses = any(
                "govlearn" in path.read_text(encoding="utf-8")
                for a in wanted
                for path in (sources / a).glob("*.ipynb")
            )
            sandbox = GradingSandbox.start() if uses else None
            own_sandbox = sandbox
        run.sandbox = sandbox or None
        notebooks = _execute(run, todo, policy, scheduler, progress, outcomes)
    finally:
        run.close()
        if own_sandbox is not None:
            own_sandbox.stop()
    report = GradeReport(outcomes, time.monotonic() - started, notebooks)
    logger.info("Grading run: %s", report.summary().splitlines()[0])
    return report


def _execute(
    run: _Run,
    todo: list[tuple[str, str, Path, str]],
    policy: GradingPolicy,
    scheduler: Any,
    progress: bool,
    outcomes: list[SubmissionOutcome],
) -> int:
    from tqdm import tqdm

    workers = policy.execution.worker_count
    counts = {"graded": 0, "broken": 0, "skipped": len(outcomes)}
    bar = tqdm(total=len(todo), unit="submission", desc="Grading", disable=not progress)
    notebooks = 0
    if not todo:
        bar.close()
        return 0
    queue = iter(todo)
    window = max(2, workers * 2)
    pending: dict[futures.Future[SubmissionResult], _Prepared] = {}

    def finish(prepared: _Prepared, result: SubmissionResult | None) -> None:
        nonlocal notebooks
        try:
            outcome = run.record(prepared, result)
        except Exception as exc:  # noqa: BLE001 - recorded; the rest of the cohort goes on
            logger.warning(
                "Could not record %s/%s: %s", prepared.student, prepared.assignment, exc
            )
            outcome = SubmissionOutcome(
                prepared.assignment,
                prepared.student,
                "broken",
                prepared.problems
                + [
                    Problem("internal_error", "*", f"{type(exc).__name__}: {exc}"[:300])
                ],
            )
        notebooks += len(prepared.job.notebooks)
        outcomes.append(outcome)
        counts[outcome.status] += 1
        bar.set_postfix(counts, refresh=False)
        bar.update(1)

    with _executor(scheduler, workers) as pool:
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                item = next(queue, None)
                if item is None:
                    exhausted = True
                    break
                prepared = run.prepare(*item)
                if not prepared.job.notebooks:
                    finish(prepared, None)
                    continue
                pending[pool.submit(run_submission, prepared.job)] = prepared
            if not pending:
                continue
            done, _ = futures.wait(list(pending), return_when=futures.FIRST_COMPLETED)
            for future in done:
                prepared = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker, for example
                    result = SubmissionResult(
                        prepared.assignment,
                        prepared.student,
                        [],
                        0.0,
                        "",
                    )
                    prepared.problems.append(
                        Problem(
                            "internal_error", "*", f"{type(exc).__name__}: {exc}"[:300]
                        )
                    )
                    prepared.missing.extend(prepared.job.notebooks)
                finish(prepared, result)
    bar.close()
    return notebooks
