"""The extract's incremental state (`.workflow/extract-state`): which template and catalogs the last extract left,
made from which source, so that an extract does only the work of what changed.

An item is extracted again when its source's bytes changed, when its template or any chosen locale's catalog
is not as the last extract left it (a translator saved it, it was deleted, a locale was added), or when the
tool, the settings or the layout changed (they are in the state's `common` digest). Otherwise its files are
left alone and its report line comes from the state, so an extract with nothing changed costs the stats of
the files. The result is the same as `--force`'s: an item extracted again is merged exactly as a forced run
merges it, and a translator's edit is never overwritten, only merged.

Like the build's state it is stored with marshal and is only a cache: a state that does not load, or one
left behind by an extract that was killed before saving it, only means more work (a catalog that changed
since is seen by its status). It is written after the files are in place.
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass, field
from pathlib import Path

from workflow import __version__
from workflow.digests import file_digest
from workflow.fsio import write_atomic

STATE_FILE = Path(".workflow") / "extract-state"  # beside the project lock, relative to the content root
STATE_FORMAT = 2

# What the state keeps of a file the extract left: (mtime_ns, size, digest of the source it was made from,
# its merge counts: kept, invisible, fuzzy, new, obsolete; empty for a template).
FileMark = tuple[int, int, str, tuple[int, ...]]


@dataclass
class ItemRecord:
    """One catalog's item as the last extract left it: what its report said, and each file it wrote."""

    units: int
    entries: int
    warnings: tuple[tuple[str, int | None, str], ...]
    files: dict[str, FileMark]  # "" for the template, else the locale

    def encode(self) -> bytes:
        return marshal.dumps((self.units, self.entries, self.warnings, self.files))


@dataclass
class ExtractState:
    """What the last extract made, and the digests of the sources it read.

    Each item's record is kept encoded (marshal) and decoded only while the extract looks at that item: a site
    has a record per item with a mark per locale, and as Python objects they were most of an extract's memory.
    """

    common: str
    items: dict[str, bytes] = field(default_factory=dict)  # catalog → its ItemRecord, encoded
    sources: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path → (mtime_ns, size, digest)

    @classmethod
    def load(cls, path: Path, common: str) -> ExtractState:
        """The saved state when it was made with the same `common` inputs; else an empty one."""
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return cls(common)
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or data.get("version") != __version__ \
                or data.get("common") != common:
            return cls(common, sources=data.get("sources", {}) if isinstance(data, dict) else {})
        return cls(common, data.get("items", {}), data.get("sources", {}))

    def get(self, catalog: str) -> ItemRecord | None:
        blob = self.items.get(catalog)
        return ItemRecord(*marshal.loads(blob)) if blob is not None else None

    def source_digest(self, path: Path) -> str:
        """The digest of a source's bytes, read again only when its size or modification time changed; ""
        for a source that cannot be read here (its item is then extracted, and the error is its own line)."""
        try:
            return file_digest(self.sources, str(path))
        except OSError:
            return ""

    def up_to_date(self, catalog: str, source: str, files: dict[str, str]) -> bool:
        """True when the item's files (by locale, "" for the template) are all as the last extract left them
        from this `source` digest; False when any is not, or the item was never extracted."""
        record = self.get(catalog)
        if record is None:
            return False
        for key, path in files.items():
            mark = record.files.get(key)
            if mark is None or mark[2] != source:
                return False
            try:
                status = os.stat(path)
            except FileNotFoundError:
                return False
            if status.st_mtime_ns != mark[0] or status.st_size != mark[1]:
                return False
        return True

    def record(self, catalog: str, source: str, units: int, entries: int,
               warnings: tuple[tuple[str, int | None, str], ...],
               files: dict[str, tuple[int, int, tuple[int, ...]]]) -> None:
        """Remember an item just extracted: each of its files (by locale, "" for the template) as it will be
        on disk once the extract's files are in place: (mtime_ns, size, merge counts)."""
        previous = self.get(catalog)
        marks = dict(previous.files) if previous is not None else {}
        marks.update({key: (mtime, size, source, counts) for key, (mtime, size, counts) in files.items()})
        self.items[catalog] = ItemRecord(units, entries, warnings, marks).encode()

    def keep_only(self, catalogs: set[str], sources: set[str]) -> None:
        """Forget items and source files that are no longer there (an item's files stay where they are, as
        extract leaves them)."""
        for name in set(self.items) - catalogs:
            del self.items[name]
        for name in set(self.sources) - sources:
            del self.sources[name]

    def save(self, path: Path) -> None:
        """Write the state; a state that cannot be written only means more work next time, so a full disk or
        a read-only folder here does not fail an extract whose files are already in place."""
        data = marshal.dumps({"format": STATE_FORMAT, "version": __version__, "common": self.common,
                              "items": self.items, "sources": self.sources})
        try:
            write_atomic(path, data)
        except OSError:
            pass  # an older state left in place is safe: the files written since no longer match it
