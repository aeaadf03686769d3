"""Break opportunities as gettext 0.23 finds them: Unicode 16's line breaking rules, through ICU.

gettext 0.23 (Debian 13's 0.23.1, with libunistring 1.3) breaks lines by Unicode 16's UAX #14, whose rules
differ from the pair table gettext 0.21 and 0.22 used (see `linebreak`): "wiki." no longer ends a line
before "python.org", quotation marks and numbers follow new context rules. ICU's line break iterator
implements the same version of the same annex, so its opportunities are gettext 0.23's, with one exception
handled here: ICU breaks Thai, Lao, Khmer and Myanmar words with dictionaries, while libunistring treats those
letters as ordinary letters (no break inside a run of them). Checked against a real msgcat 0.23.1 on every
PO file of the shared corpus, the sample's catalogs and multilingual stress catalogs (tests/po).

The wrapping itself (which opportunity ends a line) is the same in both versions: `linebreak.wrap_portion`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import icu

# ICU 76 is the first release with Unicode 16's line breaking; an older one would wrap as another gettext.
if int(icu.ICU_VERSION.split(".")[0]) < 76:  # pragma: no cover - depends on the installed PyICU
    raise ImportError(f"[po] wrap = \"0.23\" needs ICU 76 or newer (Unicode 16); this PyICU has ICU {icu.ICU_VERSION}")

_ITERATOR = icu.BreakIterator.createLineInstance(icu.Locale.getRoot())


def _char_class(pattern: str) -> str:
    """A regular expression character class of the characters in an ICU set pattern."""
    found = icu.UnicodeSet(pattern)
    return "[" + "".join(f"\\U{ord(found.getRangeStart(i)):08x}-\\U{ord(found.getRangeEnd(i)):08x}"
                         for i in range(found.getRangeCount())) + "]"


# Complex-context letters (Line_Break=SA: Thai, Lao, Khmer, Myanmar, Tai scripts): ICU would look their words
# up in a dictionary. As libunistring does, spacing ones count as letters and marks as combining marks; the
# stand-ins keep every UTF-16 offset.
_SA_LETTERS = re.compile(_char_class("[[:Line_Break=Complex_Context:]-[[:Mn:][:Mc:]]]"))
_SA_MARKS = re.compile(_char_class("[[:Line_Break=Complex_Context:]&[[:Mn:][:Mc:]]]"))


def _complex_free(chars: str) -> str:
    """`chars` with complex-context letters replaced by "a" and their marks by a combining grave accent."""
    if chars.isascii():
        return chars
    return _SA_MARKS.sub("\u0300", _SA_LETTERS.sub("a", chars))


@lru_cache(maxsize=4096)
def _opportunities(chars: str) -> tuple[int, ...]:
    """Indexes (in code points) a line may start at, the text's start and end left out."""
    _ITERATOR.setText(_complex_free(chars))
    offsets = [offset for offset in _ITERATOR][:-1]  # the first is 0, the last the text's end
    offsets = offsets[1:] if offsets and offsets[0] == 0 else offsets
    if all(ord(char) < 0x10000 for char in chars):
        return tuple(offsets)
    # ICU counts UTF-16 units: a character beyond the first plane takes two.
    to_index, units = {}, 0
    for index, char in enumerate(chars):
        to_index[units] = index
        units += 2 if ord(char) >= 0x10000 else 1
    return tuple(to_index[offset] for offset in offsets)


# libunistring's one tailoring of the annex: a break may come between numeric punctuation and "<", so that
# "<P>Some sentence.</P>" can break before the tag ("Office:<br1/>press@…" breaks before "<br1/>").
_INFIX = re.compile(_char_class("[:Line_Break=Infix_Numeric:]") + "(?=<)")


def possible_breaks(chars: str, prohibited: frozenset[int]) -> list[int]:
    """Break opportunities (indexes a line may start at), as gettext 0.23 finds them."""
    breaks = _opportunities(chars)
    if "<" in chars:
        breaks = tuple(sorted({*breaks, *(match.end() for match in _INFIX.finditer(chars))}))
    return [b for b in breaks if b not in prohibited] if prohibited else list(breaks)
