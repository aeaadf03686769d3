"""Running one function over many independent items on every core."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many items a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24
# Chunks per worker: one hand-over per chunk, and small enough (about 1/32 of a worker's share) that the
# workers finish within a few items of each other instead of one waiting on a last big chunk.
CHUNKS_PER_WORKER = 32
# The chunk numbers, four bytes each, are written to a pipe before any worker reads it: they must fit in
# the pipe's buffer (at least one 4 KiB page on Linux) or the write would wait forever.
MAX_CHUNKS = 512


def map_items(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None) -> list[Result]:
    """`function` over `tasks` in order, on `workers` processes (default: one per core) when there are enough
    tasks, in this process otherwise. `function` must be a module-level function (or a partial of one); an
    exception stops the whole map (see `map_settled` for a map whose caller cleans up after failures)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        return [function(task) for task in tasks]
    if sys.platform.startswith("linux"):
        return _forked_map(function, tasks, workers)
    # Elsewhere a pool starts its processes the platform's safe way (spawn on macOS and Windows). Imported
    # here: multiprocessing and the pool machinery take ~20 ms to import, and small runs never need them.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, tasks, chunksize=_chunk_size(len(tasks), workers)))


def _chunk_size(count: int, workers: int) -> int:
    return max(1, -(-count // min(workers * CHUNKS_PER_WORKER, MAX_CHUNKS)))


def _forked_map(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int) -> list[Result]:
    """`map_items` on forked copies of this process: they start with everything already imported and loaded,
    and nothing but chunk numbers and results crosses between processes.

    The chunk numbers wait in a pipe, four bytes each, and each worker reads the next one when it is free (a
    pipe read of four bytes takes a whole number); each worker sends its results back, pickled, when no chunk
    is left. Compared with `concurrent.futures` this spares its import (~20 ms), a manager thread and a
    round trip per chunk: 50 ms of an 800 ms extract of 1,000 items on two cores.
    """
    size = _chunk_size(len(tasks), workers)
    starts = range(0, len(tasks), size)
    queue_read, queue_write = os.pipe()
    os.write(queue_write, b"".join(number.to_bytes(4, "little") for number in range(len(starts))))
    os.close(queue_write)
    pipes: dict[int, int] = {}  # worker's pid → the read end of its results pipe, until it is read
    running: set[int] = set()  # workers not waited for yet
    try:
        for _ in range(min(workers, len(starts))):
            results_read, results_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(results_read)
                _work(function, tasks, starts, size, queue_read, results_write)
            running.add(pid)
            os.close(results_write)
            pipes[pid] = results_read
        results: list[Result] = [None] * len(tasks)  # type: ignore[list-item]
        for pid in list(pipes):
            with open(pipes.pop(pid), "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            running.discard(pid)
            if not data or os.waitstatus_to_exitcode(status) != 0:
                raise ChildProcessError(f"a worker process ended without its results (exit status "
                                        f"{os.waitstatus_to_exitcode(status)}); run again with --jobs 1 to see "
                                        "the error in this process")
            outcome, value = pickle.loads(data)
            if outcome == "error":
                raise value
            for start, chunk_results in value:
                results[start: start + len(chunk_results)] = chunk_results
        return results
    finally:
        os.close(queue_read)
        # Workers and pipes are left only when something went wrong (a failed worker, an interruption):
        # the other workers are stopped and waited for.
        for results_read in pipes.values():
            os.close(results_read)
        if running:
            import signal  # only here: it takes ~0.7 ms to import, which every command would pay
        for pid in running:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def _work(function: Callable[[Task], Result], tasks: Sequence[Task], starts: range, size: int,
          queue_read: int, results_write: int) -> None:
    """A forked worker: run chunks until none is left, send the results (or the exception), and exit without
    running anything of the parent's (no exit handlers, no buffered output written twice)."""
    code = 1
    try:
        try:
            done = []
            while record := os.read(queue_read, 4):
                start = starts[int.from_bytes(record, "little")]
                done.append((start, [function(task) for task in tasks[start: start + size]]))
            data = pickle.dumps(("results", done), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # noqa: BLE001 - sent to the parent, which raises it
            try:
                data = pickle.dumps(("error", error), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled is sent as its text
                data = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        with open(results_write, "wb") as pipe:
            pipe.write(data)
        code = 0
    finally:
        os._exit(code)


def _settled(function: Callable[[Task], Result], task: Task) -> tuple[Result | None, Exception | None]:
    try:
        return function(task), None
    except Exception as error:  # noqa: BLE001 - handed to the caller, which raises it after cleaning up
        return None, error


def map_settled(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None
                ) -> list[tuple[Result | None, Exception | None]]:
    """Like `map_items`, but every task runs and each failure comes back as a value beside the results, so
    the caller can undo what the tasks that did succeed left behind (staged files) before raising it."""
    return map_items(partial(_settled, function), tasks, workers)
