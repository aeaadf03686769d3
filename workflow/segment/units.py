"""Segmentation: a parsed news item becomes translation units tied to the places they came from.

A block's content between block-level children is a *run* of text and inline elements. Runs are split
into sentences (never inside an open inline element); inline markup becomes numbered placeholders named
after the element; content that must not be translated becomes a self-closing placeholder; dates and
standalone country names become typed placeholders. Translatable attributes are units of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator, NamedTuple

from lxml import etree

from workflow.segment.countries import standalone_country
from workflow.segment.dates import dates_in, may_mention_date, precision_of_datetime
from workflow.segment.sentences import boundaries, ends_with_terminal, may_end_sentence
from workflow.segment.source import SourcePage

# Phrasing content that stays inside a unit as a placeholder.
INLINE_TAGS = frozenset("""
a abbr acronym b bdi bdo big blink button cite data del dfn em font i ins label mark nobr output q rb rp rt
rtc ruby s small span strike strong sub sup time tt u
""".split())
VOID_TAGS = frozenset("br img wbr input embed area".split())
# Never translated; inside a run they become <code1/>, elsewhere they are left as they are.
PROTECTED_TAGS = frozenset("""
code kbd var samp script style template svg math noscript iframe object video audio canvas select textarea
""".split())
# Elements whose whitespace is content.
VERBATIM_TAGS = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
TRANSLATABLE_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
_ATTRIBUTE_NAMES = frozenset((*TRANSLATABLE_ATTRIBUTES, "value"))
META_UNITS = {("name", "description"), ("property", "og:title"), ("property", "og:description"),
              ("name", "twitter:title"), ("name", "twitter:description"), ("property", "og:site_name"),
              ("name", "twitter:description"), ("property", "twitter:title"), ("property", "twitter:description")}
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


@lru_cache(maxsize=65536)  # a build counts every unit once per locale
def words_in(msgid: str) -> int:
    """Words of a msgid, placeholders not counted: the measure of translation progress."""
    return len(PLACEHOLDER_RE.sub(" ", msgid).split())
_TAG_NAME_RE = re.compile(r"[a-z][a-z0-9]*")

PAIRED = "paired"        # <a1>…</a1>: translator moves it, content is translated
VOID = "void"            # <br1/>, <img1/>
PROTECTED = "protected"  # <code1/>: kept exactly as in the source
DATE = "date"            # <date1/>: rendered in the target locale
COUNTRY = "country"      # <country1/>: rendered from CLDR in the target locale


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
        if self.kind == DATE:
            return f"<{name}/> = date {self.value} ({self.precision.replace('-', ', ')}), written for each language"
        if self.kind == COUNTRY:
            return f"<{name}/> = country name ({self.value}), written for each language"
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


def _protected_by_attributes(element: etree._Element, names: list[str]) -> bool:
    """translate="no" or class="notranslate"; `names` are the element's attribute names."""
    if "translate" in names and (element.get("translate") or "").strip().lower() == "no":
        return True
    return "class" in names and "notranslate" in (element.get("class") or "").split()


@lru_cache(maxsize=1024)
def _placeholder_base(tag: str) -> str:
    """The placeholder name for an element: its tag, or "span" for a tag that is not a plain name."""
    return tag if _TAG_NAME_RE.fullmatch(tag) else "span"


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


# Protected elements that sit inside running text; their content is never looked at.
INLINE_PROTECTED_TAGS = frozenset("code kbd var samp svg math script style".split())


def _has_block(element: etree._Element) -> bool:
    """True when a block-level element (or a comment) sits inside, not counting protected content."""
    for child in element:
        tag = _tag(child)
        if not tag:
            return True
        if tag in VOID_TAGS or tag in INLINE_PROTECTED_TAGS:
            continue
        if tag not in INLINE_TAGS or _has_block(child):
            return True
    return False


