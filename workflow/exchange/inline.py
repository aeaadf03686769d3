"""Placeholders as the inline codes of TMX and XLIFF, and back.

A unit's text is plain text plus placeholders (`<a1>…</a1>`, `<br1/>`). In TMX 1.4b a paired placeholder
becomes `<bpt i x type>&lt;a1&gt;</bpt>…<ept i>&lt;/a1&gt;</ept>` and a self-closing one
`<ph x type>&lt;br1/&gt;</ph>`; in XLIFF 1.2 `<g id ctype>…</g>` and `<x id ctype/>`, the codes CAT tools
protect. The native code (the element's text) is the placeholder itself, so a file this tool wrote maps back
exactly; codes written by other tools map by their `x` (TMX) or `id` (XLIFF) onto the source's, and
otherwise by order. A segment whose codes cannot be mapped (a code the source does not have, an isolated or
unbalanced one) is refused with the reason, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from lxml import etree

from workflow.segment import PLACEHOLDER_PARTS_RE as PLACEHOLDER

# How files from elsewhere are parsed: no entity is expanded, no DTD or anything else is loaded (a file must
# not make us read another, nor fetch from the network), and no tree deeper than libxml2's default limit.
SAFE_PARSING = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

# TMX's own `type` values where one fits (TMX 1.4b, "type" of bpt and ph), else x-<element>.
_TMX_TYPES = {"a": "link", "em": "italic", "i": "italic", "strong": "bold", "b": "bold", "u": "ulined",
              "br": "lb", "img": "image"}
# XLIFF 1.2's ctype values for the same elements, else x-<element>.
_XLIFF_TYPES = {"a": "link", "em": "italic", "i": "italic", "strong": "bold", "b": "bold", "u": "underlined",
                "br": "lb", "img": "image"}


class Code(NamedTuple):
    """One placeholder of a text: its name (a1), kind ("open", "close" or "alone") and a number shared by the
    two ends of a pair and by the same placeholder in source and translation."""

    name: str
    kind: str
    number: int


class Unmappable(ValueError):
    """A segment's inline codes do not map onto placeholders."""


def pieces(text: str, numbers: dict[str, int]) -> Iterator[str | Code]:
    """The text and placeholders of `text`, in order; `numbers` gives each name its number and is extended
    with names it has not seen (pass the source's first, then the translation's)."""
    position = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > position:
            yield text[position:match.start()]
        name = match.group(2)
        number = numbers.setdefault(name, len(numbers) + 1)
        yield Code(name, "close" if match.group(1) else "alone" if match.group(3) else "open", number)
        position = match.end()
    if position < len(text):
        yield text[position:]


def indent(element: etree._Element, texts: frozenset[str], level: int = 0) -> None:
    """Indent a document's structure by one space a level, leaving alone the elements named in `texts`
    (segments, sources, targets, notes), whose spaces are their content: a general indenter adds to them."""
    if len(element) and etree.QName(element).localname not in texts:
        element.text = "\n" + " " * (level + 1)
        for child in element:
            indent(child, texts, level + 1)
            child.tail = "\n" + " " * (level + 1)
        element[-1].tail = "\n" + " " * level


def _kind(name: str, table: dict[str, str]) -> str:
    base = name.rstrip("0123456789")
    return table.get(base, f"x-{base}")


def fill_tmx(seg: etree._Element, text: str, numbers: dict[str, int]) -> None:
    """Write `text` into a TMX <seg> element with its placeholders as <bpt>, <ept> and <ph>."""
    last: etree._Element | None = None
    for piece in pieces(text, numbers):
        if isinstance(piece, str):
            if last is None:
                seg.text = (seg.text or "") + piece
            else:
                last.tail = (last.tail or "") + piece
            continue
        if piece.kind == "open":
            last = etree.SubElement(seg, "bpt", i=str(piece.number), x=str(piece.number),
                                    type=_kind(piece.name, _TMX_TYPES))
            last.text = f"<{piece.name}>"
        elif piece.kind == "close":
            last = etree.SubElement(seg, "ept", i=str(piece.number))
            last.text = f"</{piece.name}>"
        else:
            last = etree.SubElement(seg, "ph", x=str(piece.number), type=_kind(piece.name, _TMX_TYPES))
            last.text = f"<{piece.name}/>"


