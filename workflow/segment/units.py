"""Segmentation: a parsed news item becomes translation units tied to the places they came from.

A block's content between block-level children is a *run* of text and inline elements. Runs are split
into sentences (never inside an open inline element); inline markup becomes numbered placeholders named
after the element; content that must not be translated becomes a self-closing placeholder; dates and
standalone country names become typed placeholders. Translatable attributes are units of their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Iterator, NamedTuple

from lxml import etree

from workflow.segment.addresses import addresses_in, may_mention_address
from workflow.segment.countries import standalone_country
from workflow.segment.dates import DATE_TIME, dates_in, may_mention_date, precision_of_datetime
from workflow.segment.records import (
    ADDRESS,
    COUNTRY,
    DATE,
    PAIRED,
    PROTECTED,
    VOID,
    AttributeSlot,
    Placeholder,
    Run,
    Segment,
    Segmentation,
    Token,
    Unit,
    collapse_whitespace,
    placeholder_token,
    text_token,
)
from workflow.segment.source import SourcePage
from workflow.segment.splitting import has_letter, split_run

_tuple_new = tuple.__new__

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
_TAG_NAME_RE = re.compile(r"[a-z][a-z0-9]*")

class Protection(NamedTuple):
    """What a page keeps as it is, besides translate="no": elements by tag name (the ones that are never prose,
    and those the settings add, `<pre>` by default), elements by class (`notranslate` and the settings'), and,
    when `language` is set, elements whose lang names another language than the source's."""

    tags: frozenset[str]
    classes: frozenset[str]
    language: str | None


DEFAULT_PROTECTION = Protection(PROTECTED_TAGS | {"pre"}, frozenset({"notranslate"}), None)
# The document's own language declaration is not a quotation in another language.
_DOCUMENT_TAGS = frozenset({"html", "head", "body"})


def _protected_by_attributes(element: etree._Element, names: list[str], protection: Protection) -> bool:
    """translate="no", a protected class, or a lang of another language; `names` are the attribute names."""
    if "translate" in names and (element.get("translate") or "").strip().lower() == "no":
        return True
    if "class" in names and not protection.classes.isdisjoint((element.get("class") or "").split()):
        return True
    if protection.language is not None and ("lang" in names or "xml:lang" in names):
        lang = (element.get("lang") or element.get("xml:lang") or "").strip()
        return bool(lang) and lang.split("-")[0].lower() != protection.language and element.tag not in _DOCUMENT_TAGS
    return False


def is_protected(element: etree._Element, protection: Protection) -> bool:
    """True when the element and everything in it is kept as it is."""
    tag = element.tag
    if not isinstance(tag, str):
        return False
    names = element.keys()
    return tag in protection.tags or bool(names) and _protected_by_attributes(element, names, protection)


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


class _AttributeSlots:
    """The translatable attributes of a page, as the segmenter and its tokenizer meet them. A list of its own,
    shared by both: were the tokenizer to call back into the segmenter, the two would hold each other, and
    every page's tree and segments would wait for the cycle collector instead of going when the last
    reference does (a few hundred items' trees at a time, with the thresholds the CLI sets)."""

    def __init__(self) -> None:
        self.slots: list[AttributeSlot] = []

    def collect(self, element: etree._Element, tag: str, names: list[str]) -> None:
        if tag == "meta":
            for key in ("name", "property"):
                if (key, (element.get(key) or "").lower()) in META_UNITS and element.get("content"):
                    self.add(element, "content", f"meta {element.get(key)}")
            return
        if not _ATTRIBUTE_NAMES.isdisjoint(names):
            for attribute in TRANSLATABLE_ATTRIBUTES:
                if element.get(attribute):
                    self.add(element, attribute, f"{tag} {attribute}")
            if tag == "input" and (element.get("type") or "").lower() in ("submit", "button", "reset") \
                    and element.get("value"):
                self.add(element, "value", "input value")

    def add(self, element: etree._Element, attribute: str, kind: str) -> None:
        value = element.get(attribute) or ""
        stripped = value.strip()
        if not stripped:
            return
        leading = value[: len(value) - len(value.lstrip())]
        trailing = value[len(value.rstrip()):]
        token = text_token(stripped)
        segment = Segment(collapse_whitespace(stripped), (token,), {}, element.sourceline or 0, False,
                          has_letter(stripped))
        self.slots.append(AttributeSlot(element, attribute, leading, trailing, segment, kind))


class _Segmenter:
    """Walks one page and collects its runs and attribute slots."""

    def __init__(self, page: SourcePage, sentences: bool, abbreviations: frozenset[str],
                 protection: Protection) -> None:
        self.page = page
        self.sentences = sentences
        self.abbreviations = abbreviations
        self.protection = protection
        self.runs: list[Run] = []
        self.attributes = _AttributeSlots()
        self.item_date = _item_date(page.tree)
        self.tokenizer = _Tokenizer(int(self.item_date[:4]) if self.item_date else None, self.attributes.collect,
                                    protection)

    def walk(self, element: etree._Element, verbatim: bool = False, active: bool = True) -> None:
        """Collect runs and attributes below `element`; inactive parts are only searched for slots."""
        tag = element.tag
        if not isinstance(tag, str) or tag in self.protection.tags:
            return
        # One call for the attribute names; most elements have none, and then no lookup is needed at all.
        names = element.keys()
        if names and _protected_by_attributes(element, names, self.protection):
            return
        if not (active or tag == "head" or "data-slot" in names):
            for child in element:
                self.walk(child, verbatim, False)
            return
        if names:
            self.attributes.collect(element, tag, names)
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

    def add_run(self, parent: etree._Element, before: etree._Element | None, leading: str | None,
                nodes: list[etree._Element], verbatim: bool) -> None:
        """`leading` is the text before the run's first node (parent.text, or the tail of `before`)."""
        if not (leading and leading.strip()) and not nodes:
            return
        tokens = self.tokenizer.run_tokens(leading or "", nodes)
        # Leading text that is not all whitespace is content; otherwise look for any (a whitespace-only
        # element is not).
        if not (leading and not leading.isspace()) and not any(t.kind != "text" or t.text.strip() for t in tokens):
            return
        tokens = self.tokenizer.standalone_country(tokens)
        line = self.run_line(parent, before, nodes, leading or "")
        pieces = split_run(tokens, line, verbatim, self.sentences, self.abbreviations)
        self.runs.append(_tuple_new(Run, (parent, before, tuple(nodes), tuple(pieces), _tag(parent))))

    def run_line(self, parent: etree._Element, before: etree._Element | None,
                 nodes: list[etree._Element], leading: str) -> int:
        if nodes and nodes[0].sourceline:
            return max(1, nodes[0].sourceline - leading.count("\n"))
        if before is None:
            return parent.sourceline or 1
        return before.sourceline or parent.sourceline or 1



class _Tokenizer:
    """Turns a run's text and inline elements into tokens: text, placeholders, typed dates and countries."""

    def __init__(self, item_year: int | None,
                 collect_attributes: Callable[[etree._Element, str, list[str]], None],
                 protection: Protection = DEFAULT_PROTECTION) -> None:
        self.item_year = item_year  # the year of a bare day and month
        self.protection = protection
        # Inline elements hold translatable attributes too (a link's title): the segmenter collects them.
        self.collect_attributes = collect_attributes

    def run_tokens(self, leading: str, nodes: list[etree._Element]) -> list[Token]:
        """The tokens of a run: the text before its first node, then each node and the text after it."""
        tokens: list[Token] = []
        self.text_tokens(leading, tokens)
        for node in nodes:
            self.node_tokens(node, tokens)
            self.text_tokens(node.tail or "", tokens)
        return tokens

    def text_tokens(self, text: str, tokens: list[Token]) -> None:
        if not text:
            return
        dated, addressed = may_mention_date(text), may_mention_address(text)
        if not (dated or addressed):  # most text: one token, no search
            tokens.append(text_token(text))
            return
        # Addresses first: a date never sits inside one, and "May 2025" in a URL is the URL's.
        mentions: list[tuple[int, int, Placeholder]] = [
            (found.start, found.end, _tuple_new(Placeholder, (found.kind, ADDRESS, None, found.text, found.text, "")))
            for found in (addresses_in(text) if addressed else ())]
        for mention in dates_in(text, self.item_year) if dated else ():
            if not any(start < mention.end and mention.start < end for start, end, _ in mentions):
                mentions.append((mention.start, mention.end, _tuple_new(
                    Placeholder, ("date", DATE, None, mention.text, mention.iso, mention.precision))))
        position = 0
        for start, end, placeholder in sorted(mentions, key=lambda mention: mention[0]):
            if start > position:
                tokens.append(text_token(text[position:start]))
            tokens.append(placeholder_token("void", placeholder))
            position = end
        if position < len(text):
            tokens.append(text_token(text[position:]))

    def node_tokens(self, node: etree._Element, tokens: list[Token]) -> None:
        tag = _tag(node)
        # One call lists the attribute names; most inline elements have one (href) or none.
        names = node.keys()
        protected = tag in self.protection.tags or bool(names) and _protected_by_attributes(node, names,
                                                                                             self.protection)
        if names:
            if not protected:
                self.collect_attributes(node, tag, names)
            datetime = (node.get("datetime") or "") if tag == "time" and "datetime" in names else ""
            precision = precision_of_datetime(datetime) if datetime else None
            if precision:
                value = datetime if precision == DATE_TIME else datetime[:10].lstrip("-")
                placeholder = Placeholder("date", DATE, element=node, value=value, precision=precision)
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


def has_slots(page: SourcePage, mapped: bool = False) -> bool:
    """True when the page marks the parts a site layout takes from it (data-slot: written, or `mapped` by the
    settings' selectors, when the text need not say so)."""
    return (mapped or "data-slot" in page.text) and any(True for _ in page.tree.iterfind(".//*[@data-slot]"))


def segment_page(page: SourcePage, segmentation: str = "sentence", abbreviations: frozenset[str] = frozenset(),
                 slots_only: bool = False, with_units: bool = True,
                 protection: Protection = DEFAULT_PROTECTION) -> Segmentation:
    """Find every run, attribute and unit of a page; the tree is only read.

    With `slots_only`, only <head> and the data-slot parts count: the rest of an item's file is context for
    its authors, and the site layout supplies what surrounds the slots on the published page. Without
    `with_units`, the catalog's view (units with their notes) is left out: a build reads segments only.
    """
    walker = _Segmenter(page, segmentation == "sentence", abbreviations, protection)
    root = page.tree.getroot()
    walker.walk(root, active=not slots_only)
    units = tuple(_units(walker.runs, walker.attributes.slots, page)) if with_units else ()
    return Segmentation(page, tuple(walker.runs), tuple(walker.attributes.slots), walker.item_date, units)


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
