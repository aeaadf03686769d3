"""Line breaking of PO strings exactly as GNU gettext does it (UAX #14 pair table, libunistring tailoring).

gettext wraps msgid/msgstr with libunistring's `ulc_width_linebreaks`. Matching it character for character is
what keeps a save in Poedit or a pass through msgcat/msgmerge free of diff noise.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

# Line break classes used by the pair table, in table order.
_CLASSES = "WJ GL B2 BA BB HY CL CP EX IN NS OP QU IS NU PO PR SY AL H2 H3 ID JL JV JT HL RI".split()
_INDEX = {name: i for i, name in enumerate(_CLASSES)}
# Row = class before the opportunity, column = class after. D direct break, I break only after spaces,
# P prohibited. This is UAX #14's pair table (with LB24 as of Unicode 9: no break between letters and
# prefix/postfix symbols) and libunistring's tailoring: IS followed by AL is a direct break, so
# "<P>Some sentence.</P>" can break before the tag (gettext relies on this).
_TABLE_ROWS = """
WJ PIIIIIPPPIIIIPIIIPIIIIIIIII
GL PIIIIIPPPIIIIPIIIPIIIIIIIII
B2 PIPIDIPPPDIDIPDDDPDDDDDDDDD
BA PDDIDIPPPDIDIPDDDPDDDDDDDDD
BB PIIIIIPPPIIIIPIIIPIIIIIIIII
HY PDDIDIPPPDIDIPIDDPDDDDDDDDD
CL PIDIDIPPPDPDIPDIIPDDDDDDDDD
CP PIDIDIPPPDPDIPIIIPIDDDDDDID
EX PIDIDIPPPIIDIPDDDPDDDDDDDDD
IN PIDIDIPPPIIDIPDDDPDDDDDDDDD
NS PIDIDIPPPDIDIPDDDPDDDDDDDDD
OP PPPPPPPPPPPPPPPPPPPPPPPPPPP
QU PIIIIIPPPIIPIPIIIPIIIIIIIII
IS PIDIDIPPPDIDIPIDDPDDDDDDDDD
NU PIDIDIPPPIIIIPIIIPIDDDDDDID
PO PIDIDIPPPDIIIPIDDPIDDDDDDII
PR PIDIDIPPPDIIIPIDDPIIIIIIIII
SY PIDIDIPPPDIDIPIDDPDDDDDDDID
AL PIDIDIPPPIIIIPIIIPIDDDDDDID
H2 PIDIDIPPPIIDIPDIDPDDDDDIIDD
H3 PIDIDIPPPIIDIPDIDPDDDDDDIDD
ID PIDIDIPPPIIDIPDIDPDDDDDDDDD
JL PIDIDIPPPIIDIPDIDPDIIDIIDDD
JV PIDIDIPPPIIDIPDIDPDDDDDIIDD
JT PIDIDIPPPIIDIPDIDPDDDDDDIDD
HL PIDIDIPPPIIIIPIIIPIDDDDDDID
RI PIDIDIPPPDIDIPDDDPDDDDDDIDI
"""
_TABLE = {row.split()[0]: row.split()[1] for row in _TABLE_ROWS.strip().splitlines()}

# Classes of the characters news text and PO files use most, from the Unicode LineBreak property.
_ASCII = {
    " ": "SP", "!": "EX", '"': "QU", "#": "AL", "$": "PR", "%": "PO", "&": "AL", "'": "QU", "(": "OP",
    ")": "CP", "*": "AL", "+": "PR", ",": "IS", "-": "HY", ".": "IS", "/": "SY", ":": "IS", ";": "IS",
    "<": "AL", "=": "AL", ">": "AL", "?": "EX", "@": "AL", "[": "OP", "\\": "PR", "]": "CP", "^": "AL",
    "_": "AL", "`": "AL", "{": "OP", "|": "BA", "}": "CL", "~": "AL", "\t": "BA", "\n": "BK",
}
_SPECIAL = {
    0x00A0: "GL", 0x00AB: "QU", 0x00BB: "QU", 0x00AD: "BA", 0x00B0: "PO", 0x00B4: "BB", 0x00A2: "PO",
    0x00A3: "PR", 0x00A5: "PR", 0x00B1: "PR", 0x00A7: "AI", 0x00B6: "AI", 0x00B7: "AI", 0x00BF: "OP",
    0x00A1: "OP", 0x02C8: "BB", 0x02CC: "BB", 0x034F: "GL", 0x058A: "BA", 0x05BE: "BA", 0x060C: "IS",
    0x061B: "EX", 0x061F: "EX", 0x066A: "PO", 0x06D4: "EX", 0x0F0B: "BA",
    0x2000: "BA", 0x2001: "BA", 0x2002: "BA", 0x2003: "BA", 0x2004: "BA", 0x2005: "BA", 0x2006: "BA",
    0x2007: "GL", 0x2008: "BA", 0x2009: "BA", 0x200A: "BA", 0x200B: "ZW", 0x200C: "CM", 0x200D: "CM",
    0x2010: "BA", 0x2011: "GL", 0x2012: "BA", 0x2013: "BA", 0x2014: "B2", 0x2015: "AI", 0x2016: "AI",
    0x2018: "QU", 0x2019: "QU", 0x201A: "OP", 0x201B: "QU", 0x201C: "QU", 0x201D: "QU", 0x201E: "OP",
    0x201F: "QU", 0x2020: "AI", 0x2021: "AI", 0x2022: "AL", 0x2024: "IN", 0x2025: "IN", 0x2026: "IN",
    0x2027: "BA", 0x2030: "PO", 0x2031: "PO", 0x2032: "PO", 0x2033: "PO", 0x2034: "PO", 0x2035: "PO",
    0x2039: "QU", 0x203A: "QU", 0x203C: "NS", 0x2044: "IS", 0x205F: "BA", 0x2060: "WJ", 0xFEFF: "WJ",
    0x202F: "GL", 0x20AC: "PR", 0x20BD: "PR", 0x20B4: "PR", 0x2116: "PR", 0x2103: "PO", 0x2109: "PO",
    0x3000: "BA", 0x3001: "CL", 0x3002: "CL", 0xFF0C: "CL", 0xFF0E: "CL", 0x30FC: "NS",
}
# Small kana (Line_Break=CJ, from the Unicode LineBreak property): a line does not start with one, as with
# other non-starters (libunistring resolves CJ as NS).
_SPECIAL.update({code: "NS" for code in (
    0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096,
    0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6,
    *range(0x31F0, 0x3200), *range(0xFF67, 0xFF71),
    # and the other Japanese non-starters: middle dots, iteration marks, sound marks, full-width : and ;
    0x30FB, 0xFF65, 0x30FD, 0x30FE, 0x309B, 0x309C, 0x309D, 0x309E, 0x3005, 0x303B, 0xFF1A, 0xFF1B)})
_SPECIAL.update({0xFF01: "EX", 0xFF1F: "EX"})


@lru_cache(maxsize=4096)
def _char_class(char: str) -> str:
    """UAX #14 class, resolved the way libunistring resolves AI, SA and XX in a UTF-8 locale."""
    if char in _ASCII:
        return _ASCII[char]
    if char.isascii():
        if char.isdigit():
            return "NU"
        return "AL" if char.isalpha() else "CM"
    code = ord(char)
    special = _SPECIAL.get(code)
    if special is not None:
        return "AL" if special == "AI" else special
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Mc", "Cf"):
        return "CM"
    if category == "Nd":
        return "NU"
    if 0x1100 <= code <= 0x115F:
        return "JL"
    if 0x1160 <= code <= 0x11A7:
        return "JV"
    if 0x11A8 <= code <= 0x11FF:
        return "JT"
    if 0xAC00 <= code <= 0xD7A3:
        return "H2" if (code - 0xAC00) % 28 == 0 else "H3"
    if 0x05D0 <= code <= 0x05FF and category == "Lo":
        return "HL"
    if unicodedata.east_asian_width(char) in ("W", "F") and category.startswith(("L", "S", "N")):
        return "ID"
    if category == "Ps":
        return "OP"
    if category == "Pe":
        return "CL"
    if category in ("Pi", "Pf"):
        return "QU"
    if category == "Zs":
        return "BA"
    if category == "Sc":
        return "PR"
    if category in ("Zl", "Zp"):
        return "BK"
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "RI"
    return "AL"


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """Columns a character takes on a terminal, as libunistring's uc_width counts them."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or char == "\u200b":
        return 0
    if category == "Cc":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Display width of a string (ASCII fast path)."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def _possible_breaks_slow(chars: str, prohibited: frozenset[int]) -> list[int]:
    """Break opportunities (indexes a line may start at), character by character, combining marks included."""
    breaks: list[int] = []
    last = "BK"
    seen_space = False
    last_space_index = -1
    previous_space_index = -1
    for index, char in enumerate(chars):
        prop = _char_class(char)
        if prop == "SP":
            previous_space_index, last_space_index = last_space_index, index
            seen_space = True
            continue
        if prop == "ZW":
            last, seen_space = "ZW", False
            continue
        target = index
        if prop == "CM":
            if last == "ZW":
                breaks.append(index)
                last = "ID"
                continue
            if not seen_space:
                continue
            # A combining mark after a space makes that space behave as an ideograph.
            target, prop = last_space_index, "ID"
            seen_space = previous_space_index >= 0
        if prop == "BK":
            last, seen_space = "BK", False
            continue
        if last == "BK":
            allowed = False
        elif last == "ZW":
            allowed = True
        else:
            rule = _TABLE[last][_INDEX[prop]]
            allowed = rule == "D" or (rule == "I" and seen_space)
        if allowed and target not in prohibited:
            breaks.append(target)
        last = prop
        seen_space = False
        last_space_index = previous_space_index = -1
    return sorted(breaks)


# One code character per class, so the common case can be scanned with a regular expression in C.
_CODES = {name: chr(ord("A") + i) for i, name in enumerate(_CLASSES)}
_CODES.update({"AL": "a", "NU": "n", "SP": " ", "CM": "~", "ZW": "~", "BK": "~"})
_RULES = {(_CODES[a], _CODES[b]): _TABLE[a][_INDEX[b]] for a in _CLASSES for b in _CLASSES}
_ASCII_CODES = {i: _CODES[_char_class(chr(i))] for i in range(128)}


def _break_pattern() -> re.Pattern[str]:
    """The pair table as one regular expression over class codes: a match ends where a line may start.

    For each class, one branch for "this class, spaces, then a class the table allows after spaces" (D or
    I) and one for "this class directly followed by a class the table allows without spaces" (D). Each
    match consumes the left character (and the spaces), so every pair is looked at once, in C.
    """
    # At a given place at most one branch can match (each starts with its own class code, and a code's two
    # branches differ in what follows it), so the order only decides how soon the right one is tried:
    # letters and digits, by far the most frequent, first.
    codes = sorted({code for code in _CODES.values() if code not in " ~"}, key=lambda code: (code not in "an", code))
    branches = []
    for left in codes:
        after_spaces = "".join(re.escape(right) for right in codes if _RULES[(left, right)] != "P")
        direct = "".join(re.escape(right) for right in codes if _RULES[(left, right)] == "D")
        if after_spaces:
            branches.append(f"{re.escape(left)} +(?=[{after_spaces}])")
        if direct:
            branches.append(f"{re.escape(left)}(?=[{direct}])")
    return re.compile("|".join(branches))


_BREAK_RE = _break_pattern()


def _codes(chars: str) -> str:
    if chars.isascii():
        return chars.translate(_ASCII_CODES)
    return "".join([_CODES[_char_class(c)] for c in chars])


def possible_breaks(chars: str, prohibited: frozenset[int]) -> list[int]:
    """Break opportunities (indexes a line may start at), as libunistring finds them."""
    codes = _codes(chars)
    if "~" in codes:
        breaks = _possible_breaks_slow(chars, prohibited)
    else:
        breaks = [match.end() for match in _BREAK_RE.finditer(codes)]
        breaks = [b for b in breaks if b not in prohibited] if prohibited else breaks
    return _after_hebrew_hyphens(chars, codes, breaks) if _CODES["HL"] in codes else breaks


def _after_hebrew_hyphens(chars: str, codes: str, breaks: list[int]) -> list[int]:
    """UAX #14's LB21a, which a pair table cannot say: no break after a Hebrew letter and a hyphen or
    maqaf ("ב־2025" stays whole), combining marks between them set aside."""
    def held(index: int) -> bool:
        before = index - 1
        if before < 1 or codes[before] not in (_CODES["HY"], _CODES["BA"]):
            return False
        letter = before - 1
        while letter > 0 and codes[letter] == "~" and _char_class(chars[letter]) == "CM":
            letter -= 1
        return codes[letter] == _CODES["HL"]
    return [b for b in breaks if not held(b)]


def _ascii_cuts(length: int, breaks: list[int], width: int, start_column: int) -> list[int]:
    """Where lines start when every character is one column wide: each line ends at the last break that
    fits; a line whose first piece alone is too wide ends at that piece's end. A search per line, not a
    step per break."""
    cuts: list[int] = []
    start, column = 0, start_column
    while start + width - column < length:  # the rest does not fit on this line
        index = bisect_right(breaks, start + width - column) - 1
        if index >= 0 and breaks[index] > start:
            cut = breaks[index]
        else:
            index = bisect_right(breaks, start)
            if index == len(breaks):
                break
            cut = breaks[index]
        cuts.append(cut)
        start, column = cut, 0
    return cuts


def _last_break(codes: str, start: int, limit: int, prohibited: frozenset[int]) -> int | None:
    """The last break opportunity after `start` and at most `limit`, found without listing the ones before it:
    the scan covers a short stretch before `limit` and widens only when that stretch has none. A scan
    begins at a character, never inside the spaces after one, so it finds what a scan from the start would."""
    stretch = 16
    while True:
        scan = max(start, limit - stretch)
        while scan > start and codes[scan] == " ":
            scan -= 1
        last = None
        for match in _BREAK_RE.finditer(codes, scan, limit + 1):  # a match ends at most at `limit`
            end = match.end()
            if end > start and end not in prohibited:
                last = end
        if last is not None or scan == start:
            return last
        stretch *= 4


def _ascii_cuts_by_search(codes: str, prohibited: frozenset[int], width: int, start_column: int) -> list[int]:
    """`_ascii_cuts` for text whose class codes the pattern covers, searching each line's break instead of
    listing them all (most break opportunities of a long string are never a line's end)."""
    cuts: list[int] = []
    start, column = 0, start_column
    while start + width - column < len(codes):  # the rest does not fit on this line
        cut = _last_break(codes, start, start + width - column, prohibited)
        if cut is None:  # the first piece alone is too wide: the line ends where that piece does
            cut = next((match.end() for match in _BREAK_RE.finditer(codes, start)
                        if match.end() not in prohibited), None)
            if cut is None:
                break
        cuts.append(cut)
        start, column = cut, 0
    return cuts


def wrap_portion(portion: str, width: int, start_column: int, prohibited: frozenset[int],
                 breaks: list[int] | None = None) -> list[str]:
    """Split an escaped portion into lines of at most `width` columns, gettext style.

    `prohibited` holds indexes before which no break may occur (inside escape sequences, and before a
    trailing \\n). The first line starts at `start_column`. A line breaks before the first piece (text
    between two break opportunities, trailing spaces included) that would pass the width. `breaks` are the
    portion's break opportunities when the caller already has them (and must be given for rules other than
    gettext 0.22's, see linebreak_unicode16).
    """
    if start_column + text_width(portion) <= width:
        return [portion]
    codes = portion.translate(_ASCII_CODES) if portion.isascii() else ""
    if codes and "~" not in codes and breaks is None:
        cuts = _ascii_cuts_by_search(codes, prohibited, width, start_column)
    elif codes:
        cuts = _ascii_cuts(len(portion), breaks if breaks is not None else possible_breaks(portion, prohibited),
                           width, start_column)
    else:
        if breaks is None:
            breaks = possible_breaks(portion, prohibited)
        cuts = []
        last_cut: int | None = None
        column = start_column
        previous = 0
        for position in (*breaks, len(portion)):
            piece = text_width(portion[previous:position])
            if last_cut is not None and column + piece > width:
                cuts.append(last_cut)
                column = 0
            last_cut = position
            column += piece
            previous = position
    lines = []
    start = 0
    for cut in cuts:
        lines.append(portion[start:cut])
        start = cut
    lines.append(portion[start:])
    return lines
