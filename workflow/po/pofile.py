"""Gettext PO catalogs: a lossless reader and a writer whose output is what `msgcat -w 79` writes.

polib is not used for files that translators own: it wraps differently from gettext (diff noise in
every editor round trip) and drops `#~|` previous msgids on obsolete entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

from functools import lru_cache


from workflow.errors import WorkflowError
from workflow.fsio import read_file

PAGE_WIDTH = 79

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
            "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
_ESCAPE_RE = re.compile(r'[\\"\n\t\r\a\b\f\v]')
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_ESCAPE_PAIR_RE = re.compile(r"\\.", re.DOTALL)
_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
              "\\": "\\", '"': '"', "'": "'", "?": "?"}
_UNESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)", re.DOTALL)
_KEYWORD_RE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s*(".*)$')


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


# --------------------------------------------------------------------------------------------- reading


def _unescape(text: str, path: str, line: int) -> str:
    if "\\" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] == "x" and len(code) > 1:
            if int(code[1:], 16) > 0x10FFFF:
                raise WorkflowError(path, line, f"escape sequence '\\{code[:12]}' is beyond the last character",
                                    "end the hex escape where the character ends, or write the character itself")
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8))
        if code in _UNESCAPES:
            return _UNESCAPES[code]
        raise WorkflowError(path, line, f"unknown escape sequence '\\{code}'",
                            "write a backslash as \\\\ inside PO strings")
    return _UNESCAPE_RE.sub(one, text)


# A whole quoted string: no bare quote inside, every backslash escapes the next character. Written as
# "plain run, then (escape, plain run)*" so the engine scans runs instead of trying an alternation per character.
_QUOTED_RE = re.compile(r'\s*"([^"\\]*(?:\\.[^"\\]*)*)"\s*', re.DOTALL)


def _quoted(rest: str, path: str, line: int) -> str:
    body = rest.strip()
    if len(body) >= 2 and body[0] == '"' == body[-1]:
        inner = body[1:-1]
        if '"' not in inner and "\\" not in inner:  # the common line: nothing to check or unescape
            return inner
    match = _QUOTED_RE.fullmatch(rest)
    if match is None:
        raise WorkflowError(path, line, "syntax error: expected a string in double quotes",
                            'enclose the text in "…" and escape inner quotes as \\"')
    return _unescape(match.group(1), path, line)


class _EntryBuilder:
    """Collects the lines of one entry while reading."""

    def __init__(self) -> None:
        self.fields: dict[str, object] = {}
        self.translator: list[str] = []
        self.extracted: list[str] = []
        self.references: list[str] = []
        self.flags: list[str] = []
        self.previous: dict[str, str] = {}
        self.plural: dict[int, str] = {}
        self.obsolete = False
        self.line = 0
        self.has_message = False

    def empty(self) -> bool:
        return not (self.has_message or self.translator or self.extracted or self.references or self.flags
                    or self.previous)


def _add_comment(stripped: str, translator: list[str], extracted: list[str], references: list[str],
                 flags: list[str]) -> None:
    """File one comment line (already stripped, not #| or #~) under its kind."""
    kind = stripped[1:2]
    if kind == ".":
        extracted.append(_comment_text(stripped[2:]))
    elif kind == ":":
        references.extend(stripped[2:].split())
    elif kind == ",":
        flags.extend(f.strip() for f in stripped[2:].split(",") if f.strip())
    else:
        translator.append(_comment_text(stripped[1:]))


def _decode(data: bytes, path: str) -> str:
    """PO bytes as text (UTF-8, an optional byte order mark); an error names the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WorkflowError(path, line, "the file is not valid UTF-8",
                            "save it as UTF-8 (Content-Type: text/plain; charset=UTF-8)") from None
    # Looked for in the bytes, where the search is a memchr: in text with characters beyond Latin-1 it is
    # a slower scan (UTF-8 writes U+0000 as the zero byte only, so the answer is the same).
    if b"\0" in data:
        raise WorkflowError(path, text[: text.index("\0")].count("\n") + 1, "the file contains NUL bytes",
                            "this is not a PO file; restore it from version control")
    return text


def parse_po(data: bytes, path: str | Path = "<po>") -> Catalog:
    """Parse PO bytes into a Catalog; a syntax error names the file and line and says how to fix it."""
    path = str(path)
    text = _decode(data, path)
    return _parse_plain(text, path) or _parse_lines(text, path)


Key = tuple[str | None, str]


def translation_table(data: bytes, path: str | Path = "<po>") -> dict[Key, tuple[str, bool]]:
    """What a compiled catalog holds: msgstr and whether it is fuzzy, by (msgctxt, msgid), for every active
    entry with a translation (singular forms only). Equal to reading the catalog with `parse_po`, and errors
    are the same; on a file of plain entries it skips comments and builds no entries, several times faster.
    """
    path = str(path)
    text = _decode(data, path)
    matches = _plain_matches(text)
    if matches is not None:
        try:
            return _plain_table(matches)
        except (WorkflowError, KeyError):
            pass  # a bad escape or a duplicate: the general reader says where
    return {entry.key: (entry.msgstr, entry.fuzzy) for entry in _parse_lines(text, path).entries
            if not entry.obsolete and entry.msgstr}


def _plain_table(matches: list[re.Match[str]]) -> dict[Key, tuple[str, bool]]:
    """`translation_table` from a file's plain entries; KeyError on a duplicate message."""
    table: dict[Key, tuple[str, bool]] = {}
    seen: set[Key] = set()
    for number, found in enumerate(matches):
        _, _, _, flags, context_block, msgid_block, msgstr_block = found.groups()
        msgid = _plain_string(msgid_block)
        msgctxt = None if context_block is None else _plain_string(context_block)
        msgstr = _plain_string(msgstr_block)  # even where unused: a bad escape is an error wherever it is
        if number == 0 and msgid == "" and msgctxt is None:
            continue  # the header
        key = (msgctxt, msgid)
        if key in seen:
            raise KeyError(key)
        seen.add(key)
        if msgstr:
            table[key] = (msgstr, bool(flags) and "fuzzy" in _flags_of(flags))
    return table


def _flags_of(block: str) -> list[str]:
    """The flags of a matched block of #, lines."""
    flags: list[str] = []
    for line in block[:-1].split("\n"):
        _add_comment(line, [], [], [], flags)
    return flags


# One entry as gettext writes it when it has no plural, no #| previous message and is not obsolete:
# translator comments, extracted comments, references and flags in that order (no line ending in
# whitespace), then msgctxt, msgid and msgstr, each a quoted string with its continuation lines, then a
# blank line. Nearly every entry of a catalog looks like this.
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"\n'
_PLAIN_ENTRY_RE = re.compile(
    r"((?:#(?:(?![.:,|~])[^\n]*\S)?\n)*)"
    r"((?:#\.(?:[^\n]*\S)?\n)*)"
    r"((?:#:(?:[^\n]*\S)?\n)*)"
    r"((?:#,(?:[^\n]*\S)?\n)*)"
    rf"(?:msgctxt ((?:{_STRING})+))?"
    rf"msgid ((?:{_STRING})+)"
    rf"msgstr ((?:{_STRING})+)"
    r"(?:\n|\Z)")
# The text of translator and extracted comment lines, without the one space after the marker.
_TRANSLATOR_RE = re.compile(r"^# ?(.*)$", re.MULTILINE)
_EXTRACTED_RE = re.compile(r"^#\. ?(.*)$", re.MULTILINE)


def _plain_string(block: str) -> str:
    """The value of a matched string block: quoted lines, each ending with a newline."""
    if "\\" not in block:  # nearly always: the lines' insides joined
        return block[1:-2].replace('"\n"', "")
    # Escapes are undone line by line, as the general reader does (a hex escape never runs into the next line).
    # A bad escape raises without a place; the callers leave such a file to the general reader, which names it.
    return "".join(_unescape(part, "", 0) for part in block[1:-2].split('"\n"'))


def _plain_matches(text: str) -> list[re.Match[str]] | None:
    """The file as plain entries (see _PLAIN_ENTRY_RE) and blank lines, or None when anything else is in it."""
    matches = []
    match = _PLAIN_ENTRY_RE.match
    position = 0
    end = len(text)
    while position < end:
        if text[position] == "\n":
            position += 1
            continue
        found = match(text, position)
        if found is None:
            return None
        matches.append(found)
        position = found.end()
    return matches


def _parse_plain(text: str, path: str) -> Catalog | None:
    """The fast reader: a file of plain entries only (see _PLAIN_ENTRY_RE), or None to use the general one.

    Reading catalogs is a large part of a build; one regular-expression match per entry instead of a
    Python step per line makes it several times faster. Anything else (and every error, so that the
    message names the line) goes to the general reader, which gives the same result on these files.
    """
    matches = _plain_matches(text)
    if matches is None:
        return None
    entries: list[Entry] = []
    seen: set[Key] = set()
    header_comments: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()
    header_flags: tuple[str, ...] = ()
    has_header = False
    lineno = 1  # the line where `counted` is
    counted = 0
    try:
        for found in matches:
            translator, extracted, references, flags, context_block, msgid_block, msgstr_block = found.groups()
            msgid = _plain_string(msgid_block)
            msgstr = _plain_string(msgstr_block)
            msgctxt = None if context_block is None else _plain_string(context_block)
            first_keyword = found.start(5 if context_block is not None else 6)
            lineno += text.count("\n", counted, first_keyword)
            counted = first_keyword
            flag_list = _flags_of(flags) if flags else []
            if msgid == "" and msgctxt is None and not has_header and not entries:
                has_header = True
                header_comments = tuple(_TRANSLATOR_RE.findall(translator)) if translator else ()
                header_flags = tuple(flag_list)
                header = tuple(_parse_header(msgstr))
                continue
            key = (msgctxt, msgid)
            if key in seen:
                return None  # a duplicate: the general reader names both lines
            seen.add(key)
            entries.append(Entry(
                msgid, msgstr, msgctxt,
                translator_comments=tuple(_TRANSLATOR_RE.findall(translator)) if translator else (),
                extracted_comments=tuple(_EXTRACTED_RE.findall(extracted)) if extracted else (),
                references=tuple(reference for reference_line in references.split("\n")
                                 for reference in reference_line[2:].split()),
                flags=tuple(flag_list), line=lineno))
    except WorkflowError:
        return None
    return Catalog(header_comments=header_comments, header=header, header_flags=header_flags,
                   entries=tuple(entries), has_header=has_header)


def _parse_lines(text: str, path: str) -> Catalog:
    """The general reader: one line at a time, every form gettext accepts, errors with their line."""
    entries: list[Entry] = []
    header_comments: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()
    header_flags: tuple[str, ...] = ()
    has_header = False
    current = _EntryBuilder()
    last: tuple[str, int | None] | None = None  # which string a continuation line extends
    seen: dict[tuple[str | None, str], int] = {}

    def finish() -> None:
        nonlocal current, header_comments, header, header_flags, has_header, last
        if current.empty():
            current = _EntryBuilder()
            return
        if "msgid" not in current.fields:
            raise WorkflowError(path, current.line or lineno, "syntax error: an entry without msgid",
                                'every entry needs msgid "…" followed by msgstr "…"')
        if "msgstr" not in current.fields and not current.plural:
            raise WorkflowError(path, current.line, "syntax error: msgid without msgstr",
                                'add msgstr "" after the msgid')
        msgid = str(current.fields["msgid"])
        msgctxt = current.fields.get("msgctxt")
        if msgid == "" and msgctxt is None and not current.obsolete and not has_header and not entries:
            has_header = True
            header_comments = tuple(current.translator)
            header_flags = tuple(current.flags)
            header = tuple(_parse_header(str(current.fields.get("msgstr", ""))))
        else:
            entry = Entry(
                msgid=msgid,
                msgstr=str(current.fields.get("msgstr", "")),
                msgctxt=None if msgctxt is None else str(msgctxt),
                msgid_plural=None if "msgid_plural" not in current.fields else str(current.fields["msgid_plural"]),
                msgstr_plural=tuple(current.plural[i] for i in sorted(current.plural)),
                translator_comments=tuple(current.translator),
                extracted_comments=tuple(current.extracted),
                references=tuple(current.references),
                flags=tuple(current.flags),
                previous_msgctxt=current.previous.get("msgctxt"),
                previous_msgid=current.previous.get("msgid"),
                previous_msgid_plural=current.previous.get("msgid_plural"),
                obsolete=current.obsolete,
                line=current.line,
            )
            if not entry.obsolete:
                if entry.key in seen:
                    raise WorkflowError(path, entry.line, f"duplicate message (first at line {seen[entry.key]})",
                                        "merge the two entries into one; msgfmt refuses duplicates")
                seen[entry.key] = entry.line
            entries.append(entry)
        current = _EntryBuilder()
        last = None

    lineno = 0
    # Dispatch on the first character: most lines are comments or continuation strings, and testing for
    # those first keeps the keyword pattern off them.
    for lineno, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            finish()
            continue
        first = stripped[0]
        obsolete = False
        if first == "#" and stripped.startswith("#~"):
            obsolete = True
            stripped = stripped[2:].lstrip(" ")
            if not stripped:
                continue
            if stripped[0] == "|":
                stripped = "#" + stripped
            first = stripped[0]
        if first == '"':
            if last is None:
                raise WorkflowError(path, lineno, "syntax error: a string with no keyword before it",
                                    "start the entry with msgid, msgstr or msgctxt")
            value = _quoted(stripped, path, lineno)
            if last[0] == "plural":
                current.plural[int(last[1] or 0)] += value
            elif last[0].startswith("previous:"):
                current.previous[last[0].split(":", 1)[1]] += value
            else:
                current.fields[last[0]] = str(current.fields[last[0]]) + value
            continue
        if first == "#" and stripped.startswith("#|"):
            body = stripped[2:].strip()
            match = _KEYWORD_RE.match(body)
            if current.has_message:
                finish()
            if match:
                keyword = match.group(1)
                current.previous[keyword] = _quoted(match.group(3), path, lineno)
                last = ("previous:" + keyword, None)
            elif body.startswith('"') and last and last[0].startswith("previous:"):
                key = last[0].split(":", 1)[1]
                current.previous[key] += _quoted(body, path, lineno)
            else:
                raise WorkflowError(path, lineno, "syntax error in a #| previous-message comment",
                                    'write it as #| msgid "…"')
            current.obsolete = current.obsolete or obsolete
            continue
        if first == "#":
            if current.has_message:
                finish()
            _add_comment(stripped, current.translator, current.extracted, current.references, current.flags)
            continue
        match = _KEYWORD_RE.match(stripped)
        if match:
            keyword, index, rest = match.group(1), match.group(2), match.group(3)
            if keyword in ("msgctxt", "msgid") and current.has_message and (
                    "msgstr" in current.fields or current.plural):
                finish()
            if not current.has_message:
                current.line = lineno
            current.has_message = True
            current.obsolete = current.obsolete or obsolete
            value = _quoted(rest, path, lineno)
            if index is not None:
                current.plural[int(index)] = value
                last = ("plural", int(index))
            else:
                if keyword in current.fields:
                    raise WorkflowError(path, lineno, f"syntax error: a second {keyword} in one entry",
                                        "separate entries with a blank line")
                current.fields[keyword] = value
                last = (keyword, None)
            continue
        raise WorkflowError(path, lineno, f"syntax error: unexpected text {stripped[:30]!r}",
                            'each line must be a comment (#…), a keyword (msgid, msgstr, …) or a quoted string')
    finish()
    return Catalog(header_comments=header_comments, header=header, header_flags=header_flags,
                   entries=tuple(entries), has_header=has_header)


def _comment_text(body: str) -> str:
    return body[1:] if body.startswith(" ") else body


def _parse_header(msgstr: str) -> list[tuple[str, str]]:
    fields = []
    for line in msgstr.split("\n"):
        if not line:
            continue
        name, _, value = line.partition(":")
        fields.append((name.strip(), value.strip()))
    return fields


def _read_file(path: Path | str) -> bytes:
    try:
        return read_file(path)[0]
    except OSError as exc:
        raise WorkflowError(path, None, f"cannot read the file ({exc.strerror})",
                            "check that it exists and is readable") from None


def read_po(path: Path | str) -> Catalog:
    """Read a PO or POT file from disk."""
    return parse_po(_read_file(path), path)


def read_translation_table(path: Path | str) -> dict[Key, tuple[str, bool]]:
    """`translation_table` of a PO file on disk."""
    return translation_table(_read_file(path), path)


# --------------------------------------------------------------------------------------------- writing

# gettext's line breaking (workflow.po.linebreak), loaded by the first `serialize`: a build only reads catalogs,
# and the rules' tables and pattern are a noticeable part of its start.
linebreak: ModuleType | None = None


@lru_cache(maxsize=65536)
def _wrapped(keyword: str, value: str, prefix: str, width: int) -> tuple[str, ...]:
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
        breaks = None if escaped.isascii() else linebreak.possible_breaks(escaped, prohibited)
        parts = linebreak.wrap_portion(escaped, inner, 0, prohibited, breaks)
        # A line that breaks when it starts at the margin also breaks when it starts further right, so the
        # keyword's line is tried only when the margin's is not broken (most long texts are).
        if len(parts) == 1 and len(linebreak.wrap_portion(escaped, inner, start_column, prohibited, breaks)) == 1:
            return (f'{prefix}{keyword} "{escaped}"',)
        return (f'{prefix}{keyword} ""', *(f'{prefix}"{part}"' for part in parts))
    # Several portions (a header, a text with newlines): each starts on a line of its own.
    return (f'{prefix}{keyword} ""', *(f'{prefix}"{part}"' for raw in portions for part in _margin_parts(raw, inner)))


@lru_cache(maxsize=65536)  # header lines repeat from catalog to catalog
def _margin_parts(raw: str, inner: int) -> tuple[str, ...]:
    """A portion escaped and wrapped into lines that start at the margin."""
    escaped, prohibited = _escape_with_breaks(raw)
    breaks = linebreak.possible_breaks(escaped, prohibited) \
        if not escaped.isascii() and linebreak.text_width(escaped) > inner else None
    return tuple(linebreak.wrap_portion(escaped, inner, 0, prohibited, breaks))


_NOTHING_PROHIBITED: frozenset[int] = frozenset()


def _escape_with_breaks(raw: str) -> tuple[str, frozenset[int]]:
    """Escape a portion and list the indexes where gettext forbids a break (inside escapes, before final \\n)."""
    if not _ESCAPE_RE.search(raw):
        return raw, _NOTHING_PROHIBITED
    escaped = raw.translate(_ESCAPE_TABLE)
    # The escaped text holds no lone backslash, so each backslash starts a two-character escape.
    prohibited = {match.start() + 1 for match in _ESCAPE_PAIR_RE.finditer(escaped)}
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


def _entry_lines(entry: Entry) -> list[str]:
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
            lines += _wrapped("msgctxt", entry.previous_msgctxt, previous_prefix, PAGE_WIDTH)
        if entry.previous_msgid is not None:
            lines += _wrapped("msgid", entry.previous_msgid, previous_prefix, PAGE_WIDTH)
        if entry.previous_msgid_plural is not None:
            lines += _wrapped("msgid_plural", entry.previous_msgid_plural, previous_prefix, PAGE_WIDTH)
    if entry.msgctxt is not None:
        lines += _wrapped("msgctxt", entry.msgctxt, prefix, PAGE_WIDTH)
    lines += _wrapped("msgid", entry.msgid, prefix, PAGE_WIDTH)
    if entry.msgid_plural is not None:
        lines += _wrapped("msgid_plural", entry.msgid_plural, prefix, PAGE_WIDTH)
        for index, value in enumerate(entry.msgstr_plural or ("", "")):
            lines += _wrapped(f"msgstr[{index}]", value, prefix, PAGE_WIDTH)
    else:
        lines += _wrapped("msgstr", entry.msgstr, prefix, PAGE_WIDTH)
    return lines


def header_text(header: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"{name}: {value}\n" for name, value in header)


def serialize(catalog: Catalog) -> bytes:
    """The catalog as UTF-8 bytes, formatted as `msgcat -w 79` formats it."""
    global linebreak
    if linebreak is None:
        from workflow.po import linebreak
    blocks: list[list[str]] = []
    if catalog.has_header:
        head = _comment_lines("#", catalog.header_comments)
        if catalog.header_flags:
            head.append("#, " + ", ".join(catalog.header_flags))
        head += _wrapped("msgid", "", "", PAGE_WIDTH)
        head += _wrapped("msgstr", header_text(catalog.header), "", PAGE_WIDTH)
        blocks.append(head)
    blocks.extend(_entry_lines(e) for e in catalog.entries if not e.obsolete)
    # gettext drops obsolete entries that hold no translation: there is nothing in them to keep.
    blocks.extend(_entry_lines(e) for e in catalog.entries if e.obsolete and (e.msgstr or any(e.msgstr_plural)))
    return ("\n\n".join("\n".join(block) for block in blocks) + "\n").encode("utf-8")
