"""Running one function over many independent items on every core."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many items a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24


def map_items(function: Callable[[Task], Result], tasks: Sequence[Task], workers: int | None = None) -> list[Result]:
    """`function` over `tasks` in order, on `workers` processes (default: one per core) when there are enough
    tasks, in this process otherwise. `function` must be a module-level function, and a failure it wants the
    caller to clean up after must come back as a value: an exception stops the whole map."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(tasks) < PARALLEL_THRESHOLD:
        return [function(task) for task in tasks]
    # Imported here: multiprocessing takes a noticeable part of start-up, and small runs never need it.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        # Chunks of several items: one round trip per chunk, and still enough chunks to balance the cores.
        return list(pool.map(function, tasks, chunksize=max(1, len(tasks) // (workers * 8))))
