"""Running one function over many independent items on every core.

The standard library's process pool, started by forking on Linux (workers begin with every module already
imported and loaded). It replaced a hand-made pool of forked workers, which measured no faster on this
project's benchmarks (see bench/README.md).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import TypeVar

from workflow.fsio import read_ahead

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many items a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24
# Chunks per worker: one hand-over per chunk, and small enough (about 1/32 of a worker's share) that the
# workers finish within a few items of each other instead of one waiting on a last big chunk.
CHUNKS_PER_WORKER = 32
# Tasks whose files are read ahead of the one running, in a run on one process.
SERIAL_READ_AHEAD = 8

# The files a task will read (see `read_ahead`).
Reads = Callable[[Task], Iterable[str]]


def map_items(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None) -> list[Result]:
    """`function` over `tasks` in order, on `workers` processes (default: one per core) when there are enough
    tasks, in this process otherwise. `function` must be a module-level function (or a partial of one); an
    exception stops the whole map (see `map_settled` for a map whose caller cleans up after failures)."""
    return list(iterate_items(function, tasks, workers))


def iterate_items(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None,
                  reads: Reads | None = None) -> Iterator[Result]:
    """`map_items`, its results handed over as they come (in order): a caller that merges each result and
    lets it go holds one at a time, not thousands. Closing the iterator early stops the workers.

    `reads` names the files each task will read: they are read ahead (`fsio.read_ahead`) a few tasks before
    the task runs, while this process waits for the workers' results, so that no worker waits for the disk.
    Not all of them at once: a large site's files read minutes before they are used could be paged out again
    before a worker comes to them."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        ahead = _ReadAhead(tasks, reads, SERIAL_READ_AHEAD)
        for index, task in enumerate(tasks):
            ahead.past(index)
            yield function(task)
        return
    # Imported here: the pool machinery takes ~20 ms to import, and small runs never need it.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    chunk = _chunk_size(len(tasks), workers)
    # Results come back a chunk at a time, in order, while each worker is busy with a chunk further on:
    # reading a chunk more than the workers hold keeps the files ahead of all of them.
    ahead = _ReadAhead(tasks, reads, (workers + 1) * chunk)
    ahead.past(0)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_leave_interruptions)
    try:
        # The chunks are submitted one by one, not with `pool.map`, which cancels what is left of them when it
        # is stopped early: the pool's own thread then fails on the cancelled ones (see `_stop`).
        # Each chunk's future is let go as soon as its results are handed over, so that this process holds
        # one chunk's results at a time, not all of them.
        chunks = deque(pool.submit(_chunk_results, function, tasks[start:start + chunk])
                       for start in range(0, len(tasks), chunk))
        done = 0
        while chunks:
            for result in chunks.popleft().result():
                done += 1
                ahead.past(done)
                yield result
    except BrokenProcessPool:
        _stop(pool)
        raise ChildProcessError("a worker process ended without its results; run again with --jobs 1 to see "
                                "the error in this process") from None
    except BaseException:  # a failure, an interruption, or the caller closing the iterator
        _stop(pool)
        raise
    pool.shutdown()


class _ReadAhead:
    """Reads the files of the tasks up to `window` tasks past the last one done (see `iterate_items`)."""

    def __init__(self, tasks: Sequence[Task], reads: Reads | None, window: int) -> None:
        self.tasks = tasks
        self.reads = reads
        self.window = window
        self.next = 0  # the first task whose files are not read ahead yet

    def past(self, done: int) -> None:
        """`done` tasks are done (or running, in this process): read ahead up to `window` tasks further."""
        if self.reads is None:
            return
        end = min(done + self.window, len(self.tasks))
        while self.next < end:
            read_ahead(self.reads(self.tasks[self.next]))
            self.next += 1


def _leave_interruptions() -> None:
    """A worker leaves Ctrl-C (which a terminal sends to every process of the command) to the main process,
    which stops every worker and cleans up after them: a worker interrupted itself would print a traceback of
    its own and end halfway through whatever it was writing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chunk_size(count: int, workers: int) -> int:
    return max(1, -(-count // (workers * CHUNKS_PER_WORKER)))


def _stop(pool: object) -> None:
    """Stop the workers at once: after a failure or an interruption, the rest of their chunks is not wanted.
    (Python before 3.14 has no public way to stop a pool's processes: its `_processes` are killed.)

    The chunks not yet done are not cancelled: the pool's own thread, finding its workers gone, fails every
    pending one and then waits for the processes; in Python 3.11 it stops with an error (printed, and the
    processes left unwaited for) when one of them was cancelled first."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=True)  # type: ignore[attr-defined]


def _travels(error: Exception) -> Exception:
    """The exception itself when it can be sent to the parent process, else its text as a RuntimeError."""
    try:
        pickle.dumps(error)
    except Exception:  # noqa: BLE001 - any failure to pickle means it cannot travel
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _portable(function: Callable[[Task], Result], task: Task) -> Result:
    try:
        return function(task)
    except Exception as error:
        portable = _travels(error)
        if portable is error:
            raise
        raise portable from None


def _chunk_results(function: Callable[[Task], Result], tasks: Sequence[Task]) -> list[Result]:
    return [_portable(function, task) for task in tasks]


def _settled(function: Callable[[Task], Result], task: Task) -> tuple[Result | None, Exception | None]:
    try:
        return function(task), None
    except Exception as error:  # noqa: BLE001 - handed to the caller, which raises it after cleaning up
        return None, _travels(error)


def map_settled(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None,
                reads: Reads | None = None) -> Iterator[tuple[Result | None, Exception | None]]:
    """Like `iterate_items`, but every task runs and each failure comes back as a value beside the results,
    so the caller can undo what the tasks that did succeed left behind (staged files) before raising it."""
    return iterate_items(partial(_settled, function), tasks, workers, reads)
