"""The build's incremental state (`output/.build-state`): what the last build made from which inputs.

The state is a cache read and written on every build, so it is stored with marshal: several times faster
than JSON for its plain dicts, lists and strings, and unlike pickle it cannot make loading run code. A state
that does not load (another Python, a damaged file) only means a full rebuild.

Each item's part (its decisions and pages in every locale, and its files' digests) is kept as one marshal
blob, decoded only while the build looks at that item: a site has a decision per item and locale, and as
Python objects they took some 2 KiB a page in the main process, as blobs a few hundred bytes. The file holds
a header and then each item's name and blob in turn, written as they come rather than as one string.
"""

from __future__ import annotations

import io
import marshal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workflow import __version__
from workflow.digests import digest, file_digest, tool_digest
from workflow.settings import Settings

STATE_FILE = ".build-state"
# Bumped when the state's layout changes, so an older state is ignored rather than misread.
STATE_FORMAT = 9


def read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


# What a page was made from, as the state keeps it: its decision's key (the digests of its source and
# catalogs; settings, layout and tool version are checked for the whole state) and its PageContext's
# fingerprint (what it shows of other pages' decisions).
PageFingerprint = tuple[str, str]

# A decision in the state file: (key, published, reason, share, drafts, title, fallbacks, date, links, files),
# the fields in Decision's order after the key. A tuple, not an object: marshal keeps the types, so nothing is
# converted back.
SavedDecision = tuple

# A file's status and digest: (mtime_ns, size, digest).
FileStatus = tuple[int, int, str]


class ItemRecord:
    """One item's part of the state, decoded: its decisions and pages by locale, and its files' digests (its
    source and catalogs, by path)."""

    __slots__ = ("decisions", "pages", "files")

    def __init__(self, decisions: dict[str, SavedDecision] | None = None,
                 pages: dict[str, PageFingerprint] | None = None,
                 files: dict[str, FileStatus] | None = None) -> None:
        self.decisions = decisions if decisions is not None else {}
        self.pages = pages if pages is not None else {}
        self.files = files if files is not None else {}

    @classmethod
    def decode(cls, blob: bytes | None, files_only: bool = False) -> ItemRecord:
        if not blob:
            return cls()
        decisions, pages, files = marshal.loads(blob)
        return cls(files=files) if files_only else cls(decisions, pages, files)

    def encode(self) -> bytes:
        return marshal.dumps((self.decisions, self.pages, self.files))


@dataclass
class BuildState:
    """What the last build produced, so a rebuild can skip what did not change."""

    items: dict[str, bytes] = field(default_factory=dict)  # item → its ItemRecord, encoded
    pages: dict[str, str] = field(default_factory=dict)  # the indexes', sitemap's and copied files' digests
    files: dict[str, FileStatus] = field(default_factory=dict)  # other files read: site catalogs, referenced files
    common: str = ""  # digest of what every page depends on: tool version, settings, layout
    answers: dict[str, str] = field(default_factory=dict)  # CLDR's answers the pages used (see locale_data.recall)
    listed: str = ""  # what the indexes and sitemap were last made for: the items and the publishing locales
    damaged: str = ""  # why a state file that was there could not be read (the build then does everything)
    # True when the items' decisions and pages do not hold (made from other common inputs, or a forced build):
    # only their files' digests are used.
    files_only: bool = False

    @classmethod
    def load(cls, path: Path, common: str | None = None) -> BuildState:
        """The saved state; its decisions, pages and CLDR answers only when they were made from the same
        `common` inputs (which include Babel's version)."""
        try:
            header, items = _read(path.read_bytes())
        except FileNotFoundError:
            return cls(common=common or "")
        except (OSError, ValueError, EOFError, TypeError, KeyError) as exc:
            return cls(common=common or "", damaged=f"{path.name} is unreadable ({type(exc).__name__})")
        if header is None:
            return cls(common=common or "", damaged=f"{path.name} is not a build state")
        if header.get("version") != __version__ or header.get("format") != STATE_FORMAT:
            return cls(common=common or "")  # made by another version: rebuilt, as expected
        if common is not None and header.get("common") != common:
            return cls(items, files=header.get("files", {}), common=common, files_only=True)
        return cls(items, header.get("pages", {}), header.get("files", {}), header.get("common", ""),
                   header.get("answers", {}), header.get("listed", ""))

    @property
    def built(self) -> bool:
        """True when the state holds decisions that may still hold (a last build with the same inputs)."""
        return bool(self.items) and not self.files_only

    def record(self, item: str) -> ItemRecord:
        """The item's part of the state (empty for an item not built before), decoded for the caller to change."""
        return ItemRecord.decode(self.items.get(item), self.files_only)

    def put(self, item: str, record: ItemRecord) -> None:
        self.items[item] = record.encode()

    def records(self, items: list[str]) -> Iterator[tuple[str, ItemRecord]]:
        """Each item's record, decoded one at a time."""
        for item in items:
            yield item, self.record(item)

    def digest_of(self, path: Path | str, read: dict[str, bytes] | None = None) -> str:
        """A file's digest, read again only when its size or modification time changed; what is read is
        left in `read` (by name) when given, for a caller that parses the file next."""
        return file_digest(self.files, str(path), read)

    def dump(self) -> Iterator[bytes]:
        """The state file's bytes, in pieces: the header, then each item's name and record."""
        yield marshal.dumps({"version": __version__, "format": STATE_FORMAT, "common": self.common,
                             "pages": self.pages, "files": self.files, "answers": self.answers,
                             "listed": self.listed, "items": len(self.items)})
        pieces: list[bytes] = []
        for item, blob in self.items.items():
            pieces.append(marshal.dumps((item, blob)))
            if len(pieces) == 256:  # written some 1.5 MB at a time: few writes, and little held at once
                yield b"".join(pieces)
                pieces = []
        yield b"".join(pieces)


def _read(data: bytes) -> tuple[dict | None, dict[str, bytes]]:
    """The header and the items' records of a state file (header None when it is not a state)."""
    stream = io.BytesIO(data)
    header = marshal.load(stream)
    if not isinstance(header, dict) or not isinstance(header.get("items"), int):
        return None, {}
    items = {}
    for _ in range(header["items"]):
        item, blob = marshal.load(stream)
        items[item] = blob
    if stream.read(1):
        raise ValueError("data after the last item")
    return header, items


def load_state(settings: Settings, layout_bytes: bytes, force: bool, with_state: bool = True) -> BuildState:
    """The state a build starts from: the saved one when it was made with the same tool, settings and layout
    (only its files' digests when forced), or an empty one."""
    common = digest(tool_digest(), settings.settings_bytes, layout_bytes)
    state = BuildState.load(settings.root / "output" / STATE_FILE, common) if with_state else BuildState(common=common)
    if force:
        state.files_only, state.pages = True, {}
    return state
