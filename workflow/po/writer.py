"""Writing gettext PO catalogs exactly as `msgcat -w 79` writes them, so editors and gettext tools make no diff noise."""

from __future__ import annotations

import re
from functools import lru_cache
from types import ModuleType

from workflow.po.entries import Catalog, Entry

PAGE_WIDTH = 79

# NUL is written as an octal escape: a raw NUL would make the file unreadable (see the reader), and a
# translation read from a `\000` escape must survive being written again.
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
            "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\000"}
_ESCAPE_RE = re.compile(r'[\\"\n\t\r\a\b\f\v\0]')
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_ESCAPE_PAIR_RE = re.compile(r"\\.", re.DOTALL)

# gettext's line breaking (workflow.po.linebreak), loaded by the first `serialize`: a build only reads catalogs,
# and the rules' tables and pattern are a noticeable part of its start.
linebreak: ModuleType | None = None
# The gettext versions whose line breaking the writer can match (`[po] wrap`): 0.21 and 0.22 share their rules
# (libunistring's pair table), 0.23 follows Unicode 16 (workflow.po.linebreak_unicode16).
WRAP_STYLES = ("0.22", "0.23")
DEFAULT_WRAP = "0.22"
_unicode16: ModuleType | None = None


def _breaks(escaped: str, prohibited: frozenset[int], wrap: str, wide: bool) -> list[int] | None:
    """The portion's break opportunities, or None where `linebreak.wrap_portion` finds them itself faster
    (ASCII text under 0.22's rules) or none is needed (`wide` False: the portion fits on one line)."""
    global _unicode16
    if wrap == "0.23":
        if _unicode16 is None:
            from workflow.po import linebreak_unicode16 as _unicode16
        return _unicode16.possible_breaks(escaped, prohibited)
    return linebreak.possible_breaks(escaped, prohibited) if wide and not escaped.isascii() else None


# The caches here and in merge, records and linebreak hold about an item's worth of strings: a text repeats in
# the template and every locale's catalog of its item, rarely across items, and a larger cache would only make
# memory grow with the site (65,536 entries cost some 30 MiB at 4,000 items and gained nothing measurable).
@lru_cache(maxsize=4096)
def _wrapped(keyword: str, value: str, prefix: str, width: int, wrap: str = DEFAULT_WRAP) -> tuple[str, ...]:
    """Lines for `keyword "value"` as gettext's write-po wraps them."""
    if not value:
        return (f'{prefix}{keyword} ""',)
    # Columns available between the quotes of a continuation line.
    inner = width - 1 - (len(prefix) + 1)
    # Portions end after each newline; gettext wraps every portion on its own. Most values are one portion.
    portions = [value] if "\n" not in value else value.split("\n")
    if len(portions) > 1:
        portions = [p + "\n" for p in portions[:-1]] + ([portions[-1]] if portions[-1] else [])
    if len(portions) == 1 and len(keyword) + 1 <= inner:
        # A single portion stays beside the keyword when it fits there, or when no break can be made on
        # that line; otherwise it starts on a line of its own.
        escaped, prohibited = _escape_with_breaks(portions[0])
        start_column = len(keyword) + 1
        if start_column + linebreak.text_width(escaped) <= inner:
            return (f'{prefix}{keyword} "{escaped}"',)
        # Break opportunities depend on the text only: find them once for both layouts gettext tries (ASCII
        # text has its few line ends searched for instead, see wrap_portion).
        breaks = _breaks(escaped, prohibited, wrap, True)
        parts = linebreak.wrap_portion(escaped, inner, 0, prohibited, breaks)
        # A line that breaks when it starts at the margin also breaks when it starts further right, so the
        # keyword's line is tried only when the margin's is not broken (most long texts are).
        if len(parts) == 1 and len(linebreak.wrap_portion(escaped, inner, start_column, prohibited, breaks)) == 1:
            return (f'{prefix}{keyword} "{escaped}"',)
        return (f'{prefix}{keyword} ""', *(f'{prefix}"{part}"' for part in parts))
    # Several portions (a header, a text with newlines): each starts on a line of its own.
    return (f'{prefix}{keyword} ""',
            *(f'{prefix}"{part}"' for raw in portions for part in _margin_parts(raw, inner, wrap)))


@lru_cache(maxsize=4096)  # header lines repeat from catalog to catalog
def _margin_parts(raw: str, inner: int, wrap: str) -> tuple[str, ...]:
    """A portion escaped and wrapped into lines that start at the margin."""
    escaped, prohibited = _escape_with_breaks(raw)
    breaks = _breaks(escaped, prohibited, wrap, linebreak.text_width(escaped) > inner)
    return tuple(linebreak.wrap_portion(escaped, inner, 0, prohibited, breaks))


_NOTHING_PROHIBITED: frozenset[int] = frozenset()