def fill_xliff(parent: etree._Element, text: str, numbers: dict[str, int], namespace: str) -> None:
    """Write `text` into an XLIFF 1.2 <source> or <target> with its placeholders as <g> and <x>."""
    stack = [parent]
    last: etree._Element | None = None  # the element whose tail the next text extends, None for the parent's text
    for piece in pieces(text, numbers):
        if isinstance(piece, str):
            if last is None:
                stack[-1].text = (stack[-1].text or "") + piece
            else:
                last.tail = (last.tail or "") + piece
        elif piece.kind == "open":
            element = etree.SubElement(stack[-1], f"{{{namespace}}}g", id=str(piece.number),
                                       ctype=_kind(piece.name, _XLIFF_TYPES), attrib={"equiv-text": piece.name})
            stack.append(element)
            last = None
        elif piece.kind == "close":
            if len(stack) == 1:
                raise Unmappable(f"</{piece.name}> closes nothing")
            last = stack.pop()
        else:
            last = etree.SubElement(stack[-1], f"{{{namespace}}}x", id=str(piece.number),
                                    ctype=_kind(piece.name, _XLIFF_TYPES), attrib={"equiv-text": piece.name})
    if len(stack) > 1:
        raise Unmappable("a paired placeholder is not closed")


class Codes:
    """Reads inline codes back into placeholders, a segment's source first, then its translations.

    A code whose native text is one of our placeholders (`<a1>`, `</a1>`, `<br1/>`: files this tool wrote,
    and OmegaT's, whose tags look like ours) is that placeholder. Any other code is named after its key (its
    x or id, else its place among the codes of its kind) as the source's code with that key was: `g1` for a
    pair, `x2` for a self-closing one."""

    def __init__(self) -> None:
        self.by_key: dict[object, str] = {}  # a code's key → the placeholder its source code became
        self.names: set[str] = set()        # the source's placeholders
        self._counts: dict[str, int] = {}

    def key(self, element: etree._Element, kind: str) -> object:
        x = element.get("x") or element.get("id")
        if x:
            return ("x", x)
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return (kind, self._counts[kind])

    def name(self, native: str, key: object, pair: bool, source: bool) -> str:
        ours = PLACEHOLDER.fullmatch(native.strip())
        if ours and (source or ours.group(2) in self.names):
            name = ours.group(2)
        elif source:
            name = f"{'g' if pair else 'x'}{len(self.by_key) + 1}"
            while name in self.names:
                name += "0"
        elif key in self.by_key:
            name = self.by_key[key]
        else:
            raise Unmappable("the translation has an inline code the source does not have")
        if source:
            self.names.add(name)
            self.by_key.setdefault(key, name)
        return name


def _tag(node: etree._Element) -> str | None:
    """An element's local name; None for a comment or processing instruction. An entity reference the
    parser did not expand (it expands none: a file must not make us read another) cannot be mapped."""
    if isinstance(node, etree._Entity):
        raise Unmappable(f"the entity reference {node.text} is not expanded")
    return etree.QName(node).localname if isinstance(node.tag, str) else None


def read_inline(element: etree._Element, codes: Codes, source: bool) -> str:
    """A TMX <seg>, or an XLIFF <source> or <target>, as text with placeholders; `codes` carries the source's
    names to its translations. Both formats' codes are read in both: TMX's <bpt>, <ept>, <ph> (XLIFF 1.2 has
    them too, paired by `rid` or `id` where TMX pairs by `i`), XLIFF's <g> and <x>; <hi> and <mrk> only mark
    text, which counts."""
    out = [element.text or ""]
    opened: dict[str, str] = {}  # a <bpt>'s pairing key → its placeholder, for its <ept>
    for child in element:
        tag = _tag(child)
        if tag is None:  # a comment or a processing instruction
            out.append(child.tail or "")
            continue
        pairing = child.get("i") or child.get("rid") or child.get("id") or ""
        if tag in ("hi", "mrk"):
            out.append(read_inline(child, codes, source))
        elif tag == "g":
            name = codes.name(f"<{child.get('equiv-text', '')}>", codes.key(child, "pair"), True, source)
            out.append(f"<{name}>{read_inline(child, codes, source)}</{name}>")
        elif tag in ("x", "ph"):
            native = f"<{child.get('equiv-text', '')}>" if tag == "x" else "".join(child.itertext())
            out.append(f"<{codes.name(native, codes.key(child, 'alone'), False, source)}/>")
        elif tag == "bpt":
            opened[pairing] = codes.name("".join(child.itertext()), codes.key(child, "pair"), True, source)
            out.append(f"<{opened[pairing]}>")
        elif tag == "ept":
            if pairing not in opened:
                raise Unmappable(f"<ept> {pairing!r} closes no <bpt>")
            out.append(f"</{opened.pop(pairing)}>")
        else:
            raise Unmappable(f"<{tag}> cannot be mapped to a placeholder")
        out.append(child.tail or "")
    if opened:
        raise Unmappable("a <bpt> has no <ept>")
    return "".join(out)
