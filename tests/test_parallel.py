"""The process pool (the standard library's) that extract and build run items on: results in order, failures handed back, no worker
left behind."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from workflow.parallel import PARALLEL_THRESHOLD, map_items, map_settled

TASKS = list(range(200))


def square(number: int) -> int:
    return number * number


def fails_on_37(number: int) -> int:
    if number == 37:
        raise ValueError(f"task {number} is bad")
    return number


def slow_pid(number: int) -> int:
    time.sleep(0.005)  # long enough that every worker gets chunks before the first one runs out
    return os.getpid()


def dies_on_50(number: int) -> int:
    if number == 50:
        os._exit(3)  # a worker killed mid-way: no results, no exception
    return number


class Unpicklable(Exception):
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("not picklable")


def raises_unpicklable(number: int) -> int:
    if number == 5:
        raise Unpicklable("held a lock")
    return number


def children() -> set[int]:
    """This process's child processes, exited ones not yet waited for included (Linux's /proc)."""
    found: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children", encoding="ascii") as listing:
            found.update(int(pid) for pid in listing.read().split())
    return found


def test_results_come_back_in_task_order() -> None:
    assert map_items(square, TASKS, workers=2) == [n * n for n in TASKS]
    assert map_items(square, TASKS, workers=3) == [n * n for n in TASKS]


def test_the_work_is_shared_by_worker_processes() -> None:
    pids = map_items(slow_pid, list(range(100)), workers=2)
    assert os.getpid() not in pids
    assert len(set(pids)) == 2


def test_a_small_map_runs_in_this_process() -> None:
    assert set(map_items(slow_pid, list(range(PARALLEL_THRESHOLD - 1)), workers=2)) == {os.getpid()}


def test_failures_come_back_as_values_beside_the_other_results() -> None:
    settled = list(map_settled(fails_on_37, TASKS, workers=2))
    result, error = settled[37]
    assert result is None and isinstance(error, ValueError) and str(error) == "task 37 is bad"
    assert [r for r, e in settled if e is None] == [n for n in TASKS if n != 37]


def test_a_workers_exception_is_raised_with_its_type_and_message() -> None:
    with pytest.raises(ValueError, match="task 37 is bad"):
        map_items(fails_on_37, TASKS, workers=2)


def test_an_exception_that_cannot_travel_is_raised_as_its_text() -> None:
    with pytest.raises(RuntimeError, match="Unpicklable: held a lock"):
        map_items(raises_unpicklable, TASKS, workers=2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux")
def test_no_worker_process_is_left_behind() -> None:
    before = children()
    map_items(square, TASKS, workers=2)
    with pytest.raises(ValueError):
        map_items(fails_on_37, TASKS, workers=2)
    assert children() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux")
def test_a_worker_that_dies_stops_the_map_and_its_partner() -> None:
    before = children()
    with pytest.raises(ChildProcessError, match="ended without its results.*--jobs 1"):
        map_items(dies_on_50, TASKS, workers=2)
    assert children() == before


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux")
def test_an_interrupted_map_raises_the_interruption_and_stops_its_workers() -> None:
    before, files = children(), open_files()
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        # The timer interrupts this process only (forked workers do not inherit it) while it waits for the
        # workers' results, half a second into two seconds of work each.
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt):
            map_items(slow_pid, list(range(800)), workers=2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert children() == before
    assert open_files() == files