def _escape_with_breaks(raw: str) -> tuple[str, frozenset[int]]:
    """Escape a portion and list the indexes where gettext forbids a break (inside escapes, before final \\n)."""
    if not _ESCAPE_RE.search(raw):
        return raw, _NOTHING_PROHIBITED
    escaped = raw.translate(_ESCAPE_TABLE)
    # The escaped text holds no lone backslash, so each backslash starts a two-character escape (four for NUL).
    prohibited = {match.start() + 1 for match in _ESCAPE_PAIR_RE.finditer(escaped)}
    if "\0" in raw:
        prohibited |= {match.start() + n for match in re.finditer(r"\\000", escaped) for n in (2, 3)}
    if raw.endswith("\n"):
        prohibited.add(len(escaped) - 2)
    return escaped, frozenset(prohibited)


def _reference_lines(references: tuple[str, ...], width: int = PAGE_WIDTH) -> list[str]:
    lines: list[str] = []
    current = "#:"
    for ref in references:
        if len(current) > 2 and len(current) + 1 + len(ref) > width:
            lines.append(current)
            current = "#:"
        current += " " + ref
    if len(current) > 2:
        lines.append(current)
    return lines


def _comment_lines(marker: str, comments: tuple[str, ...]) -> list[str]:
    return [f"{marker} {c}" if c else marker for c in comments]


def _flag_line(entry: Entry) -> list[str]:
    """The #, line as gettext writes it: fuzzy first and only on a non-empty msgstr; obsolete keep only fuzzy."""
    first = entry.msgstr_plural[0] if entry.msgid_plural is not None and entry.msgstr_plural else entry.msgstr
    flags = ["fuzzy"] if entry.fuzzy and first else []
    if not entry.obsolete:
        flags += [f for f in entry.flags if f != "fuzzy"]
    return ["#, " + ", ".join(flags)] if flags else []


def _entry_lines(entry: Entry, wrap: str) -> list[str]:
    # Each part only when the entry has it: a template's entries have notes, a reference and two strings, and
    # a catalog of a thousand items writes tens of thousands of entries.
    lines = _comment_lines("#", entry.translator_comments) if entry.translator_comments else []
    if entry.extracted_comments:
        lines += _comment_lines("#.", entry.extracted_comments)
    if entry.references:
        lines += _reference_lines(entry.references)
    if entry.flags:
        lines += _flag_line(entry)
    prefix = "#~ " if entry.obsolete else ""
    if entry.previous_msgctxt is not None or entry.previous_msgid is not None \
            or entry.previous_msgid_plural is not None:
        previous_prefix = "#~| " if entry.obsolete else "#| "
        if entry.previous_msgctxt is not None:
            lines += _wrapped("msgctxt", entry.previous_msgctxt, previous_prefix, PAGE_WIDTH, wrap)
        if entry.previous_msgid is not None:
            lines += _wrapped("msgid", entry.previous_msgid, previous_prefix, PAGE_WIDTH, wrap)
        if entry.previous_msgid_plural is not None:
            lines += _wrapped("msgid_plural", entry.previous_msgid_plural, previous_prefix, PAGE_WIDTH, wrap)
    if entry.msgctxt is not None:
        lines += _wrapped("msgctxt", entry.msgctxt, prefix, PAGE_WIDTH, wrap)
    lines += _wrapped("msgid", entry.msgid, prefix, PAGE_WIDTH, wrap)
    if entry.msgid_plural is not None:
        lines += _wrapped("msgid_plural", entry.msgid_plural, prefix, PAGE_WIDTH, wrap)
        for index, value in enumerate(entry.msgstr_plural or ("", "")):
            lines += _wrapped(f"msgstr[{index}]", value, prefix, PAGE_WIDTH, wrap)
    else:
        lines += _wrapped("msgstr", entry.msgstr, prefix, PAGE_WIDTH, wrap)
    return lines


def header_text(header: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"{name}: {value}\n" for name, value in header)


def serialize(catalog: Catalog, wrap: str = DEFAULT_WRAP) -> bytes:
    """The catalog as UTF-8 bytes, formatted as `msgcat -w 79` of gettext `wrap` (see WRAP_STYLES) formats it."""
    global linebreak
    if linebreak is None:
        from workflow.po import linebreak
    blocks: list[list[str]] = []
    if catalog.has_header:
        head = _comment_lines("#", catalog.header_comments)
        if catalog.header_flags:
            head.append("#, " + ", ".join(catalog.header_flags))
        head += _wrapped("msgid", "", "", PAGE_WIDTH, wrap)
        head += _wrapped("msgstr", header_text(catalog.header), "", PAGE_WIDTH, wrap)
        blocks.append(head)
    blocks.extend(_entry_lines(e, wrap) for e in catalog.entries if not e.obsolete)
    # gettext drops obsolete entries that hold no translation: there is nothing in them to keep.
    blocks.extend(_entry_lines(e, wrap) for e in catalog.entries if e.obsolete and (e.msgstr or any(e.msgstr_plural)))
    return ("\n\n".join("\n".join(block) for block in blocks) + "\n").encode("utf-8")
