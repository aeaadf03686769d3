"""The records a page is cut into: placeholders, tokens, segments, runs, attribute slots and units.

Every stage reads them: extraction writes units into templates, the build puts segments back into pages,
drafts and checks read msgids through the placeholder syntax defined here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from lxml import etree

if TYPE_CHECKING:
    from workflow.segment.source import SourcePage

PLACEHOLDER_NAMES = {"a": "link", "em": "emphasis", "strong": "strong emphasis", "b": "bold", "i": "italic",
                     "br": "line break", "img": "image", "span": "inline span", "abbr": "abbreviation",
                     "q": "quotation", "sup": "superscript", "sub": "subscript", "cite": "title of a work",
                     "time": "time", "mark": "highlight", "small": "small print", "u": "underline",
                     "code": "code", "kbd": "keyboard input", "var": "variable", "samp": "sample output",
                     "script": "script", "style": "style sheet", "svg": "image", "math": "formula",
                     "wbr": "optional line break", "input": "form field", "ruby": "ruby annotation",
                     "rt": "ruby text", "rp": "ruby parenthesis", "button": "button", "label": "label",
                     "bdi": "isolated text", "bdo": "text direction", "dfn": "definition",
                     "del": "deleted text", "ins": "inserted text", "s": "struck text", "data": "data"}

# HTML whitespace that is not already a single space: replacing only these runs with " " collapses
# whitespace without rewriting every ordinary space (most text has nothing to change).
_WS_RE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")


def collapse_whitespace(text: str) -> str:
    """Runs of HTML whitespace as single spaces (as a reader sees them)."""
    # Substring tests are an order of magnitude faster than the regular expression's search, and most
    # text has nothing to collapse.
    if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text:
        return _WS_RE.sub(" ", text)
    return text


# Any placeholder as a msgid writes it: <a1>, </a1>, <date1/>.
PLACEHOLDER_RE = re.compile(r"</?[a-z][a-z0-9]*[0-9]+/?>")


@lru_cache(maxsize=4096)  # a build counts every unit once per locale (an item's worth is enough)
def words_in(msgid: str) -> int:
    """Words of a msgid, placeholders not counted: the measure of translation progress."""
    return len(PLACEHOLDER_RE.sub(" ", msgid).split())

PAIRED = "paired"        # <a1>…</a1>: translator moves it, content is translated
VOID = "void"            # <br1/>, <img1/>
PROTECTED = "protected"  # <code1/>: kept exactly as in the source
DATE = "date"            # <date1/>: rendered in the target locale
COUNTRY = "country"      # <country1/>: rendered from CLDR in the target locale
ADDRESS = "address"      # <email1/>, <url1/>: an address in the text, written as the source has it


class Placeholder(NamedTuple):
    """What a placeholder stands for: the source element or text, and typed values for dates and countries.

    This and the other records a page is cut into (Segment, Run, Unit) are named tuples, not frozen
    dataclasses: a page makes hundreds of them, and a tuple is built several times faster.
    """

    base: str                      # "a", "em", "date", "country", "code"
    kind: str
    element: etree._Element | None = None
    text: str = ""                 # the source text a date or country placeholder replaced
    value: str = ""                # ISO date or ISO country code
    precision: str = ""            # date precision: day-month, day-month-year, month-year

    # Compared and hashed by identity, like the elements they stand for: two <br> elements are two
    # placeholders, and caches keyed on one must not mistake it for a lookalike.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def legend(self, name: str) -> str:
        """One line of the placeholder legend in the unit's notes."""
        if self.kind == PAIRED:
            what = PLACEHOLDER_NAMES.get(self.base, f"<{self.base}> element")
            return f"<{name}>…</{name}> = {what}"
        if self.kind == DATE and self.precision == "date-time":
            return f"<{name}/> = date and time {self.value}, written for each language"
        if self.kind == DATE:
            return (f"<{name}/> = date {self.value} ({self.precision.replace('-', ', ')}), written for each language; "
                    "you may write it out instead, to inflect it")
        if self.kind == COUNTRY:
            return (f"<{name}/> = country name ({self.value}), written for each language; "
                    "you may write it out instead, to inflect it")
        if self.kind == ADDRESS:
            what = "e-mail address" if self.base == "email" else "web address"
            return f"<{name}/> = {what} {self.text}, kept as it is"
        if self.kind == PROTECTED:
            content = _WS_RE.sub(" ", "".join(self.element.itertext())).strip() if self.element is not None else ""
            if len(content) > 60:
                content = content[:57] + "…"
            what = PLACEHOLDER_NAMES.get(self.base, f"<{self.base}> element")
            shown = f' "{content}"' if content else ""
            return f"<{name}/> = {what}{shown}, not translated; keep it"
        return f"<{name}/> = {PLACEHOLDER_NAMES.get(self.base, self.base)}"


class Token(NamedTuple):
    """A piece of a run: text, or the opening, closing or self-closing form of a placeholder.

    A named tuple rather than a dataclass: pages have thousands and frozen dataclasses are slow to build.
    """

    kind: str                        # "text", "open", "close", "void"
    text: str = ""
    placeholder: Placeholder | None = None


_tuple_new = tuple.__new__


def text_token(text: str) -> Token:
    """A text token, built without the named tuple's keyword handling (a page makes hundreds)."""
    return _tuple_new(Token, ("text", text, None))


def placeholder_token(kind: str, placeholder: Placeholder) -> Token:
    """An "open", "close" or "void" token of a placeholder, built the same quick way."""
    return _tuple_new(Token, (kind, "", placeholder))


class Segment(NamedTuple):
    """One sentence (or block) of a run: its msgid, the source tokens, and its placeholders by name."""

    msgid: str
    tokens: tuple[Token, ...]
    names: dict[str, Placeholder]     # segment-local name ("a1") → placeholder
    line: int
    verbatim: bool
    # False when the segment is only placeholders, digits and punctuation: nothing to translate.
    translatable: bool

    # Compared and hashed by identity: each stands for one place in one page (see Placeholder).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class Run(NamedTuple):
    """Text and inline elements between two block-level children of `parent`."""

    parent: etree._Element
    before: etree._Element | None    # the block child the run follows; None when it starts at parent.text
    nodes: tuple[etree._Element, ...]  # the inline children it spans
    pieces: tuple[str | Segment, ...]  # whitespace kept as it was, and the segments between it
    kind: str

    # Compared and hashed by identity: each stands for one place in one page (see Placeholder).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class AttributeSlot(NamedTuple):
    """A translatable attribute: its element, name, and the unit it holds."""

    element: etree._Element
    attribute: str
    leading: str
    trailing: str
    segment: Segment
    kind: str

    # Compared and hashed by identity: each stands for one place in one page (see Placeholder).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class Unit(NamedTuple):
    """A translation unit as the catalog sees it."""

    msgid: str
    msgctxt: str | None
    line: int
    kind: str
    legend: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Segmentation:
    """Everything extraction found in one page, bound to the page's tree so it can be put back."""

    page: SourcePage
    runs: tuple[Run, ...]
    attributes: tuple[AttributeSlot, ...]
    item_date: str | None
    units: tuple[Unit, ...] = field(default=())
    # When bound to a copy of the page's tree: source element → its copy (placeholders point at sources).
    twins: dict[etree._Element, etree._Element] = field(default_factory=dict)
