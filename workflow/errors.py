"""Errors that name the file, the place and the fix."""

from __future__ import annotations

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