class _Segmenter:
    """Walks one page and collects runs, attribute slots and units."""

    def __init__(self, page: SourcePage, sentences: bool, abbreviations: frozenset[str]) -> None:
        self.page = page
        self.sentences = sentences
        self.abbreviations = abbreviations
        self.runs: list[Run] = []
        self.attributes: list[AttributeSlot] = []
        self.item_date = _item_date(page.tree)
        self.item_year = int(self.item_date[:4]) if self.item_date else None

    # ---------------------------------------------------------------- tree walk

    def walk(self, element: etree._Element, verbatim: bool = False, active: bool = True) -> None:
        """Collect runs and attributes below `element`; inactive parts are only searched for slots."""
        tag = element.tag
        if not isinstance(tag, str) or tag in PROTECTED_TAGS:
            return
        # One call for the attribute names; most elements have none, and then no lookup is needed at all.
        names = element.keys()
        if names and _protected_by_attributes(element, names):
            return
        if not (active or tag == "head" or "data-slot" in names):
            for child in element:
                self.walk(child, verbatim, False)
            return
        if names:
            self.collect_attributes(element, tag, names)
        verbatim = verbatim or tag in VERBATIM_TAGS
        run_nodes: list[etree._Element] = []
        before: etree._Element | None = None
        for child in element:
            # Inline: phrasing content with no block-level element inside. Comments and processing
            # instructions (no string tag) separate runs, so they stay where they are.
            child_tag = child.tag
            if isinstance(child_tag, str) and (child_tag in VOID_TAGS or child_tag in INLINE_PROTECTED_TAGS or (
                    child_tag in INLINE_TAGS and not _has_block(child))):
                run_nodes.append(child)
                continue
            leading = element.text if before is None else before.tail
            if run_nodes or (leading and not leading.isspace()):
                self.add_run(element, before, leading, run_nodes, verbatim)
                run_nodes = []
            self.walk(child, verbatim)
            before = child
        leading = element.text if before is None else before.tail
        if run_nodes or (leading and not leading.isspace()):
            self.add_run(element, before, leading, run_nodes, verbatim)

    def collect_attributes(self, element: etree._Element, tag: str, names: list[str]) -> None:
        if tag == "meta":
            for key in ("name", "property"):
                if (key, (element.get(key) or "").lower()) in META_UNITS and element.get("content"):
                    self.add_attribute(element, "content", f"meta {element.get(key)}")
            return
        if not _ATTRIBUTE_NAMES.isdisjoint(names):
            for attribute in TRANSLATABLE_ATTRIBUTES:
                if element.get(attribute):
                    self.add_attribute(element, attribute, f"{tag} {attribute}")
            if tag == "input" and (element.get("type") or "").lower() in ("submit", "button", "reset") \
                    and element.get("value"):
                self.add_attribute(element, "value", "input value")

    def add_attribute(self, element: etree._Element, attribute: str, kind: str) -> None:
        value = element.get(attribute) or ""
        stripped = value.strip()
        if not stripped:
            return
        leading = value[: len(value) - len(value.lstrip())]
        trailing = value[len(value.rstrip()):]
        token = text_token(stripped)
        segment = Segment(collapse_whitespace(stripped), (token,), {}, element.sourceline or 0, False,
                          _has_letter(stripped))
        self.attributes.append(AttributeSlot(element, attribute, leading, trailing, segment, kind))

    # ---------------------------------------------------------------- runs

    def add_run(self, parent: etree._Element, before: etree._Element | None, leading: str | None,
                nodes: list[etree._Element], verbatim: bool) -> None:
        """`leading` is the text before the run's first node (parent.text, or the tail of `before`)."""
        if not (leading and leading.strip()) and not nodes:
            return
        tokens: list[Token] = []
        self.text_tokens(leading or "", tokens)
        for node in nodes:
            self.node_tokens(node, tokens)
            self.text_tokens(node.tail or "", tokens)
        # Leading text that is not all whitespace is content; otherwise look for any (a whitespace-only
        # element is not).
        if not (leading and not leading.isspace()) and not any(t.kind != "text" or t.text.strip() for t in tokens):
            return
        tokens = self.standalone_country(tokens)
        line = self.run_line(parent, before, nodes, leading or "")
        pieces = self.split(tokens, line, verbatim)
        self.runs.append(_tuple_new(Run, (parent, before, tuple(nodes), tuple(pieces), _tag(parent))))

    def run_line(self, parent: etree._Element, before: etree._Element | None,
                 nodes: list[etree._Element], leading: str) -> int:
        if nodes and nodes[0].sourceline:
            return max(1, nodes[0].sourceline - leading.count("\n"))
        if before is None:
            return parent.sourceline or 1
        return before.sourceline or parent.sourceline or 1

    def text_tokens(self, text: str, tokens: list[Token]) -> None:
        if not text:
            return
        if not may_mention_date(text):  # most text: one token, no date search
            tokens.append(text_token(text))
            return
        position = 0
        for mention in dates_in(text, self.item_year):
            if mention.start > position:
                tokens.append(text_token(text[position: mention.start]))
            placeholder = _tuple_new(Placeholder, ("date", DATE, None, mention.text, mention.iso, mention.precision))
            tokens.append(placeholder_token("void", placeholder))
            position = mention.end
        if position < len(text):
            tokens.append(text_token(text[position:]))

    def node_tokens(self, node: etree._Element, tokens: list[Token]) -> None:
        tag = _tag(node)
        # One call lists the attribute names; most inline elements have one (href) or none.
        names = node.keys()
        protected = tag in PROTECTED_TAGS or bool(names) and _protected_by_attributes(node, names)
        if names:
            if not protected:
                self.collect_attributes(node, tag, names)
            datetime = (node.get("datetime") or "") if tag == "time" and "datetime" in names else ""
            precision = precision_of_datetime(datetime) if datetime else None
            if precision:
                placeholder = Placeholder("date", DATE, element=node, value=datetime[:10].lstrip("-"),
                                          precision=precision)
                tokens.append(placeholder_token("void", placeholder))
                return
            if "data-country" in names and node.get("data-country"):
                placeholder = Placeholder("country", COUNTRY, element=node,
                                          value=node.get("data-country", "").upper())
                tokens.append(placeholder_token("void", placeholder))
                return
        base = _placeholder_base(tag)
        if protected:
            tokens.append(placeholder_token("void", _tuple_new(Placeholder, (base, PROTECTED, node, "", "", ""))))
            return
        if tag in VOID_TAGS:
            tokens.append(placeholder_token("void", _tuple_new(Placeholder, (base, VOID, node, "", "", ""))))
            return
        placeholder = _tuple_new(Placeholder, (base, PAIRED, node, "", "", ""))
        tokens.append(placeholder_token("open", placeholder))
        inner: list[Token] = []
        self.text_tokens(node.text or "", inner)
        for child in node:
            self.node_tokens(child, inner)
            self.text_tokens(child.tail or "", inner)
        tokens.extend(self.standalone_country(inner))
        tokens.append(placeholder_token("close", placeholder))

    def standalone_country(self, tokens: list[Token]) -> list[Token]:
        """A country that stands alone in its element becomes <country1/>; in a sentence it stays text."""
        if len(tokens) != 1 or tokens[0].kind != "text":
            return tokens
        text = tokens[0].text
        code = standalone_country(text)
        if code is None:
            return tokens
        stripped = text.strip()
        start = text.index(stripped)
        result = [text_token(text[:start])] if start else []
        placeholder = _tuple_new(Placeholder, ("country", COUNTRY, None, stripped, code, ""))
        result.append(placeholder_token("void", placeholder))
        if text[start + len(stripped):]:
            result.append(text_token(text[start + len(stripped):]))
        return result

    # ---------------------------------------------------------------- sentences

    def split(self, tokens: list[Token], line: int, verbatim: bool) -> list[str | Segment]:
        """Cut the run into sentences; whitespace around and between them stays in the page."""
        groups: list[list[Token]] = [tokens]
        if self.sentences and not verbatim and _may_split(tokens):
            joined, allowed, after_closing, offsets = _flatten(tokens)
            cuts = boundaries(joined, allowed, self.abbreviations, after_closing)
            if cuts:
                groups = _cut_groups(tokens, offsets, cuts)
        pieces: list[str | Segment] = []
        last = len(groups) - 1
        for number, group in enumerate(groups):
            leading, core, trailing = _strip_group(group)
            if leading:
                pieces.append(leading)
            if core:
                pieces.append(_segment(core, line, verbatim))
            if trailing:
                pieces.append(trailing)
            if number < last:  # placeholder tokens have no text
                line += "".join([t.text for t in group]).count("\n")
        return pieces


