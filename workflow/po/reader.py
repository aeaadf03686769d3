"""Reading gettext PO catalogs losslessly: every form gettext accepts, and each error with its line.

polib is not used for files that translators own: it drops `#~|` previous msgids on obsolete entries (and
wraps differently from gettext when writing). A fast path reads the plain files the tool itself writes; the
general reader takes everything else.
"""

from __future__ import annotations

import re
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.fsio import read_file
from workflow.po.entries import Catalog, Entry

_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
              "\\": "\\", '"': '"', "'": "'", "?": "?"}
_UNESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)", re.DOTALL)
_KEYWORD_RE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s*(".*)$')

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

    def entry(self, msgid: str, msgctxt: object) -> Entry:
        """The entry these lines make."""
        return Entry(
            msgid=msgid,
            msgstr=str(self.fields.get("msgstr", "")),
            msgctxt=None if msgctxt is None else str(msgctxt),
            msgid_plural=None if "msgid_plural" not in self.fields else str(self.fields["msgid_plural"]),
            msgstr_plural=tuple(self.plural[i] for i in sorted(self.plural)),
            translator_comments=tuple(self.translator),
            extracted_comments=tuple(self.extracted),
            references=tuple(self.references),
            flags=tuple(self.flags),
            previous_msgctxt=self.previous.get("msgctxt"),
            previous_msgid=self.previous.get("msgid"),
            previous_msgid_plural=self.previous.get("msgid_plural"),
            obsolete=self.obsolete,
            line=self.line,
        )


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
            seen.add((None, ""))  # the header: a second one is refused as msgfmt does
            continue
        key = (msgctxt, msgid)
        if key in seen or newline_problem(msgid, msgstr):
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
            if key in seen or (key == (None, "") and has_header) or newline_problem(msgid, msgstr):
                return None  # a duplicate or a translation msgfmt refuses: the general reader names the lines
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
    reader = _LineReader(path)
    # Dispatch on the first character: most lines are comments or continuation strings, and testing for
    # those first keeps the keyword pattern off them.
    for lineno, raw in enumerate(text.split("\n"), start=1):
        reader.lineno = lineno
        reader.line(raw.strip())
    reader.finish()
    return Catalog(header_comments=reader.header_comments, header=reader.header, header_flags=reader.header_flags,
                   entries=tuple(reader.entries), has_header=reader.has_header)


class _LineReader:
    """The general reader's state: the entries so far, the one being read, and which string a line extends."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.header_comments: tuple[str, ...] = ()
        self.header: tuple[tuple[str, str], ...] = ()
        self.header_flags: tuple[str, ...] = ()
        self.has_header = False
        self.current = _EntryBuilder()
        self.last: tuple[str, int | None] | None = None  # which string a continuation line extends
        self.seen: dict[tuple[str | None, str], int] = {}
        self.lineno = 0

    def line(self, stripped: str) -> None:
        """Read one line, its surrounding whitespace stripped."""
        if not stripped:
            self.finish()
            return
        first = stripped[0]
        obsolete = False
        if first == "#" and stripped.startswith("#~"):
            obsolete = True
            stripped = stripped[2:].lstrip(" ")
            if not stripped:
                return
            if stripped[0] == "|":
                stripped = "#" + stripped
            first = stripped[0]
        if first == '"':
            if self.current.has_message and self.current.obsolete != obsolete:
                raise WorkflowError(self.path, self.lineno, "inconsistent use of #~: part of an entry is obsolete",
                                    "mark every line of an obsolete entry with #~, or none of them")
            self.continuation(stripped)
        elif first == "#" and stripped.startswith("#|"):
            self.previous(stripped, obsolete)
        elif first == "#":
            if self.current.has_message:
                self.finish()
            current = self.current
            _add_comment(stripped, current.translator, current.extracted, current.references, current.flags)
        else:
            self.keyword(stripped, obsolete)

    def continuation(self, stripped: str) -> None:
        """A string that continues the last keyword's."""
        path, lineno, current, last = self.path, self.lineno, self.current, self.last
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

    def previous(self, stripped: str, obsolete: bool) -> None:
        """A `#|` comment: the previous msgctxt, msgid or msgid_plural of a fuzzy entry."""
        path, lineno = self.path, self.lineno
        body = stripped[2:].strip()
        match = _KEYWORD_RE.match(body)
        if self.current.has_message:
            self.finish()
        current, last = self.current, self.last
        if match:
            keyword = match.group(1)
            current.previous[keyword] = _quoted(match.group(3), path, lineno)
            self.last = ("previous:" + keyword, None)
        elif body.startswith('"') and last and last[0].startswith("previous:"):
            key = last[0].split(":", 1)[1]
            current.previous[key] += _quoted(body, path, lineno)
        else:
            raise WorkflowError(path, lineno, "syntax error in a #| previous-message comment",
                                'write it as #| msgid "…"')
        current.obsolete = current.obsolete or obsolete

    def keyword(self, stripped: str, obsolete: bool) -> None:
        """A line that starts with a keyword (msgctxt, msgid, msgid_plural, msgstr, msgstr[n])."""
        path, lineno = self.path, self.lineno
        match = _KEYWORD_RE.match(stripped)
        if not match:
            raise WorkflowError(path, lineno, f"syntax error: unexpected text {stripped[:30]!r}",
                                'each line must be a comment (#…), a keyword (msgid, msgstr, …) or a quoted string')
        keyword, index, rest = match.group(1), match.group(2), match.group(3)
        current = self.current
        if keyword in ("msgctxt", "msgid") and current.has_message and ("msgstr" in current.fields or current.plural):
            self.finish()
            current = self.current
        if current.has_message and current.obsolete != obsolete:
            raise WorkflowError(path, lineno, "inconsistent use of #~: part of an entry is obsolete",
                                "mark every line of an obsolete entry with #~, or none of them")
        if keyword == "msgctxt" and "msgid" in current.fields:
            raise WorkflowError(path, lineno, "syntax error: msgctxt after msgid (missing msgstr)",
                                "put msgctxt before the msgid, and give the msgid its msgstr")
        if not current.has_message:
            current.line = lineno
        current.has_message = True
        current.obsolete = current.obsolete or obsolete
        value = _quoted(rest, path, lineno)
        if index is not None:
            current.plural[int(index)] = value
            self.last = ("plural", int(index))
        else:
            if keyword in current.fields:
                raise WorkflowError(path, lineno, f"syntax error: a second {keyword} in one entry",
                                    "separate entries with a blank line")
            current.fields[keyword] = value
            self.last = (keyword, None)

    def check_forms(self, current: _EntryBuilder, msgid: str) -> None:
        """What `msgfmt -c` refuses in an entry's forms: plural forms without msgid_plural or the reverse,
        plural indexes out of order or not as many as the header's nplurals, and a msgstr that does not begin
        and end with a newline as its msgid does."""
        path, line = self.path, current.line
        plural = "msgid_plural" in current.fields
        if current.plural and not plural:
            raise WorkflowError(path, line, "msgstr[n] on a message without msgid_plural",
                                'write msgstr "…" for a message without plural forms, or add its msgid_plural')
        if plural and not current.plural:
            raise WorkflowError(path, line, "msgid_plural without msgstr[0], msgstr[1], …",
                                'give each plural form its own msgstr[n] "…", starting at msgstr[0]')
        if plural and list(current.plural) != list(range(len(current.plural))):
            raise WorkflowError(path, line, "plural forms out of order or missing (msgstr[n] must count from 0)",
                                "number the forms msgstr[0], msgstr[1], … in order")
        nplurals = self.nplurals()
        if plural and nplurals is not None and len(current.plural) != nplurals:
            raise WorkflowError(path, line, f"{len(current.plural)} plural forms where the header's Plural-Forms "
                                f"says nplurals={nplurals}", "give the message one msgstr[n] per plural form")
        for msgstr in current.plural.values() if plural else (str(current.fields.get("msgstr", "")),):
            problem = newline_problem(msgid, msgstr)
            if problem:
                raise WorkflowError(path, line, problem, "begin and end the translation as the msgid does")

    def nplurals(self) -> int | None:
        forms = dict(self.header).get("Plural-Forms", "")
        found = re.search(r"nplurals\s*=\s*(\d+)", forms)
        return int(found.group(1)) if found else None

    def finish(self) -> None:
        """End the entry being read: the header, or an entry checked for its msgid, msgstr and uniqueness."""
        current = self.current
        if current.empty():
            self.current = _EntryBuilder()
            return
        if "msgid" not in current.fields:
            raise WorkflowError(self.path, current.line or self.lineno, "syntax error: an entry without msgid",
                                'every entry needs msgid "…" followed by msgstr "…"')
        if "msgstr" not in current.fields and not current.plural:
            raise WorkflowError(self.path, current.line, "syntax error: msgid without msgstr",
                                'add msgstr "" after the msgid')
        msgid = str(current.fields["msgid"])
        msgctxt = current.fields.get("msgctxt")
        if not current.obsolete:
            self.check_forms(current, msgid)
        if msgid == "" and msgctxt is None and not current.obsolete and not self.has_header and not self.entries:
            self.has_header = True
            self.header_comments = tuple(current.translator)
            self.header_flags = tuple(current.flags)
            self.header = tuple(_parse_header(str(current.fields.get("msgstr", ""))))
        else:
            entry = current.entry(msgid, msgctxt)
            if not entry.obsolete:
                if entry.key == (None, "") and self.has_header:
                    raise WorkflowError(self.path, entry.line, "a second entry with an empty msgid (the header's)",
                                        "give the entry its text, or remove it; msgfmt refuses it")
                if entry.key in self.seen:
                    raise WorkflowError(self.path, entry.line,
                                        f"duplicate message (first at line {self.seen[entry.key]})",
                                        "merge the two entries into one; msgfmt refuses duplicates")
                self.seen[entry.key] = entry.line
            self.entries.append(entry)
        self.current = _EntryBuilder()
        self.last = None


def newline_problem(msgid: str, msgstr: str) -> str | None:
    """Why `msgfmt -c` refuses a translation for its newlines: it must begin, and end, with one exactly when
    its msgid does."""
    if not msgstr or not msgid:
        return None
    if msgid.startswith("\n") != msgstr.startswith("\n"):
        return "msgid and msgstr do not both begin with a newline (\\n)"
    if msgid.endswith("\n") != msgstr.endswith("\n"):
        return "msgid and msgstr do not both end with a newline (\\n)"
    return None


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
