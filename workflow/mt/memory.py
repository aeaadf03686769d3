"""Translation memory for drafts: exact and fuzzy matches of a unit's source, with its placeholders mapped.

A memory is a list of (source, translation, where from). Sources are compared with their placeholders set
aside (each becomes one private-use character), so `<a1>…</a1>` in one memory and `<g1>…</g1>` in another
match. A match is used only when its placeholders map onto the unit's: the same kinds in the same order
(paired, self-closing), renamed to the unit's.

Fuzzy matching is rapidfuzz's normalized Indel similarity (`fuzz.ratio`, what difflib's ratio computes, in
C++). Comparing a unit with every segment of a large memory would cost too much (100,000 segments: some 20 ms
a unit), so, as the Lucene-based search of CAT tools does, the candidates are the segments that share one of
the unit's few rarest words (an inverted index of words; words found in more than 2% of a large memory
are left out, but for a unit's rarest), within the length window a match can have (two
texts of lengths a ≤ b are at most 2a / (a + b) alike). A segment that shares none of those words with the
unit is not found; it would have had to differ in all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from workflow.segment import PLACEHOLDER_PARTS_RE, placeholder_problem

_MARK = "\ue000"
_WORD = re.compile(r"\w+")
RAREST_WORDS = 4  # a unit's rarest words whose segments are the candidates of a fuzzy lookup


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
                  for m in PLACEHOLDER_PARTS_RE.finditer(text))
    return PLACEHOLDER_PARTS_RE.sub(_MARK, text) if codes else text, codes


def _renamed(text: str, mapping: dict[str, str]) -> str:
    def rename(match: re.Match[str]) -> str:
        return f"<{match.group(1)}{mapping.get(match.group(2), match.group(2))}{match.group(3)}>"
    return PLACEHOLDER_PARTS_RE.sub(rename, text)


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
        self._shapes = list(self._exact)
        # The inverted index: a word (lower case) → the segments that have it.
        self._postings: dict[str, list[int]] = {}
        for index, shape in enumerate(self._shapes):
            for word in set(_WORD.findall(shape.lower())):
                self._postings.setdefault(word, []).append(index)

    def __len__(self) -> int:
        return len(self._entries)

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
        words = [word for word in set(_WORD.findall(shape.lower())) if word in self._postings]
        if not length or not words:
            return None
        words.sort(key=lambda word: len(self._postings[word]))
        # The rarest word always; the next few while they are not common (a word in 2% of a large memory
        # brings thousands of candidates and tells little).
        common = max(1000, len(self._shapes) // 50)
        chosen = words[:1] + [word for word in words[1:RAREST_WORDS] if len(self._postings[word]) <= common]
        low, high = length * min_similarity / (2 - min_similarity), length * (2 - min_similarity) / min_similarity
        candidates = {index: self._shapes[index] for word in chosen for index in self._postings[word]
                      if low <= len(self._shapes[index]) <= high and self._shapes[index] != shape}
        # The best few, so that one whose placeholders do not map leaves the next in line. (An exact match is
        # not a fuzzy one: exact() said why it could not be used.)
        for _, score, index in process.extract(shape, candidates, scorer=fuzz.ratio,
                                               score_cutoff=min_similarity * 100, limit=3):
            found = self._use(index, msgid, codes, score / 100, locale, notes)
            if found is not None:
                return found
        return None
