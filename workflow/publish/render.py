"""Putting units back into a page: a translation is text plus placeholders, never HTML.

Only the placeholder names of the unit's own source are recognised; anything else that looks like
markup stays literal text, which lxml escapes on output, so a msgstr cannot inject an element.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from workflow.segment import (
    COUNTRY,
    DATE,
    AttributeSlot,
    Placeholder,
    PlaceholderMismatch,
    Run,
    Segment,
    Segmentation,
    Token,
    context_of,
    parse_translation,
    unfit_character,
)


class Fallback(NamedTuple):
    """A unit whose translation was not used, and why.

    This and the other small records of a build (Rendered and Skeleton here; Translations in inputs,
    PageContext in page_builder, SiteFallback in building, Alternate in pages, AttributeSlot in
    segment.records) are named tuples: every command
    starts by importing them, and a frozen dataclass takes about half a millisecond to create, a named tuple
    a tenth of that."""

    msgid: str
    line: int
    reason: str


# Elements whose content is text only: a <span lang> cannot go inside them.
_TEXT_ONLY = frozenset({"title", "option", "textarea", "script", "style"})


# Returns the translation for a segment, or None to keep the source text.
Translate = Callable[[Segment, str | None], str | None]
# Renders a typed placeholder (date, country) for the target locale; None keeps the source form.
RenderTyped = Callable[[Placeholder], str | None]


def _source_typed(placeholder: Placeholder) -> str | None:
    return None


def _build(tokens: tuple[Token, ...] | list[Token], render_typed: RenderTyped,
           twins: dict[etree._Element, etree._Element]) -> list[str | etree._Element]:
    """Turn tokens into strings and fresh elements (copies of the elements in the tree being rendered)."""
    out: list[str | etree._Element] = []
    stack: list[tuple[etree._Element, list[str | etree._Element]]] = []
    current = out
    for token in tokens:
        if token.kind == "text":
            current.append(token.text)
            continue
        placeholder = token.placeholder
        assert placeholder is not None
        if token.kind == "open":
            assert placeholder.element is not None
            shell = _shell(twins.get(placeholder.element, placeholder.element))
            stack.append((shell, current))
            current = []
            continue
        if token.kind == "close":
            shell, parent_list = stack.pop()
            _fill(shell, current)
            current = parent_list
            current.append(shell)
            continue
        current.append(_typed(placeholder, render_typed, twins))
    return out


def _shell(element: etree._Element) -> etree._Element:
    """A copy of an element with its attributes but no content (attribute names like xml:lang survive)."""
    children = list(element)
    text, tail = element.text, element.tail
    for child in children:
        element.remove(child)
    element.text = element.tail = None
    try:
        return copy.copy(element)
    finally:
        element.text, element.tail = text, tail
        element.extend(children)


_TYPED = (DATE, COUNTRY)


def _typed_text(placeholder: Placeholder, render_typed: RenderTyped) -> str | None:
    """A date or country written for the locale; None keeps the source's form (and any other placeholder)."""
    return render_typed(placeholder) if placeholder.kind in _TYPED else None


def _set_content(element: etree._Element, text: str | None) -> None:
    """Replace an element's content by a typed placeholder's text; None leaves it as it is."""
    if text is not None:
        for child in list(element):
            element.remove(child)
        element.text = text


def _typed(placeholder: Placeholder, render_typed: RenderTyped,
           twins: dict[etree._Element, etree._Element]) -> str | etree._Element:
    rendered = _typed_text(placeholder, render_typed)
    if placeholder.element is None:
        return rendered if rendered is not None else placeholder.text
    # The twin in the rendered tree carries translated attributes (an image's alt, for instance).
    element = copy.deepcopy(twins.get(placeholder.element, placeholder.element))
    element.tail = None
    _set_content(element, rendered)
    return element


def _fill(parent: etree._Element, nodes: list[str | etree._Element]) -> None:
    """Set parent's text and children from a list of strings and elements."""
    parent.text = None
    last: etree._Element | None = None
    for node in nodes:
        if isinstance(node, str):
            if last is None:
                parent.text = (parent.text or "") + node
            else:
                last.tail = (last.tail or "") + node
        else:
            parent.append(node)
            last = node


