"""Atomic file writes that never truncate what is already there.

Writing is two steps so that a batch can be all-or-nothing: `stage` puts the new bytes in a temp file
beside the target, `commit` flushes them to disk and renames staged files over their targets, `discard`
removes them. A reader, or a crash at any point, sees either the old file or the new one, never a mix.
One sync for the whole batch instead of an fsync per file: the guarantee is the same (data is on disk
before any rename), and on a journaling file system per-file fsyncs made a 1,000-item run 2x slower.

A file whose folder does not exist yet (a first build, a new locale) is staged under its own name in a
*fresh folder* beside it, `.<folder>.<run>.tmp`, and the commit renames that folder into place: one rename
for the whole folder instead of one per file, and readers see either no folder or all of it.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

Staged = tuple[str, str]  # (temp file, target); strings, which workers hand back by the thousand


def read_file(path: Path | str) -> tuple[bytes, os.stat_result]:
    """A file's bytes and its status (of the file read, not of a path looked up again).

    Four system calls where Python's buffered `open` makes seven or eight (it also asks whether the file is
    a terminal and where it stands): a build reads an item's source and catalogs, thousands of files.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        status = os.fstat(fd)
        data = os.read(fd, status.st_size + 1)
        if len(data) != status.st_size:  # a byte more was asked for: the file changed while being read, or a
            chunks = [data]              # short read; read on to the end, as Python's own reader does
            while chunks[-1]:
                chunks.append(os.read(fd, 1 << 16))
            data = b"".join(chunks)
        return data, status
    finally:
        os.close(fd)


_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None)  # not on every system (macOS, Windows)


def read_ahead(paths: Iterable[str]) -> None:
    """Ask the system to start reading files that are about to be read, without waiting for them.

    A site's sources and catalogs are rarely all in memory when a build or an extract starts (written or read
    minutes before, they have often been paged out since), and a worker that reads them one by one waits for
    the disk at every file: measured cold, a 1,000-item build took a quarter longer. Read ahead of the
    workers, the files are there when they come to them. Advice only: a missing file or a refusal is ignored.
    """
    if _WILLNEED is None:
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, _WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def stage(path: Path | str, data: bytes | Iterable[bytes]) -> Staged | None:
    """Write `data` to a temp file next to `path` (or in a fresh folder, see above); None when `path` already
    holds exactly these bytes. `data` may come in pieces (a large file, made as it is written: it is then
    written whatever the file holds).

    Few system calls: a build stages thousands of pages, and each saved call counts.
    """
    name = os.fspath(path)
    folder, base = os.path.split(name)
    if folder in _missing:  # its folder was missing a moment ago: so is the file, and no temp name is tried
        temp = os.path.join(fresh_folder(folder), base)
        return _write(_create_fresh(temp), temp, name, data, None)
    mode = None  # an existing file keeps the permissions a translator gave it
    try:
        fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        pass
    else:
        try:
            status = os.fstat(fd)
            if isinstance(data, bytes) and status.st_size == len(data) and os.read(fd, len(data) + 1) == data:
                return None  # (a byte more was asked for: a file that grew since the status is not equal)
            mode = status.st_mode & 0o777
        finally:
            os.close(fd)
    while True:
        # The batch's name lets a clean-up find the files of workers whose results never came back (see
        # `discard`); the process id keeps parallel workers apart and the counter keeps one process's files
        # apart; O_EXCL refuses a name a killed run left behind, and the next number is tried.
        temp = os.path.join(folder, f".{base}.{_RUN}-{os.getpid()}-{next(_numbers)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
            break
        except FileExistsError:
            continue
        except FileNotFoundError:  # no such folder yet: the file goes into the fresh folder that will be it
            temp = os.path.join(fresh_folder(folder), base)
            fd = _create_fresh(temp)
            _missing.add(folder)
            break
    return _write(fd, temp, name, data, mode)


def _write(fd: int, temp: str, name: str, data: bytes | Iterable[bytes], mode: int | None) -> Staged:
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # open's mode is reduced by the umask; the existing file's is kept exactly
        for piece in (data,) if isinstance(data, bytes) else data:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view):]
    except BaseException as exc:
        os.close(fd)
        os.unlink(temp)
        folder = os.path.dirname(temp)
        if is_fresh_folder_name(os.path.basename(folder)):
            _remove_if_empty(folder)  # a fresh folder made for this file alone goes with it
        if isinstance(exc, OSError) and exc.filename is None:  # os.write names no file: the message needs one
            raise OSError(exc.errno, exc.strerror, name) from None
        raise
    os.close(fd)
    return temp, name


