"""Errors that name the file, the place and the fix."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path


class WorkflowError(Exception):
    """A problem a person can fix: where it is, what is wrong, what to do."""

    def __init__(self, path: str | Path | None, line: int | None, problem: str, fix: str) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries when items are extracted in parallel.
        return (WorkflowError, (self.path, self.line, self.problem, self.fix))

    @property
    def message(self) -> str:
        where = self.path or "workflow"
        if self.path and self.line:
            where = f"{self.path}:{self.line}"
        return f"{where}: {self.problem}; {self.fix}"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A non-fatal finding that the report shows (lenient HTML parsing, skipped content)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: warning: {self.message}"


# errno → (problem, fix) for the failures a person can do something about; {path} is the file or folder.
_ACCESS = "give your user write access (chmod u+w or chown) or run as its owner"
_IN_THE_WAY = "move that {} out of the way and rerun"
_OS_PROBLEMS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", _ACCESS),
    errno.EPERM: ("operation not permitted", _ACCESS),
    errno.EROFS: ("the file system is read-only", "work on a copy on a writable disk, or remount it read-write"),
    errno.ENOSPC: ("no space left on the disk", "free some space (df -h shows where) and run the command again"),
    errno.EDQUOT: ("disk quota exceeded", "free some space within your quota and run the command again"),
    errno.EFBIG: ("file too large for this system's file-size limit", "raise the limit (ulimit -f) and rerun"),
    errno.ENOTDIR: ("a file stands where a folder should be", _IN_THE_WAY.format("file")),
    errno.EISDIR: ("a folder stands where a file should be", _IN_THE_WAY.format("folder")),
    errno.EEXIST: ("a file stands where a folder should be", _IN_THE_WAY.format("file")),
    errno.ENOENT: ("no such file or folder", "check the path, or run `workflow extract` first"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n) or run with fewer jobs (-j)"),
    errno.EIO: ("input/output error from the disk", "check the disk, then run the command again"),
}


def _file_in_the_way(path: str) -> str:
    """The file that stands where `path` needs a folder: `path` or the first of its parents that is not one."""
    current = Path(path)
    for candidate in (current, *current.parents):
        if candidate.exists() and not candidate.is_dir():
            return str(candidate)
    return path


def os_error(exc: OSError) -> WorkflowError:
    """An operating-system failure as one line: the path, what went wrong, and what to do about it."""
    problem, fix = _OS_PROBLEMS.get(exc.errno or 0, (exc.strerror or type(exc).__name__,
                                                    "fix the cause and run the command again"))
    # A rename names its target, the file the user knows of (not the temp file beside it).
    path = exc.filename2 if exc.filename2 is not None else exc.filename
    if path is not None and exc.errno in (errno.ENOTDIR, errno.EEXIST):
        path = _file_in_the_way(os.fspath(path))
    return WorkflowError(path, None, f"{problem} (nothing was half-written)", fix)