def _segment_tokens(segment: Segment, translation: str | None, fallbacks: list[Fallback], locale: str | None = None
                    ) -> tuple[tuple[Token, ...], bool]:
    """The tokens to write for one segment and whether they are its translation.

    A segment with nothing to translate (a lone date or country) counts as translated, so its typed
    placeholders are written for the locale; text left in the source language keeps the source's dates and
    names with it.
    """
    used = translation is not None or not segment.translatable
    if translation is not None and translation != segment.msgid:
        try:
            return parse_translation(translation, segment, locale), used
        except PlaceholderMismatch as exc:
            fallbacks.append(Fallback(segment.msgid, segment.line, str(exc)))
            return segment.tokens, False
    return segment.tokens, used


def _in_source_order(tokens: tuple[Token, ...], segment: Segment) -> bool:
    """True when a translation keeps its placeholders in the source's order, so only texts change.

    Placeholders compare by identity: a translation's tokens hold the segment's own."""
    return tuple([(t.kind, t.placeholder) for t in tokens if t.kind != "text"]) == _source_order(segment)


@lru_cache(maxsize=4096)  # asked again for each locale's translation; segments hash by identity
def _source_order(segment: Segment) -> tuple[tuple[str, Placeholder | None], ...]:
    return tuple((t.kind, t.placeholder) for t in segment.tokens if t.kind != "text")


def _same_shape(tokens: tuple[Token, ...], segment: Segment) -> bool:
    return tokens is segment.tokens or not segment.names or _in_source_order(tokens, segment)


# Where a run's texts go when its elements stay as they are, in writing order: an element's text or tail,
# or the content of a typed placeholder's element (a <time> rewritten for the locale).
TEXT, TAIL, CONTENT = "text", "tail", "content"
Choice = tuple[str | Segment, tuple[Token, ...], bool]  # a run's piece, the tokens to write, whether translated


def _text_places(run: Run) -> tuple[tuple[etree._Element, str], ...]:
    """The places a run's texts go to (source elements), in the order `_run_texts` gives the texts.

    The same for every translation that keeps the source's placeholders in order (see `_in_place`)."""
    places = [(run.parent, TEXT) if run.before is None else (run.before, TAIL)]
    for piece in run.pieces:
        if isinstance(piece, str):
            continue
        for token in piece.tokens:
            placeholder = token.placeholder
            if placeholder is None or placeholder.element is None:
                continue
            if token.kind == "open":
                places.append((placeholder.element, TEXT))
                continue
            if placeholder.kind in (DATE, COUNTRY):
                places.append((placeholder.element, CONTENT))
            places.append((placeholder.element, TAIL))
    return tuple(places)


def _run_texts(chosen: list[Choice], render_typed: RenderTyped) -> list[str | None]:
    """The texts of a run written in place, one per `_text_places` entry; None for a typed element's content
    means the source's content stays."""
    texts: list[str | None] = []
    buffer: list[str] = []
    for piece, tokens, used in chosen:
        if isinstance(piece, str):
            buffer.append(piece)
            continue
        if not piece.names:  # text only
            buffer += [token.text for token in tokens]
            continue
        typed = render_typed if used else _source_typed
        for kind, text, placeholder in tokens:
            if kind == "text":
                buffer.append(text)
                continue
            assert placeholder is not None
            rendered = _typed_text(placeholder, typed)
            if placeholder.element is None:  # a date or country written in the text
                buffer.append(rendered if rendered is not None else placeholder.text)
                continue
            texts.append("".join(buffer) or None)
            buffer = []
            if kind != "open" and placeholder.kind in _TYPED:
                texts.append(rendered)
    texts.append("".join(buffer) or None)
    return texts


def _render_in_place(run: Run, chosen: list[Choice], render_typed: RenderTyped,
                     twins: dict[etree._Element, etree._Element]) -> None:
    """Write a run whose translations keep the source's placeholder order: the run's elements stay where they
    are and only the texts between them (and typed placeholders' contents) are replaced."""
    for (element, where), text in zip(_text_places(run), _run_texts(chosen, render_typed)):
        target = twins.get(element, element)
        if where == TEXT:
            target.text = text
        elif where == TAIL:
            target.tail = text
        else:
            _set_content(target, text)


