"""Which parts of an item go into which slots of the site layout: data-slot on the item, or CSS selectors.

A CMS exports articles as they are (`<article><header>…</header><div class="field--body">…</div>`); nobody marks
each one with `data-slot`. `[layout.slots]` in the settings maps each slot of the layout to a selector run on
the item; the element it finds (the first) is marked as if the item said `data-slot` itself, so extraction
and assembly see one kind of mark. A data-slot the item does write wins over the selector for that slot.

An item that fills no slot is published whole (its own document, localized as a page without a layout),
unless the settings require slots. An item that fills a slot the layout does not have is refused: its text
would be on no page.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

from lxml import etree

from workflow.errors import WorkflowError
from workflow.segment.records import Segment, Segmentation
from workflow.segment.source import SourcePage

SLOT = "data-slot"


@lru_cache(maxsize=64)
def _selector(css: str) -> Callable[[etree._Element], list[etree._Element]]:
    from lxml.cssselect import CSSSelector  # only projects that map slots pay for cssselect

    return CSSSelector(css)


def marked_slots(root: etree._Element) -> list[etree._Element]:
    """The elements of a page that carry data-slot, in document order."""
    return [element for element in root.iter() if isinstance(element.tag, str) and element.get(SLOT)]


def map_slots(page: SourcePage, selectors: tuple[tuple[str, str], ...]) -> None:
    """Mark the element each selector finds with the slot's name, unless the item marks that slot itself or
    the element is marked already."""
    root = page.tree.getroot()
    named = {element.get(SLOT) for element in marked_slots(root)} if SLOT in page.text else set()
    for name, css in selectors:
        if name in named:
            continue
        found = [element for element in _selector(css)(root) if element.get(SLOT) is None]
        if found:
            found[0].set(SLOT, name)
            named.add(name)


_layout_names: dict[tuple[str, int, int], frozenset[str]] = {}


def layout_slot_names(layout: Path) -> frozenset[str]:
    """The slots the site layout has (read once per version of the file)."""
    from workflow.segment.source import read_source

    status = os.stat(layout)
    key = (os.fspath(layout), status.st_mtime_ns, status.st_size)
    if key not in _layout_names:
        page = read_source(layout, "_site")
        _layout_names[key] = frozenset(element.get(SLOT) for element in marked_slots(page.tree.getroot()))
    return _layout_names[key]


def check_slots_land(segmentation: Segmentation, layout_names: frozenset[str], path: Path) -> None:
    """Refuse an item whose text would appear on none of its pages: a slot the layout does not have, or one
    slot filled twice (the layout takes one element per slot)."""
    seen: dict[str, etree._Element] = {}
    for element in marked_slots(segmentation.page.tree.getroot()):
        name = element.get(SLOT)
        if name in seen or name not in layout_names:
            why = (f"slot {name!r} is filled twice" if name in seen else
                   f"slot {name!r} is not in the layout")
            first = _first_segment_in(segmentation, element)
            unit = f" (its first unit: {first.msgid[:60]!r})" if first is not None else ""
            known = ", ".join(sorted(layout_names)) or "none"
            raise WorkflowError(path, element.sourceline, f"{why}, so its text would be on no page{unit}",
                                f"use one of the layout's slots ({known}) once each, or add the slot to "
                                "source/_layout.html")
        seen[name] = element


def _first_segment_in(segmentation: Segmentation, element: etree._Element) -> Segment | None:
    def inside(node: etree._Element) -> bool:
        return node is element or any(ancestor is element for ancestor in node.iterancestors())

    for run in segmentation.runs:
        if inside(run.parent):
            for piece in run.pieces:
                if isinstance(piece, Segment) and piece.translatable:
                    return piece
    for slot in segmentation.attributes:
        if inside(slot.element):
            return slot.segment
    return None
