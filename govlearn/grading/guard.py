"""Runs inside each grading kernel at start-up: a file-access guard and preloads.

The kernel runs as the grader's own user, so it is not a security sandbox
(use a container kernel for that). What it does stop is the realistic case:
learner code that opens the gradebook, the course's source notebooks (where
hidden tests live) or other learners' submissions, or that writes anywhere but
its own temporary folder. A Python audit hook refuses such calls with a
``PermissionError``; once installed, it cannot be removed from Python code.

Settings come from the environment the grader gives the kernel:
``GOVLEARN_GRADING_WORKDIR`` (the only tree writes may go to) and
``GOVLEARN_GRADING_DENY`` (trees that may not be opened at all, ``os.pathsep``
separated). ``GOVLEARN_GRADING_PRELOAD`` lists modules to import in advance,
so each notebook does not pay for them while the grader waits.
"""

from __future__ import annotations

import importlib
import os
import sys

__all__ = ["BLOCKED_MARK", "install"]

#: Start of every refusal message; the grader looks for it in outputs.
BLOCKED_MARK = "GovLearn grading blocked"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_DEVICES = ("/dev/null", "/dev/tty", "/dev/shm", "/dev/urandom", "/dev/random")


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def install() -> None:
    """Install the audit hook and import the preloaded modules."""
    work = os.environ.get("GOVLEARN_GRADING_WORKDIR", "")
    if work:
        allowed = (os.path.realpath(work),)
        denied = tuple(
            os.path.realpath(p)
            for p in os.environ.get("GOVLEARN_GRADING_DENY", "").split(os.pathsep)
            if p
        )
        realpath = os.path.realpath
        fspath = os.fspath

        def refuse(action: str, path: str) -> None:
            raise PermissionError(
                f"{BLOCKED_MARK}: {action} {path!r} is not allowed while grading. "
                "Your code may only use files in its own folder."
            )

        def hook(event: str, args: tuple[object, ...]) -> None:
            if event == "open":
                target, mode, flags = args
                if isinstance(target, int) or target is None:
                    return
                path = realpath(fspath(target))  # type: ignore[call-overload]
                if isinstance(path, bytes):
                    path = path.decode(errors="replace")
                writing = (
                    isinstance(mode, str) and any(c in mode for c in "wax+")
                ) or (isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
                if _inside(path, denied):
                    refuse("opening", path)
                if (
                    writing
                    and not _inside(path, allowed)
                    and not path.startswith(_DEVICES)
                ):
                    refuse("writing", path)
            elif event in (
                "os.remove",
                "os.rename",
                "os.mkdir",
                "os.rmdir",
                "shutil.rmtree",
                "os.truncate",
                "os.chmod",
            ):
                target = args[0]
                if isinstance(target, int):
                    return
                path = realpath(fspath(target))  # type: ignore[call-overload]
                if isinstance(path, bytes):
                    path = path.decode(errors="replace")
                if not _inside(path, allowed):
                    refuse("changing", path)

        sys.addaudithook(hook)
    for name in os.environ.get("GOVLEARN_GRADING_PRELOAD", "").split(","):
        if name:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a failed preload is the notebook's business
                pass
