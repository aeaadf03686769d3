"""Updating a locale catalog from a new template without losing a translator's work.

Order of matching for each template entry: the same msgid (wherever it moved); the same msgid up to
changes a reader cannot see (whitespace, quote style, no-break spaces), carried over unfuzzied; the
closest old translation, marked fuzzy with the old msgid as `#|`. Old entries that match nothing become
obsolete `#~` entries, translation and comments included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from workflow.po.entries import Catalog, Entry

# msgmerge's own threshold for fuzzy matches is a similarity of 0.6.
FUZZY_CUTOFF = 60.0

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "‟": '"', "″": '"', "\u00a0": " ", "\u202f": " ", "\u2007": " ",
                         "\u2009": " ", "\u200a": " "})
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=4096)  # asked for every msgid once per target locale (an item's worth is enough)
def invisible_key(text: str) -> str:
    """The text with the differences a reader cannot see removed."""
    return _SPACE_RE.sub(" ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True, slots=True)
class MergeStats:
    """What happened to the translations of one catalog."""

    kept: int = 0          # same msgid, translation carried over as it was
    invisible: int = 0     # msgid changed invisibly, translation carried over unfuzzied
    fuzzy: int = 0         # closest old translation offered, marked fuzzy
    new: int = 0           # no old translation
    obsolete: int = 0      # old entries no longer in the source, kept as #~

    def describe(self) -> str:
        return (f"{self.kept} kept, {self.invisible} carried over, {self.fuzzy} fuzzy, "
                f"{self.new} new, {self.obsolete} obsolete")


def _carry(template: Entry, old: Entry, extracted: tuple[str, ...]) -> Entry:
    """The template entry (identity, references) with the translator's parts of `old`.

    Built whole rather than with `dataclasses.replace`, which costs twice as much: an update writes every
    entry of every locale's catalog, and a first extract gives most of them glossary notes."""
    fuzzy = old.fuzzy
    return Entry(
        msgid=template.msgid,
        msgstr=old.msgstr,
        msgctxt=template.msgctxt,
        msgid_plural=old.msgid_plural if old.msgid_plural is not None else template.msgid_plural,
        msgstr_plural=old.msgstr_plural,
        translator_comments=old.translator_comments,
        extracted_comments=extracted,
        references=template.references,
        flags=old.flags,
        previous_msgctxt=old.previous_msgctxt if fuzzy else None,
        previous_msgid=old.previous_msgid if fuzzy else None,
        previous_msgid_plural=old.previous_msgid_plural if fuzzy else None,
        line=template.line,
    )


def _obsolete(entry: Entry) -> Entry:
    return replace(entry, obsolete=True, references=(), extracted_comments=())


def merge_entries(template: tuple[Entry, ...], old: Catalog | None,
                  notes: dict[tuple[str | None, str], tuple[str, ...]] | None = None
                  ) -> tuple[tuple[Entry, ...], MergeStats]:
    """Entries for the updated catalog: template order, then obsolete entries (old ones first)."""
    notes = notes or {}
    old_entries = old.entries if old is not None else ()
    active = {e.key: e for e in old_entries if not e.obsolete}
    dead = {e.key: e for e in old_entries if e.obsolete}
    by_invisible: dict[tuple[str | None, str], Entry] = {}
    for entry in (*dead.values(), *active.values()):  # active wins over obsolete
        if entry.has_translation:
            by_invisible[(entry.msgctxt, invisible_key(entry.msgid))] = entry
    candidates = [e for e in old_entries if e.has_translation]
    candidate_ids = [e.msgid for e in candidates]
    used: set[tuple[str | None, str]] = set()
    template_keys = {e.key for e in template}
    counts = {"kept": 0, "invisible": 0, "fuzzy": 0, "new": 0}
    result: list[Entry] = []
    for entry in template:
        glossary = notes.get(entry.key)
        extracted = entry.extracted_comments + glossary if glossary else entry.extracted_comments
        exact = active.get(entry.key) or dead.get(entry.key)
        if exact is not None and (exact.has_translation or exact.translator_comments or not exact.obsolete):
            used.add(exact.key)
            result.append(_carry(entry, exact, extracted))
            counts["kept" if exact.has_translation else "new"] += 1
            continue
        twin = by_invisible.get((entry.msgctxt, invisible_key(entry.msgid))) if by_invisible else None
        if twin is not None and twin.key not in template_keys:
            used.add(twin.key)
            result.append(_carry(entry, twin, extracted))
            counts["invisible"] += 1
            continue
        match = _closest(entry.msgid, candidate_ids) if candidate_ids else None
        if match is not None:
            source = candidates[match[2]]
            fuzzy = _carry(entry, source, extracted).with_fuzzy(True)
            result.append(replace(fuzzy, previous_msgctxt=source.msgctxt, previous_msgid=source.msgid,
                                  previous_msgid_plural=source.msgid_plural))
            counts["fuzzy"] += 1
            continue
        # Entries are immutable: one with nothing to add is shared with the template; one with glossary notes is
        # the template's with them (carried from itself: no translator's parts to take).
        result.append(_carry(entry, entry, extracted) if glossary else entry)
        counts["new"] += 1
    obsolete = [e for e in old_entries if e.obsolete and e.key not in used and e.key not in template_keys]
    newly = [_obsolete(e) for e in old_entries
             if not e.obsolete and e.key not in template_keys and e.key not in used and e.has_translation]
    stats = MergeStats(kept=counts["kept"], invisible=counts["invisible"], fuzzy=counts["fuzzy"],
                       new=counts["new"], obsolete=len(newly))
    return tuple(result) + tuple(obsolete) + tuple(newly), stats


def _closest(msgid: str, candidate_ids: list[str]) -> tuple[str, float, int] | None:
    """The most similar old msgid at or above the cut-off: (msgid, score, index), or None."""
    # Imported on first use: a run that merges no changed catalog (a first extract) never needs it.
    from rapidfuzz import fuzz, process

    return process.extractOne(msgid, candidate_ids, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