def _may_split(tokens: list[Token]) -> bool:
    """Cheap test: could a sentence end in this run, inside a text or where an inline element closes?"""
    previous_kind = previous_text = ""
    for kind, text, _ in tokens:
        if kind == "text":
            if may_end_sentence(text):
                return True
        elif kind == "close" and previous_kind == "text" and ends_with_terminal(previous_text):
            return True
        previous_kind, previous_text = kind, text
    return False


def _flatten(tokens: list[Token]) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, int]], list[int]]:
    """The run as one string (placeholders as "<p>"), its depth-0 text spans, those of them that follow
    inline elements closing right after text (with where that text ends), and each token's offset."""
    parts: list[str] = []
    allowed: list[tuple[int, int]] = []
    after_closing: list[tuple[int, int, int]] = []
    offsets: list[int] = []
    position = 0
    depth = 0
    closing_from: int | None = None  # where the text before a row of closing placeholders ends
    previous = ""
    for kind, text, _ in tokens:
        offsets.append(position)
        if kind == "text":
            if depth == 0:
                allowed.append((position, position + len(text)))
                if closing_from is not None:
                    after_closing.append((closing_from, position, position + len(text)))
            closing_from = None
        else:
            text = "<p>"
            if kind == "close":
                if previous == "text":
                    closing_from = position
                depth -= 1
            else:
                closing_from = None
                depth += 1 if kind == "open" else 0
        previous = kind
        parts.append(text)
        position += len(text)
    return "".join(parts), allowed, after_closing, offsets