# Names this batch's fresh folders: worker processes forked while it is staged share it with the process that
# commits, so their files for one new folder meet in one fresh folder. A new one after every commit or
# discard: a later batch never finds files that a worker killed halfway left in an earlier batch's folder.
_RUN = os.urandom(6).hex()
# Folders this process found missing since its last commit or discard: their files go straight to the fresh
# folder (a first build stages thousands of pages into a handful of new folders).
_missing: set[str] = set()


def _next_batch() -> None:
    global _RUN
    _RUN = os.urandom(6).hex()
    _missing.clear()


def fresh_folder(folder: str) -> str:
    """The fresh folder that stands in for `folder` (which does not exist yet) until the commit."""
    parent, name = os.path.split(folder.rstrip(os.sep) or ".")
    return os.path.join(parent, f".{name}.{_RUN}.tmp")


def _create_fresh(temp: str) -> int:
    # No O_EXCL: the fresh folder is this batch's alone, and a file staged twice keeps the later bytes, as two
    # renames over one target would.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    try:
        return os.open(temp, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(temp), exist_ok=True)  # workers may race to make it: both succeed
        return os.open(temp, flags, 0o644)


# Temp file numbers within one process.
_numbers = itertools.count()


# A batch of at least this many files is worth threads: a flush started in the background while the rest is
# staged, and renames done by two threads folder by folder (a rename holds its folder's lock, so two folders
# go at once: 6,000 pages in 6 folders took half the time). Smaller batches are done in this thread.
LARGE_BATCH = 64


def flush_in_background(staged: list[Staged]) -> Callable[[], None]:
    """Start flushing to disk what is staged so far, in the background, when that is much (the commit's own
    flush then has little left while the caller stages the rest); returns the function that waits for it."""
    if len(staged) < LARGE_BATCH:
        return lambda: None
    import threading

    thread = threading.Thread(target=os.sync, daemon=True)
    thread.start()
    return thread.join


class StagedFiles:
    """The files a batch staged, as a list of Staged would hold them, but grouped by (temp folder, target
    folder) with only their names: a first build of a large site stages a page per item and locale, and
    two full paths a page were a tenth of the main process's memory. Iterates as (temp file, target)."""

    def __init__(self, entries: Iterable[Staged] = ()) -> None:
        # (temp folder, target folder) → names: the name alone when temp and target share it (a fresh
        # folder's file), else (temp name, target name).
        self.groups: dict[tuple[str, str], list[str | tuple[str, str]]] = {}
        self.last: Staged | None = None
        self._count = 0
        self.extend(entries)

    def append(self, entry: Staged) -> None:
        temp_folder, temp_name = os.path.split(entry[0])
        folder, name = os.path.split(entry[1])
        self.groups.setdefault((temp_folder, folder), []).append(name if name == temp_name else (temp_name, name))
        self.last = entry
        self._count += 1

    def extend(self, entries: Iterable[Staged]) -> None:
        for entry in entries:
            self.append(entry)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Staged]:
        for folders, names in self.groups.items():
            yield from _entries(folders, names)


def _entries(folders: tuple[str, str], names: Iterable[str | tuple[str, str]]) -> Iterator[Staged]:
    temp_folder, folder = folders
    for name in names:
        temp, target = (name, name) if isinstance(name, str) else name
        yield os.path.join(temp_folder, temp), os.path.join(folder, target)


def commit(staged: Iterable[Staged]) -> None:
    """Flush the staged files to disk, then put each in place, the last one after all the others (a build
    stages its state last: it must never describe pages that are not in place). A fresh folder is renamed
    into place whole; should its folder have appeared meanwhile (another run made it), file by file."""
    batch = staged if isinstance(staged, StagedFiles) else StagedFiles(staged)
    _next_batch()  # the fresh folders staged so far are about to become their folders
    last = batch.last
    if last is None:
        return
    os.sync()
    last_folders = (os.path.dirname(last[0]), os.path.dirname(last[1]))
    in_fresh = last_folders[0] != last_folders[1]
    # Files staged beside their targets, by folder (the last file apart, when it is one of them).
    single = {folders: [entry for entry in _entries(folders, names) if in_fresh or entry != last]
              for folders, names in batch.groups.items() if folders[0] == folders[1]}
    if sum(len(entries) for entries in single.values()) < LARGE_BATCH:
        for entries in single.values():
            _rename(entries)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:
            for _ in pool.map(_rename, single.values()):
                pass  # a failed rename raises here
    # The last file's fresh folder, if it is in one, goes last.
    fresh = sorted((folders for folders in batch.groups if folders[0] != folders[1]),
                   key=lambda folders: folders == last_folders)
    for folders in fresh:
        _rename_fresh(*folders, _entries(folders, batch.groups[folders]))
    if not in_fresh:
        os.replace(*last)


