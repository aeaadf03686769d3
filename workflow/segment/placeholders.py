"""A translation read back as text plus placeholders, checked against its source unit.

The one rule every stage applies to a msgstr (the build before it uses a translation, drafts before they
write one, checks when they report): only the placeholders of the unit's own source count, each once,
paired ones balanced and nested as tags are; anything else that looks like markup is literal text. And no
character a page cannot hold (controls, noncharacters).
"""

from __future__ import annotations

import re
from functools import lru_cache

from workflow.segment.dates import date_written_problem
from workflow.naming import country_written_problem
from workflow.segment.records import COUNTRY, DATE, PAIRED, Placeholder, Segment, Token, text_token

# A placeholder with its parts: "/" when it closes, its name, "/" when it stands alone.
PLACEHOLDER_PARTS_RE = re.compile(r"<(/?)([a-z][a-z0-9]*?[0-9]+)(/?)>")
_tuple_new = tuple.__new__

class PlaceholderMismatch(ValueError):
    """A translation's placeholders differ from its source unit's, or it holds a character no page can."""


# Characters an HTML page cannot hold: NUL and the other C0 controls but tab, newline and carriage return
# (form feed too: HTML would take it as a space, XML and so lxml refuse it), DEL and the C1 controls, lone
# surrogates (a PO escape can make one), and the noncharacters (U+FDD0–U+FDEF and the last two code points of
# every plane). html5lib calls each a parse error; lxml refuses most of them outright. Every translation is
# checked, so the common case is kept quick: one class of the first plane's characters (a class that also
# lists the other planes' is three times slower), and the other planes' only for text that reaches them.
_UNFIT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL_UNFIT = frozenset(chr(plane << 16 | low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF))


def unfit_character(text: str) -> str | None:
    """Why `text` cannot go into a page because of a character in it (named by its code point), or None."""
    found = _UNFIT_RE.search(text)
    if found is not None:
        char = found.group()
    elif not text.isascii() and max(text) >= "\U0001fffe":
        char = next((c for c in text if c in _ASTRAL_UNFIT), "")
        if not char:
            return None
    else:
        return None
    return f"U+{ord(char):04X} is a control or non-character that HTML cannot hold; remove it"


def placeholders_in(msgid: str) -> dict[str, Placeholder]:
    """The placeholders a msgid uses, by name, as far as the text shows them (paired or self-closing)."""
    names: dict[str, Placeholder] = {}
    for match in PLACEHOLDER_PARTS_RE.finditer(msgid):
        name = match.group(2)
        base = name.rstrip("0123456789")
        names.setdefault(name, Placeholder(base, "void" if match.group(3) else PAIRED))
    return names


_LEGEND_DATE_RE = re.compile(r"<([a-z]+\d+)/> = date (\S+) \(([a-z, ]+)\)")
# The legend line Placeholder.legend writes for a country: its name and its code.
COUNTRY_LEGEND_RE = re.compile(r"<([a-z]+\d+)/> = country name \(([A-Z]{2})\)")


def placeholder_problem(msgid: str, translation: str, locale: str | None = None,
                        notes: tuple[str, ...] = ()) -> str | None:
    """Why `translation` cannot stand for `msgid` (placeholders missing, extra, unbalanced, crossed), or None.

    With the `locale` and the unit's notes (which give each date's and country's value), a date or a country
    written out in the translation's own words stands for its placeholder while it says the same date or
    names the same country."""
    names = placeholders_in(msgid)
    for note in notes if locale else ():
        found = _LEGEND_DATE_RE.match(note)
        if found and found.group(1) in names:
            names[found.group(1)] = Placeholder("date", DATE, None, "", found.group(2),
                                                found.group(3).replace(", ", "-"))
        country = COUNTRY_LEGEND_RE.match(note)
        if country and country.group(1) in names:
            names[country.group(1)] = Placeholder("country", COUNTRY, None, "", country.group(2), "")
    try:
        _parse(translation, names, locale)
    except PlaceholderMismatch as exc:
        return str(exc)
    return None


@lru_cache(maxsize=4096)
def parse_translation(text: str, segment: Segment, locale: str | None = None) -> tuple[Token, ...]:
    """Tokens of a translation, checked against the segment's placeholders.

    Raises PlaceholderMismatch naming the first problem: unknown form, missing, extra, unbalanced or crossed.
    Cached: a build checks each translation when it decides publication and again when it renders the page
    (segments hash by identity, so an entry never answers for another page's segment).
    """
    return tuple(_parse(text, segment.names, locale))


def _parse(text: str, names: dict[str, Placeholder], locale: str | None = None) -> list[Token]:
    unfit = unfit_character(text)
    if unfit:
        raise PlaceholderMismatch(unfit)
    if "<" not in text and not names:  # plain text for a unit without placeholders: nothing to check
        return [text_token(text)] if text else []
    tokens: list[Token] = []
    append = tokens.append
    seen: set[str] = set()
    stack: list[str] = []
    position = 0
    for match in PLACEHOLDER_PARTS_RE.finditer(text):
        closing, name, selfclosing = match.groups()
        placeholder = names.get(name)
        if placeholder is None or (closing and selfclosing):
            continue  # not ours: literal text
        start, end = match.span()
        if start > position:
            append(_tuple_new(Token, ("text", text[position:start], None)))  # text_token, without the call
        position = end
        paired = placeholder.kind == PAIRED
        if selfclosing:
            if paired:
                raise PlaceholderMismatch(f"<{name}/> must be written as <{name}>…</{name}>")
            kind = "void"
        elif closing:
            if not paired:
                raise PlaceholderMismatch(f"</{name}> has no pair in the source; write <{name}/>")
            if not stack or stack[-1] != name:
                expected = f"</{stack[-1]}>" if stack else "nothing open"
                raise PlaceholderMismatch(f"</{name}> closes out of order (expected {expected}); "
                                          "nest placeholders as in the source")
            stack.pop()
            kind = "close"
        else:
            if not paired:
                raise PlaceholderMismatch(f"<{name}> must be written as <{name}/>")
            stack.append(name)
            kind = "open"
        if kind != "close":
            if name in seen:
                raise PlaceholderMismatch(f"<{name}> appears more than once; use each placeholder once")
            seen.add(name)
        append(_tuple_new(Token, (kind, "", placeholder)))  # placeholder_token, without the call
    if position < len(text):
        append(_tuple_new(Token, ("text", text[position:], None)))
    if stack:
        raise PlaceholderMismatch(f"<{stack[-1]}> is not closed; add </{stack[-1]}>")
    for name, placeholder in names.items() if len(seen) < len(names) else ():
        if name in seen:
            continue
        if locale is not None and placeholder.kind in (DATE, COUNTRY) and placeholder.value:
            problem = (date_written_problem(text, placeholder.value, placeholder.precision, locale)
                       if placeholder.kind == DATE else country_written_problem(text, placeholder.value, locale))
            if problem is None:
                continue  # the translator wrote it out (to inflect it): the page shows their words
            raise PlaceholderMismatch(problem)
        raise PlaceholderMismatch(f"<{name}> is missing; keep every placeholder of the source")
    return tokens