def _cut_groups(tokens: list[Token], offsets: list[int], cuts: list[tuple[int, int]]) -> list[list[Token]]:
    """The run's tokens as one group per sentence; the whitespace between two sentences opens the next group
    (its leading whitespace, which stays in the page)."""
    current: list[Token] = []
    groups = [current]
    cut_index, cut_count = 0, len(cuts)
    for token, offset in zip(tokens, offsets):
        if cut_index == cut_count or token.kind != "text":
            current.append(token)
            continue
        text = token.text
        position = 0
        while cut_index < cut_count and offset + position <= cuts[cut_index][0] <= offset + len(text):
            end, gap_end = cuts[cut_index]
            local_end, local_gap = end - offset, gap_end - offset
            if local_end > position:
                current.append(text_token(text[position:local_end]))
            current = []
            groups.append(current)
            if local_gap > local_end:
                current.append(text_token(text[local_end:local_gap]))
            position = local_gap
            cut_index += 1
        if position < len(text):
            current.append(text_token(text[position:]))
    return groups


def _strip_group(group: list[Token]) -> tuple[str, list[Token], str]:
    """Split leading and trailing whitespace off a token group."""
    if not group:
        return "", group, ""
    first, final = group[0], group[-1]
    if (first.kind != "text" or (first.text and not first.text[0].isspace())) \
            and (final.kind != "text" or (final.text and not final.text[-1].isspace())):
        return "", group, ""  # the usual case: nothing to move
    tokens = list(group)
    leading = trailing = ""
    while tokens and tokens[0].kind == "text" and not tokens[0].text.strip():
        leading += tokens.pop(0).text
    while tokens and tokens[-1].kind == "text" and not tokens[-1].text.strip():
        trailing = tokens.pop().text + trailing
    if tokens and tokens[0].kind == "text":
        text = tokens[0].text
        stripped = text.lstrip()
        leading += text[: len(text) - len(stripped)]
        tokens[0] = text_token(stripped)
    if tokens and tokens[-1].kind == "text":
        text = tokens[-1].text
        stripped = text.rstrip()
        trailing = text[len(stripped):] + trailing
        tokens[-1] = text_token(stripped)
    return leading, tokens, trailing


