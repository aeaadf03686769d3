"""The process pool (the standard library's) that extract and build run items on: results in order, failures handed back, no worker
left behind."""

from __future__ import annotations

import ctypes
import mmap
import os
import signal
import sys
import time
import weakref
from pathlib import Path

import pytest

from workflow.fsio import read_ahead
from workflow.parallel import PARALLEL_THRESHOLD, iterate_items, map_items, map_settled

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
        try:
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as listing:
                found.update(int(pid) for pid in listing.read().split())
        except FileNotFoundError:
            continue  # a thread that ended since the listing (the pool's own, just finished)
    return found


def test_results_come_back_in_task_order() -> None:
    assert map_items(square, TASKS, workers=2) == [n * n for n in TASKS]
    assert map_items(square, TASKS, workers=3) == [n * n for n in TASKS]


def test_the_work_is_shared_by_worker_processes() -> None:
    pids = map_items(slow_pid, list(range(100)), workers=2)
    assert os.getpid() not in pids
    assert len(set(pids)) == 2


class Result:
    """A result that can be watched (a weak reference tells whether anything still holds it)."""

    def __init__(self, number: int) -> None:
        self.number = number


def result_of(number: int) -> Result:
    return Result(number)


def test_results_are_let_go_once_handed_over() -> None:
    count = 2000
    watched: list[weakref.ref[Result]] = []
    for result in iterate_items(result_of, list(range(count)), workers=2):
        watched.append(weakref.ref(result))
        if len(watched) == count:  # the last one: the first half were handed over long ago
            assert [ref() for ref in watched[: count // 2] if ref() is not None] == []
    assert len(watched) == count


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


# ------------------------------------------------------------------------------------------------ read-ahead

class Asked:
    """The tasks whose files a map asked to read ahead, in the order it asked (the paths are named after
    them; none exists, which read_ahead ignores)."""

    def __init__(self) -> None:
        self.tasks: list[int] = []

    def __call__(self, task: int) -> list[str]:
        self.tasks.append(task)
        return [f"/nonexistent/{task}.po"]


def test_a_serial_map_reads_each_tasks_files_ahead_of_it_and_not_all_at_once() -> None:
    asked = Asked()
    seen: list[tuple[int, list[int]]] = []

    def run(task: int) -> int:
        seen.append((task, list(asked.tasks)))
        return task

    assert list(map_settled(run, list(range(100)), workers=1, reads=asked)) == [(n, None) for n in range(100)]
    assert asked.tasks == list(range(100))  # each task once, in order
    for task, before in seen[:-1]:
        assert task in before and task + 1 in before  # its own files and the next task's already asked for
    assert len(seen[0][1]) < 100  # not everything at the start


def test_a_parallel_map_reads_ahead_of_the_results_it_hands_over() -> None:
    asked = Asked()
    count = 2000
    asked_when_handed: list[int] = []
    for index, (result, error) in enumerate(map_settled(square, list(range(count)), workers=2, reads=asked)):
        assert error is None and result == index * index
        asked_when_handed.append(len(asked.tasks))
    assert asked.tasks == list(range(count))  # each task once, in order
    # When a result is handed over, later tasks' files are asked for already (the workers are further on)...
    assert all(asked >= min(index + 2, count) for index, asked in enumerate(asked_when_handed))
    assert asked_when_handed[0] < count  # ...but not the whole map's at the start


def test_reading_ahead_ignores_missing_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "present.po").write_bytes(b"msgid \"\"\n")
    read_ahead([str(tmp_path / "missing.po"), str(tmp_path), str(tmp_path / "present.po"), "/nonexistent/x"])


def resident_pages(path: Path) -> int:
    """How many of the file's pages are in memory: mincore(2) on a mapping of it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
    size = path.stat().st_size
    vector = (ctypes.c_ubyte * -(-size // mmap.PAGESIZE))()
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        assert address not in (None, ctypes.c_void_p(-1).value), os.strerror(ctypes.get_errno())
        try:
            assert libc.mincore(address, size, vector) == 0, os.strerror(ctypes.get_errno())
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)
    return sum(byte & 1 for byte in vector)


def evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # only pages already on disk can be dropped
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no read-ahead advice on this system")
def test_reading_ahead_brings_a_file_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "catalog.po"
    path.write_bytes(os.urandom(256 * 1024))
    evict(path)
    if resident_pages(path):
        pytest.skip("this file system keeps files in memory (tmpfs): nothing to read ahead")
    read_ahead([str(path)])
    # The reading goes on after the call returns (a read of the file would wait for it; this does not). The
    # system may leave a page or two out, or drop one again under memory pressure: most must come in.
    pages = 256 * 1024 // mmap.PAGESIZE
    for _ in range(200):
        if resident_pages(path) >= pages * 3 // 4:
            break
        time.sleep(0.01)
    assert resident_pages(path) >= pages * 3 // 4
