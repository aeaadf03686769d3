"""Direction islands: text of one direction that the tool places on a page of the other.

On an Arabic or Hebrew page, left-to-right content the tool leaves as the source has it — code and
preformatted text, other protected content, e-mail and web addresses, sentences left in the source language —
must say its direction, or the bidirectional algorithm reorders it for the reader (`<p>Click</p>` shown as
`p>Click</`, a full stop on the wrong side). And on a left-to-right page, a right-to-left quotation likewise.
Each such element gets `dir`; an address in running text is wrapped in `<bdi dir="ltr">`.
"""

from __future__ import annotations

from lxml import etree

from workflow.publish.locale_data import direction
from workflow.segment import Protection, addresses_in, is_protected

_SKIP_TEXT = frozenset({"script", "style", "title", "textarea", "option", "bdi", "pre", "code", "kbd", "samp", "var"})


def mark_islands(root: etree._Element, page_direction: str, source_language: str, protection: Protection) -> None:
    """Give every island of the other direction its `dir` (see the module's note); the page's own direction is
    `page_direction`, and the source's text is in `source_language`."""
    source_direction = direction(source_language)
    body = root.find("body")
    if body is None:
        return
    for element in list(body.iter()):
        if not isinstance(element.tag, str) or element.get("dir"):
            continue
        lang = element.get("lang")
        if lang:
            own = known_direction(lang) or page_direction
            if own != page_direction:
                element.set("dir", own)
            continue
        if is_protected(element, protection) and source_direction != page_direction:
            element.set("dir", source_direction)
    if page_direction == "rtl":
        _isolate_addresses(body)


def known_direction(tag: str) -> str | None:
    """The direction of a lang value's script, or None for a value CLDR does not know (not ours to say)."""
    try:
        return direction(tag)
    except Exception:
        return None


def _isolate_addresses(body: etree._Element) -> None:
    """Wrap each e-mail or web address in running text in <bdi dir="ltr">."""
    for element in list(body.iter()):
        if not isinstance(element.tag, str) or element.tag in _SKIP_TEXT or element.get("dir") == "ltr":
            continue
        if element.text and addresses_in(element.text):
            element.text = _split_into(element, element.text, None)
        for child in list(element):
            if isinstance(child.tag, str) and child.tail and addresses_in(child.tail):
                child.tail = _split_into(element, child.tail, child)


def _split_into(parent: etree._Element, text: str, after: etree._Element | None) -> str:
    """Put the addresses of `text` (the parent's text, or the tail of `after`) in <bdi> elements inserted in its
    place; the text before the first address, which stays where `text` was."""
    found = addresses_in(text)
    index = 0 if after is None else parent.index(after) + 1
    position = found[0].start
    previous: etree._Element | None = None
    for number, address in enumerate(found):
        bdi = etree.Element("bdi", dir="ltr")
        bdi.text = address.text
        following = found[number + 1].start if number + 1 < len(found) else len(text)
        bdi.tail = text[address.end:following] or None
        parent.insert(index, bdi)
        index += 1
        previous = bdi
    assert previous is not None
    return text[:position] or None  # type: ignore[return-value]