def _segment(tokens: list[Token], line: int, verbatim: bool) -> Segment:
    """Number the placeholders within the segment and write its msgid."""
    counters: dict[str, int] = {}
    assigned: dict[Placeholder, str] = {}
    names: dict[str, Placeholder] = {}
    parts: list[str] = []
    letters = False  # whether any text has a letter: a segment of only placeholders and digits is not a unit
    for kind, text, placeholder in tokens:
        if kind == "text":
            parts.append(text)
            letters = letters or _has_letter(text)
            continue
        assert placeholder is not None
        name = assigned.get(placeholder)  # placeholders hash by identity
        if name is None:
            base = placeholder.base
            number = counters[base] = counters.get(base, 0) + 1
            name = assigned[placeholder] = f"{base}{number}"
            names[name] = placeholder
        parts.append(f"<{name}>" if kind == "open" else f"</{name}>" if kind == "close" else f"<{name}/>")
    msgid = "".join(parts)
    if not verbatim:  # placeholders hold no whitespace, so the whole msgid can be collapsed at once
        msgid = collapse_whitespace(msgid)
    return _tuple_new(Segment, (msgid, tuple(tokens), names, line, verbatim, letters))


_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")


def _has_letter(text: str) -> bool:
    if text.isascii():
        return _ASCII_LETTER_RE.search(text) is not None
    return any(c.isalpha() for c in text)


def _item_date(tree: etree._ElementTree) -> str | None:
    """The item's date: the first <time datetime> in the page, or its publication meta tag."""
    for element in tree.iter("time"):
        value = element.get("datetime") or ""
        if re.match(r"\d{4}-\d{2}-\d{2}", value):
            return value[:10]
    for element in tree.iter("meta"):
        if (element.get("property") or element.get("name") or "") in ("article:published_time", "date"):
            value = element.get("content") or ""
            if re.match(r"\d{4}-\d{2}-\d{2}", value):
                return value[:10]
    return None


def has_slots(page: SourcePage) -> bool:
    """True when the page marks the parts a site layout takes from it (data-slot)."""
    return "data-slot" in page.text and any(True for _ in page.tree.iterfind(".//*[@data-slot]"))


def segment_page(page: SourcePage, segmentation: str = "sentence", abbreviations: frozenset[str] = frozenset(),
                 slots_only: bool = False, with_units: bool = True) -> Segmentation:
    """Find every run, attribute and unit of a page; the tree is only read.

    With `slots_only`, only <head> and the data-slot parts count: the rest of an item's file is context for
    its authors, and the site layout supplies what surrounds the slots on the published page. Without
    `with_units`, the catalog's view (units with their notes) is left out: a build reads segments only.
    """
    walker = _Segmenter(page, segmentation == "sentence", abbreviations)
    root = page.tree.getroot()
    walker.walk(root, active=not slots_only)
    units = tuple(_units(walker.runs, walker.attributes, page)) if with_units else ()
    return Segmentation(page, tuple(walker.runs), tuple(walker.attributes), walker.item_date, units)


def segments_of(segmentation: Segmentation) -> Iterator[tuple[Segment, str, str | None]]:
    """Every segment in document order with its element kind and msgctxt."""
    items: list[tuple[int, int, Segment, str, str | None]] = []
    order = 0
    # Most pages never ask for a msgctxt; then no ancestor walk is needed.
    contexts = "data-msgctxt" in segmentation.page.text
    for run in segmentation.runs:
        context = context_of(run.parent) if contexts else None
        for piece in run.pieces:
            if isinstance(piece, Segment):
                items.append((piece.line, order, piece, run.kind, context))
                order += 1
    for slot in segmentation.attributes:
        items.append((slot.segment.line, order, slot.segment, slot.kind,
                      context_of(slot.element) if contexts else None))
        order += 1
    # By line, then document order; `order` is unique, so the comparison never reaches the segments.
    items.sort()
    for _, _, segment, kind, context in items:
        yield segment, kind, context


def context_of(element: etree._Element) -> str | None:
    """msgctxt only where the source asks for it with data-msgctxt on the element or an ancestor."""
    for node in (element, *element.iterancestors()):
        if node.get("data-msgctxt"):
            return node.get("data-msgctxt")
    return None


def _units(runs: list[Run], attributes: list[AttributeSlot], page: SourcePage) -> Iterator[Unit]:
    segmentation = Segmentation(page, tuple(runs), tuple(attributes), None)
    for segment, kind, context in segments_of(segmentation):
        if not segment.translatable:
            continue
        legend = tuple(p.legend(name) for name, p in segment.names.items())
        yield _tuple_new(Unit, (segment.msgid, context, segment.line, kind, legend))
