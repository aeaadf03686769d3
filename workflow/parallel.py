"""Running one function over many independent items on every core."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many items a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24


def map_items(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None) -> list[Result]:
    """`function` over `tasks` in order, on `workers` processes (default: one per core) when there are enough
    tasks, in this process otherwise. `function` must be a module-level function; an exception stops the
    whole map (see `map_settled` for a map whose caller cleans up after failures)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        return [function(task) for task in tasks]
    # Imported here: multiprocessing takes a noticeable part of start-up, and small runs never need it.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        # Chunks of several items: one round trip per chunk, and small enough (about 1/32 of a core's share)
        # that the cores finish within a few items of each other instead of one waiting on a last big chunk.
        return list(pool.map(function, tasks, chunksize=max(1, len(tasks) // (workers * 32))))


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