def _choose(run: Run, translate: Translate, context: str | None, fallbacks: list[Fallback],
            locale: str | None = None) -> list[Choice]:
    """Each piece of a run with the tokens to write for it (see `_segment_tokens`)."""
    chosen: list[Choice] = []
    for piece in run.pieces:
        if isinstance(piece, str):
            chosen.append((piece, (), True))
        else:
            translation = translate(piece, context) if piece.translatable else None
            chosen.append((piece, *_segment_tokens(piece, translation, fallbacks, locale)))
    return chosen


def _in_place(chosen: list[Choice], source_lang: str | None) -> bool:
    """The common case, which needs no new elements: every sentence translated (or nothing to mark as the
    source language) and placeholders in the source's order."""
    for piece, tokens, used in chosen:
        if isinstance(piece, str):
            continue
        if not used and source_lang is not None or not _same_shape(tokens, piece):
            return False
    return True


def _render_run(run: Run, translate: Translate, context: str | None, render_typed: RenderTyped,
                fallbacks: list[Fallback], source_lang: str | None,
                twins: dict[etree._Element, etree._Element], locale: str | None = None) -> None:
    parent = run.parent
    chosen = _choose(run, translate, context, fallbacks, locale)
    if _in_place(chosen, source_lang):
        _render_in_place(run, chosen, render_typed, twins)
        return
    results: list[tuple[str | Segment, list[str | etree._Element], bool]] = []
    for piece, tokens, used in chosen:
        if isinstance(piece, str):
            results.append((piece, [piece], True))
        else:
            results.append((piece, _build(tokens, render_typed if used else _source_typed, twins), used))
    whole = run.before is None and len(parent) == len(run.nodes)  # the run is all of the parent's content
    untranslated = [r for r in results if isinstance(r[0], Segment) and not r[2]]
    nodes: list[str | etree._Element] = []
    if source_lang and untranslated and whole and len(untranslated) == sum(isinstance(r[0], Segment) for r in results):
        parent.set("lang", source_lang)  # all of it is in the source language: say so once
        source_lang = None
    for _piece, piece_nodes, used in results:
        if used or not source_lang or _tag_name(parent) in _TEXT_ONLY:
            nodes.extend(piece_nodes)
        else:
            wrapper = etree.Element("span", lang=source_lang)
            _fill(wrapper, piece_nodes)
            nodes.append(wrapper)
    for node in run.nodes:
        parent.remove(node)  # its tail goes with it: the run's text is rebuilt from the pieces
    index = 0 if run.before is None else parent.index(run.before) + 1
    leading = ""
    while nodes and isinstance(nodes[0], str):
        leading += nodes.pop(0)
    if run.before is None:
        parent.text = leading or None
    else:
        run.before.tail = leading or None
    last: etree._Element | None = None
    for node in nodes:
        if isinstance(node, str):
            assert last is not None
            last.tail = (last.tail or "") + node
        else:
            node.tail = None
            parent.insert(index, node)
            index += 1
            last = node