def _rename_fresh(fresh: str, folder: str, entries: Iterable[Staged]) -> None:
    """Put a fresh folder in place as `folder`, or its files into `folder` when that exists by now."""
    try:
        os.rename(fresh, folder)  # refused when `folder` exists and is not empty (on Windows: exists at all)
        return
    except OSError:
        if not os.path.isdir(folder):
            raise
    _rename(entries)
    _remove_if_empty(fresh)


def _rename(staged: Iterable[Staged]) -> None:
    for tmp, path in staged:
        os.replace(tmp, path)


def _remove_if_empty(folder: str) -> None:
    try:
        os.rmdir(folder)
    except OSError:
        pass  # not empty: another worker's files are still there, and its own clean-up removes them


def gather_staged(outcomes: Iterable[tuple[tuple | None, Exception | None]], staged: list[Staged] | StagedFiles
                  ) -> Iterator[tuple]:
    """The results of tasks run with `parallel.map_settled` whose last element is the list of files each
    staged, as they come: those files join `staged`; after a failure the rest is only gathered (so that
    everything staged is known) and the first failure is raised, for the caller to discard everything staged
    (none of it committed) before passing it on."""
    failure: Exception | None = None
    for result, error in outcomes:
        if result is not None:
            staged.extend(result[-1])
            if failure is None:
                yield result
        elif failure is None:
            failure = error
    if failure is not None:
        raise failure


def discard(staged: Iterable[Staged], folders: Iterable[str | Path] = ()) -> None:
    """Remove staged temp files, and the fresh folders they leave empty; the targets stay as they were.

    `folders`: where this batch's workers staged files. A worker stopped by an interruption staged files
    whose names never reached `staged` (they come back with its results): this batch's temp files in those
    folders, and its fresh folders for them, are removed too."""
    leftovers = [*_batch_leftovers(folders)]
    _next_batch()
    fresh = set()
    for tmp, path in (*staged, *leftovers):
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if os.path.dirname(tmp) != os.path.dirname(path):
            fresh.add(os.path.dirname(tmp))
    for folder in fresh:
        _remove_if_empty(folder)


def _batch_leftovers(folders: Iterable[str | Path]) -> Iterator[Staged]:
    """This batch's temp files in `folders` and in their fresh folders, each with a path in the folder it
    lies in or stands for (what `discard` needs to tell a fresh folder's file from one beside its target)."""
    mark = f".{_RUN}-"
    for folder in map(os.fspath, folders):
        fresh = fresh_folder(folder)
        for place in (folder, fresh):
            try:
                with os.scandir(place) as entries:
                    names = [entry.name for entry in entries if entry.is_file(follow_symlinks=False)]
            except (FileNotFoundError, NotADirectoryError):
                continue
            yield from ((os.path.join(place, name), os.path.join(folder, name)) for name in names
                        if place == fresh or is_temp_name(name) and mark in name)


STALE_AFTER = 3600.0  # seconds; no run stages a file for longer


def is_temp_name(name: str) -> bool:
    """True for the names `stage` gives temp files and fresh folders: .<name>.<random>.tmp."""
    return name.startswith(".") and name.endswith(".tmp")


_FRESH_FOLDER_RE = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")


def is_fresh_folder_name(name: str) -> bool:
    """True for the names `fresh_folder` gives (.<folder>.<12 hex digits>.tmp): the only folders a clean-up
    removes, so that a folder of the user's own that happens to end in .tmp is never touched."""
    return _FRESH_FOLDER_RE.fullmatch(name) is not None


def remove_if_stale(path: Path) -> bool:
    """Delete a temp file or fresh folder a killed run left behind (older than STALE_AFTER); True when it is
    gone."""
    try:
        if time.time() - path.stat().st_mtime > STALE_AFTER:
            if not path.is_dir():
                path.unlink()
            elif is_fresh_folder_name(path.name):
                import shutil  # rarely needed: only after a killed run

                shutil.rmtree(path)
            else:
                return False
            return True
    except FileNotFoundError:
        return True
    return False


def remove_stale_temps(folder: Path) -> int:
    """Delete the temp files and fresh folders a killed run left behind under `folder` (ours only, older than
    STALE_AFTER)."""
    if not folder.is_dir():
        return 0
    # Listed first: removing a fresh folder while the listing walks the tree would pull it from under the walk.
    return sum(remove_if_stale(path) for path in list(folder.rglob(".*.tmp")) if is_temp_name(path.name))


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` atomically; return False when the bytes are already there."""
    staged = stage(path, data)
    if staged is None:
        return False
    try:
        commit([staged])
    except BaseException:
        discard([staged])
        raise
    return True
