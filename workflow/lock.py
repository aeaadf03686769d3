"""One writer at a time per project: extract, draft, build and bundle hold `.workflow/lock` while they run.

An advisory `flock` on the lock file: the kernel releases it when its holder dies, however it dies, so a
lock left by a killed process is simply taken over by the next run (the file's text, which names the holder,
is only a message). The lock is reentrant within a process: `workflow run` holds it across extract, build
and bundle, which each take it again. Readers (check, status) never take it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from workflow.errors import WorkflowError

if TYPE_CHECKING:
    from workflow.settings import Settings

LOCK_FILE = Path(".workflow") / "lock"


class ProjectBusy(WorkflowError):
    """Another process holds the project lock."""


_held: dict[str, int] = {}  # lock path → how many times this process holds it
_guard = threading.Lock()


def _holder_text(command: str) -> str:
    since = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"pid {os.getpid()}, {command}, since {since}"


@contextmanager
def project_lock(root: Path, command: str, wait: bool = False) -> Iterator[None]:
    """Hold the project's writer lock for the duration of the block; a second writer waits (`wait`) or stops
    with an error naming the holder (pid, command, since when)."""
    path = root / LOCK_FILE
    key = os.fspath(path)
    with _guard:
        if _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
            raise ProjectBusy(path, None, f"another command is writing to this project ({holder})",
                              "wait for it to finish, or rerun with --wait to queue behind it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_text(command).encode(), 0)
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[key]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock


def command_name() -> str:
    """The running command as a user would type it (`workflow draft --locale fr`), for the holder's text."""
    words, skip = ["workflow"], False
    for word in sys.argv[1:]:
        if skip or word == "--root":
            skip = not skip
            continue
        words.append(word)
    return " ".join(words)[:200]


Result = TypeVar("Result")


def writes_project(function: Callable[..., Result]) -> Callable[..., Result]:
    """Make `function(settings, …)` hold the project lock while it runs; it gains `wait_for_lock=False`."""

    @functools.wraps(function)
    def locked(settings: Settings, *args: object, wait_for_lock: bool = False, **kwargs: object) -> Result:
        with project_lock(settings.root, command_name(), wait_for_lock):
            return function(settings, *args, **kwargs)

    return locked