def _tag_name(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _attribute_value(slot: AttributeSlot, translate: Translate, context: str | None) -> str | None:
    """A translatable attribute's value for the locale; None keeps the source's."""
    translation = translate(slot.segment, context)
    if translation is None or translation == slot.segment.msgid or unfit_character(translation):
        return None  # (a character no page can hold: the decision reported it as the unit's fallback)
    return slot.leading + translation + slot.trailing


def _render_attribute(slot: AttributeSlot, translate: Translate, context: str | None) -> None:
    value = _attribute_value(slot, translate, context)
    if value is not None:
        slot.element.set(slot.attribute, value)  # plain text: lxml escapes it on output


class Rendered(NamedTuple):
    """The result of putting translations into a tree."""

    fallbacks: tuple[Fallback, ...]


def render(segmentation: Segmentation, translate: Translate, render_typed: RenderTyped = _source_typed,
           source_lang: str | None = None, locale: str | None = None) -> Rendered:
    """Replace every unit in the segmentation's tree by its translation.

    Attributes go first, because rebuilt inline elements copy the attributes of their source elements.
    With `source_lang`, text left in the source language (untranslated or fallen back) is marked with
    lang, on the element when all of it is, otherwise on a span around the sentence. With the target
    `locale`, a date a translation writes out in its own words stands while it says the source's date.
    """
    fallbacks: list[Fallback] = []
    contexts = "data-msgctxt" in segmentation.page.text
    for slot in segmentation.attributes:
        _render_attribute(slot, translate, context_of(slot.element) if contexts else None)
    for run in segmentation.runs:
        _render_run(run, translate, context_of(run.parent) if contexts else None, render_typed, fallbacks,
                    source_lang, segmentation.twins, locale)
    return Rendered(tuple(fallbacks))


@lru_cache(maxsize=64)  # an item is rebound once per locale; segmentations hash by identity
def _source_elements(segmentation: Segmentation) -> tuple[etree._Element, ...]:
    return tuple(segmentation.page.tree.getroot().iter())


def rebind(segmentation: Segmentation, root: etree._Element) -> Segmentation:
    """The same segmentation bound to a copy of its tree, so one parse serves every locale."""
    twins = dict(zip(_source_elements(segmentation), root.iter()))
    # Built field by field: dataclasses.replace() inspects the fields on every call, once per run per page.
    runs = tuple(Run(twins[run.parent], None if run.before is None else twins[run.before],
                     tuple([twins[node] for node in run.nodes]), run.pieces, run.kind) for run in segmentation.runs)
    attributes = tuple(AttributeSlot(twins[slot.element], slot.attribute, slot.leading, slot.trailing, slot.segment,
                                     slot.kind) for slot in segmentation.attributes)
    return replace(segmentation, runs=runs, attributes=attributes, twins=twins)


# ------------------------------------------------------------------------------------------ page skeletons

# A page whose translations all keep the source's elements differs from locale to locale only in its texts and
# translatable attribute values. Its skeleton is a copy of the tree with a marker in each of those places,
# assembled and serialized like any page; a locale's page is then the serialized skeleton with each marker
# replaced by the locale's text, escaped as lxml's HTML serializer escapes it there (learnt from the serializer
# itself, see `_html_escapes`; the tests compare the two ways on hostile strings and real articles). Markers
# are private-use characters around the slot's number and a nonce drawn for each process, which no source or
# translation can know.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_NONCE = os.urandom(6).hex()
_MARKERS = re.compile(f"{_MARK_OPEN}{_NONCE}([0-9]+){_MARK_CLOSE}")
# Block markers stand for content folded out of the skeleton (see `Skeleton.folded`); from `_SHARED` on, for
# content folded out of a locale's layout, which every page of the locale shares (see `fold_layout`).
# One more stands for the page's own head metadata (see `pages.page_metadata_marked`).
_BLOCK_OPEN, _BLOCK_CLOSE = "\ue002", "\ue003"
_SHARED = 1_000_000
_PAGE = 2 * _SHARED
_BLOCKS = re.compile(f"{_BLOCK_OPEN}{_NONCE}([0-9]+){_BLOCK_CLOSE}")
_MARK_CHARACTERS = re.compile(f"[{_MARK_OPEN}{_MARK_CLOSE}{_BLOCK_OPEN}{_BLOCK_CLOSE}]")


# Written by the serializer to learn its escaping: every printable ASCII character and the whitespace it may
# treat apart, and non-ASCII characters that some serializers escape (they must come out as themselves).
_ASCII_PROBES = "\t\n\r" + "".join(chr(code) for code in range(32, 127))
_OTHER_PROBES = "\x85\xa0\xad\xe9\u2028\u2029\u200f\ufeff\ue000\U0001f600"


@lru_cache(maxsize=1)
def _html_escapes() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] | None:
    """What the HTML serializer writes, in an HTML document, for each character it does not write as itself:
    (in text, in attribute values), "&" first. Attribute values here are those of plain attributes: href, src,
    action and <a name> are URI-escaped instead, and no translatable attribute is one of those.

    Learnt by writing each probe character, so it follows the libxml2 that lxml brings. None (no page is then
    filled from a skeleton) when a non-ASCII probe does not come out as itself, or the output is unexpected.
    A double quote is not learnt for attributes: it makes the serializer choose the quotes (see `Skeleton.fill`).
    """
    root = etree.fromstring("<html><body><p>x</p></body></html>", etree.HTMLParser())
    element = root.find("body/p")
    in_text: list[tuple[str, str]] = []
    in_attribute: list[tuple[str, str]] = []
    for char in _ASCII_PROBES + _OTHER_PROBES:
        element.text = char
        element.set("title", char if char != '"' else "")
        written = etree.tostring(element, method="html", encoding="unicode")
        head, tail = '<p title="', "</p>"
        if not written.startswith(head) or not written.endswith(tail) or written.count('">') != 1:
            return None
        attribute, text = written[len(head): -len(tail)].split('">')
        attribute = attribute or char
        if (attribute != char or text != char) and char in _OTHER_PROBES:
            return None
        in_text += [(char, text)] if text != char else []
        in_attribute += [(char, attribute)] if attribute != char else []
    first = lambda pair: pair[0] != "&"  # noqa: E731 - "&" is escaped before the references that hold it
    return tuple(sorted(in_text, key=first)), tuple(sorted(in_attribute, key=first))


