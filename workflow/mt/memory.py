"""Translation memory for drafts: exact and fuzzy matches of a unit's source, with its placeholders mapped.

A memory is a list of (source, translation, where from). Sources are compared with their placeholders set
aside (each becomes one private-use character), so `<a1>…</a1>` in one memory and `<g1>…</g1>` in another
match. A match is used only when its placeholders map onto the unit's: the same kinds in the same order
(paired, self-closing), renamed to the unit's.

Fuzzy matching is rapidfuzz's normalized Indel similarity (`fuzz.ratio`, what difflib's ratio computes, in
C++). Two texts of lengths a ≤ b are at most 2a / (a + b) alike, so only sources whose length is within that
window of the unit's are compared: the memory is kept sorted by length, and each lookup scans one slice.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass

from workflow.segment import placeholder_problem

_CODE = re.compile(r"<(/?)([a-z][a-z0-9]*?[0-9]+)(/?)>")
_MARK = "\ue000"


@dataclass(frozen=True, slots=True)
class Match:
    """A memory's translation for a unit: the translation with the unit's placeholders, the memory's source
    (with the unit's placeholders too), how alike the two sources are (1.0 for an exact match), and where
    the translation comes from."""

    msgstr: str
    source: str
    similarity: float
    where: str


def _shape(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text with each placeholder replaced by one mark, and its placeholders in order: (kind, name)."""
    codes = tuple(("close" if m.group(1) else "alone" if m.group(3) else "open", m.group(2))
                  for m in _CODE.finditer(text))
    return _CODE.sub(_MARK, text) if codes else text, codes


def _renamed(text: str, mapping: dict[str, str]) -> str:
    return _CODE.sub(lambda m: f"<{m.group(1)}{mapping.get(m.group(2), m.group(2))}{m.group(3)}>", text)


def _mapping(theirs: tuple[tuple[str, str], ...], ours: tuple[tuple[str, str], ...]) -> dict[str, str] | None:
    """Their placeholder names → ours, when both sources have the same kinds in the same order."""
    if len(theirs) != len(ours) or any(a[0] != b[0] for a, b in zip(theirs, ours)):
        return None
    mapping: dict[str, str] = {}
    for (_, their_name), (_, our_name) in zip(theirs, ours):
        if mapping.setdefault(their_name, our_name) != our_name:
            return None
    return mapping if len(set(mapping.values())) == len(mapping) else None


class TranslationMemory:
    """Exact and fuzzy lookups over (source, translation, where) triples; the first of equal sources wins."""

    def __init__(self, entries: Iterable[tuple[str, str, str]]) -> None:
        self._exact: dict[str, int] = {}
        self._entries: list[tuple[str, str, str, tuple[tuple[str, str], ...]]] = []
        for source, target, where in entries:
            shape, codes = _shape(source)
            if shape not in self._exact:
                self._exact[shape] = len(self._entries)
                self._entries.append((source, target, where, codes))
        # The shapes sorted by length, for the length window of a fuzzy lookup.
        order = sorted(self._exact.items(), key=lambda item: len(item[0]))
        self._shapes = [shape for shape, _ in order]
        self._ids = [index for _, index in order]
        self._lengths = [len(shape) for shape in self._shapes]

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[tuple[str, str, str]]:
        """(source, translation, where) of each distinct source."""
        return [(source, target, where) for source, target, where, _ in self._entries]

    def _use(self, index: int, msgid: str, codes: tuple[tuple[str, str], ...], similarity: float,
             locale: str | None, notes: tuple[str, ...]) -> Match | None:
        source, target, where, theirs = self._entries[index]
        mapping = _mapping(theirs, codes)
        if mapping is None:
            return None
        translation = _renamed(target, mapping)
        if placeholder_problem(msgid, translation, locale, notes) is not None:
            return None
        return Match(translation, _renamed(source, mapping), similarity, where)

    def exact(self, msgid: str, locale: str | None = None, notes: tuple[str, ...] = ()) -> Match | None:
        """The translation of a source equal to `msgid` (placeholder names aside), if its placeholders map."""
        shape, codes = _shape(msgid)
        index = self._exact.get(shape)
        return self._use(index, msgid, codes, 1.0, locale, notes) if index is not None else None

    def fuzzy(self, msgid: str, min_similarity: float, locale: str | None = None,
              notes: tuple[str, ...] = ()) -> Match | None:
        """The most alike source at least `min_similarity` alike (below 1.0), if its placeholders map."""
        from rapidfuzz import fuzz, process

        shape, codes = _shape(msgid)
        length = len(shape)
        if not length or not self._shapes:
            return None
        low = bisect.bisect_left(self._lengths, length * min_similarity / (2 - min_similarity))
        high = bisect.bisect_right(self._lengths, length * (2 - min_similarity) / min_similarity)
        candidates = self._shapes[low:high]
        cutoff = min_similarity * 100
        # The best few, so that one whose placeholders do not map leaves the next in line.
        for _, score, position in process.extract(shape, candidates, scorer=fuzz.ratio, score_cutoff=cutoff,
                                                  limit=3):
            if candidates[position] == shape:
                continue  # an exact match is not a fuzzy one (exact() said why it could not be used)
            found = self._use(self._ids[low + position], msgid, codes, score / 100, locale, notes)
            if found is not None:
                return found
        return None
