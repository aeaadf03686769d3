"""The build's incremental state (`output/.build-state`): what the last build made from which inputs.

The state is a cache read and written on every build, so it is stored with marshal: several times faster
than JSON for its plain dicts, lists and strings, and unlike pickle it cannot make loading run code. A state
that does not load (another Python, a damaged file) only means a full rebuild.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from pathlib import Path

from workflow import __version__
from workflow.digests import digest, file_digest, tool_digest
from workflow.settings import Settings

STATE_FILE = ".build-state"
# Bumped when the state's layout changes, so an older state is ignored rather than misread.
STATE_FORMAT = 8


def read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


# What a page was made from, as the state keeps it: its decision's key (the digests of its source and
# catalogs; settings, layout and tool version are checked for the whole state) and its PageContext's
# fingerprint (what it shows of other pages' decisions).
PageFingerprint = tuple[str, str]

# A decision in the state file: (key, published, reason, share, drafts, title, fallbacks, date, links), the
# fields in Decision's order after the key. A tuple, not an object: a site has a decision per item and locale,
# and the state is read and written on every build (marshal keeps the types, so nothing is converted back).
SavedDecision = tuple


@dataclass
class BuildState:
    """What the last build produced, so a rebuild can skip what did not change."""

    decisions: dict[str, SavedDecision] = field(default_factory=dict)  # "item|locale" → saved decision
    pages: dict[str, PageFingerprint | str] = field(default_factory=dict)  # pages; indexes and sitemap: digests
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path → (mtime_ns, size, digest)
    common: str = ""  # digest of what every page depends on: tool version, settings, layout
    answers: dict[str, str] = field(default_factory=dict)  # CLDR's answers the pages used (see locale_data.recall)
    listed: str = ""  # what the indexes and sitemap were last made for: the items and the publishing locales
    damaged: str = ""  # why a state file that was there could not be read (the build then does everything)

    @classmethod
    def load(cls, path: Path, common: str | None = None) -> BuildState:
        """The saved state; its decisions, pages and CLDR answers only when they were made from the same
        `common` inputs (which include Babel's version)."""
        try:
            data = marshal.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(common=common or "")
        except (OSError, ValueError, EOFError, TypeError) as exc:
            return cls(common=common or "", damaged=f"{path.name} is unreadable ({type(exc).__name__})")
        if not isinstance(data, dict):
            return cls(common=common or "", damaged=f"{path.name} is not a build state")
        if data.get("version") != __version__ or data.get("format") != STATE_FORMAT:
            return cls(common=common or "")  # made by another version: rebuilt, as expected
        if common is not None and data.get("common") != common:
            return cls(files=data.get("files", {}), common=common)
        return cls(data.get("decisions", {}), data.get("pages", {}), data.get("files", {}), data.get("common", ""),
                   data.get("answers", {}), data.get("listed", ""))

    def digest_of(self, path: Path | str, read: dict[str, bytes] | None = None) -> str:
        """A file's digest, read again only when its size or modification time changed; what is read is
        left in `read` (by name) when given, for a caller that parses the file next."""
        return file_digest(self.files, str(path), read)

    def dump(self) -> bytes:
        return marshal.dumps({"version": __version__, "format": STATE_FORMAT, "common": self.common,
                              "decisions": self.decisions, "pages": self.pages, "files": self.files,
                              "answers": self.answers, "listed": self.listed})


def load_state(settings: Settings, layout_bytes: bytes, force: bool, with_state: bool = True) -> BuildState:
    """The state a build starts from: the saved one when it was made with the same tool, settings and layout
    (without its decisions and pages when forced), or an empty one."""
    common = digest(tool_digest(), settings.settings_bytes, layout_bytes)
    state = BuildState.load(settings.root / "output" / STATE_FILE, common) if with_state else BuildState(common=common)
    if force:
        state.decisions, state.pages = {}, {}
    return state
