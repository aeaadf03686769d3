"""The records of a gettext catalog: entries (identity, translation, comments) and the catalog around them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Entry:
    """One message: identity (msgctxt, msgid), translation, and the comments around it."""

    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr_plural: tuple[str, ...] = ()
    translator_comments: tuple[str, ...] = ()
    extracted_comments: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    previous_msgctxt: str | None = None
    previous_msgid: str | None = None
    previous_msgid_plural: str | None = None
    obsolete: bool = False
    line: int = field(default=0, compare=False)  # where it was read; not part of its content

    @property
    def key(self) -> tuple[str | None, str]:
        """Gettext identity of the entry."""
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        """True when the entry has a complete, non-fuzzy translation."""
        return not self.fuzzy and self.has_translation

    @property
    def has_translation(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural)
        return bool(self.msgstr)

    def with_fuzzy(self, fuzzy: bool) -> Entry:
        """The same entry with the fuzzy flag set or cleared (fuzzy always comes first, as gettext writes it)."""
        others = tuple(f for f in self.flags if f != "fuzzy")
        return replace(self, flags=(("fuzzy",) + others) if fuzzy else others)


@dataclass(frozen=True, slots=True)
class Catalog:
    """A PO or POT file: leading comments, header fields and entries in file order."""

    header_comments: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()
    header_flags: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    has_header: bool = True

    def header_value(self, name: str) -> str | None:
        for key, value in self.header:
            if key.lower() == name.lower():
                return value
        return None

    def by_key(self) -> dict[tuple[str | None, str], Entry]:
        """Active entries indexed by identity (polib's find() is a linear scan; this is a dict)."""
        return {e.key: e for e in self.entries if not e.obsolete}


# The translator comment that marks an engine's draft: `# machine draft: <engine> <date>`. A comment, not a
# custom flag: gettext tools and Poedit drop flags they do not know.
MACHINE_DRAFT = "machine draft:"
# And of a draft taken from translation memory: `# translation memory: <where>` for an exact match,
# `# translation memory 87%: <where>` for a fuzzy one.
MEMORY_MATCH = "translation memory"


def is_machine_draft(entry: Entry) -> bool:
    """True for an entry an engine wrote (its translator comment says so)."""
    return any(c.startswith(MACHINE_DRAFT) for c in entry.translator_comments)