def _escaped(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for char, reference in escapes:
        if char in text:
            text = text.replace(char, reference)
    return text


_PLAIN_ATTRIBUTES = frozenset({"title", "alt", "aria-label", "placeholder", "value", "content"})
# Elements whose text the serializer writes unescaped: a slot there would need another escaping.
_RAW_TEXT = frozenset({"script", "style"})


class Skeleton(NamedTuple):
    """A copy of a page's tree with a marker wherever a translation writes text (see above)."""

    root: etree._Element
    sources: tuple[str, ...]       # each slot's source text: what a slot left as the source's gets
    attributes: int                # the first slots are the attribute values; the others are text
    # The HTML each block marker stands for, cut at its text markers once: text, slot, text, ..., text.
    blocks: tuple[tuple[str | int, ...], ...] = ()

    def folded(self, fold: Callable[[etree._Element, Callable[[int], str]], list[str]]) -> Skeleton:
        """This skeleton with content replaced by block markers: `fold` picks content that assembling a page
        never looks into, puts a marker (made by the function it is given) in its place and returns its HTML.
        Each page then copies, assembles and serializes a smaller tree."""
        return Skeleton(self.root, self.sources, self.attributes,
                        tuple(tuple(_cut_at_markers(html)) for html in fold(self.root, _block_marker)))

    def fill(self, html: str, values: list[str | None], shared: tuple[tuple[str | int, ...], ...] = (),
             page: str | None = None) -> str | None:
        """The serialized skeleton with every block marker replaced by its HTML (`shared`: the blocks of the
        folded layout it was assembled in; `page`: the page's head metadata, whose marker must be there once)
        and every text marker by its value (None: the source's); None when the page holds a marker character
        that is not one of ours (in the layout's chrome, rendered as a tree), to be rendered the tree way. The
        values may hold any: they are put in after the markers are found."""
        parts = _BLOCKS.split(html)
        if html.count(_BLOCK_OPEN) != len(parts) // 2 or page is not None and parts[1::2].count(str(_PAGE)) != 1:
            return None
        # The page's pieces, text and slot numbers in turn, its blocks put in (one may be gone with its
        # element); texts that meet are joined so that the turns hold.
        found = _cut_at_markers(parts[0])
        # The page's own text markers are counted: blocks are cut at ours only (any other marker character
        # in them is text, as it is on a page rendered as a tree).
        markers = len(found) // 2
        for index in range(1, len(parts), 2):
            rest = _cut_at_markers(parts[index + 1])
            markers += len(rest) // 2
            block = int(parts[index])
            blocks = (page,) if block == _PAGE else self.blocks[block] if block < _SHARED else shared[block - _SHARED]
            for more in (blocks, rest):
                found[-1] += more[0]  # type: ignore[operator]
                found += more[1:]
        if html.count(_MARK_OPEN) != markers:
            return None
        escapes = _html_escapes()
        if escapes is None:
            return None
        raw = [source if value is None else value for value, source in zip(values, self.sources)]
        if any('"' in value for value in raw[:self.attributes]):
            return None  # the serializer quotes such a value with ' or escapes its " depending on its '
        # Escaped all at once, joined by a character that lxml refuses in a tree: a text holding it cannot be
        # written the tree way either, and is left to that way to report.
        joined = "\0".join(raw)
        if joined.count("\0") != len(raw) - 1:
            return None
        texts = _escaped(joined, escapes[0]).split("\0")
        for slot in range(self.attributes):
            texts[slot] = _escaped(raw[slot], escapes[1])
        found[1::2] = [texts[slot] for slot in found[1::2]]  # type: ignore[index]
        return "".join(found)  # type: ignore[arg-type]


def _cut_at_markers(html: str) -> list[str | int]:
    """`html` cut at its text markers: text, slot number, text, ..., text."""
    pieces: list[str | int] = _MARKERS.split(html)  # type: ignore[assignment]
    pieces[1::2] = [int(number) for number in pieces[1::2]]  # type: ignore[arg-type]
    return pieces


def _block_marker(number: int) -> str:
    return f"{_BLOCK_OPEN}{_NONCE}{number}{_BLOCK_CLOSE}"


# Where `Skeleton.fill` puts the page's own head metadata.
PAGE_MARKER = _block_marker(_PAGE)


def fold_layout(root: etree._Element, fold: Callable[[etree._Element, Callable[[int], str]], list[str]]
                ) -> tuple[tuple[str | int, ...], ...]:
    """Fold a locale's rendered layout as `Skeleton.folded` folds an item, its markers numbered apart from any
    item's; the blocks to give `Skeleton.fill` for the pages assembled in it."""
    return tuple(tuple(_cut_at_markers(html)) for html in fold(root, lambda number: _block_marker(_SHARED + number)))


def skeleton(segmentation: Segmentation) -> Skeleton | None:
    """The page's skeleton, or None when a text goes where the serializer escapes otherwise (raw text, a URI
    attribute), a typed element has child elements, or the source itself holds the marker characters."""
    source = segmentation.page
    if _MARK_CHARACTERS.search(source.text):
        return None
    root = copy.deepcopy(source.tree.getroot())
    twins = dict(zip(_source_elements(segmentation), root.iter()))
    sources: list[str] = []

    def mark() -> str:
        return f"{_MARK_OPEN}{_NONCE}{len(sources)}{_MARK_CLOSE}"

    for slot in segmentation.attributes:  # first, in the order `skeleton_values` gives their values
        if slot.attribute not in _PLAIN_ATTRIBUTES:
            return None
        element = twins[slot.element]
        marker = mark()
        sources.append(element.get(slot.attribute) or "")
        element.set(slot.attribute, marker)
    for run in segmentation.runs:
        for place, where in _text_places(run):
            element = twins[place]
            context = element.getparent() if where == TAIL else element
            if context is None or _tag_name(context) in _RAW_TEXT or where == CONTENT and len(element):
                return None
            marker = mark()
            sources.append(element.text or "" if where == CONTENT else "")
            if where == TAIL:
                element.tail = marker
            else:
                element.text = marker
    return Skeleton(root, tuple(sources), len(segmentation.attributes))


def skeleton_values(segmentation: Segmentation, translate: Translate, render_typed: RenderTyped,
                    source_lang: str, locale: str | None = None) -> list[str | None] | None:
    """The texts a locale writes into the page's skeleton, slot by slot; None when a translation needs other
    elements than the source's (placeholders reordered, a sentence falling back or left in the source
    language), and the page must be rendered the tree way (`render`)."""
    contexts = "data-msgctxt" in segmentation.page.text
    values: list[str | None] = [_attribute_value(slot, translate, context_of(slot.element) if contexts else None)
                                for slot in segmentation.attributes]
    unused: list[Fallback] = []  # a fallback leaves its sentence in the source language: never in place
    for run in segmentation.runs:
        chosen = _choose(run, translate, context_of(run.parent) if contexts else None, unused, locale)
        if not _in_place(chosen, source_lang):
            return None
        values.extend(_run_texts(chosen, render_typed))
    return values
