"""An item's localized page: its translations put back, in the locale's rendered layout, with its metadata.

The layout is rendered once per locale and copied for each page. Most pages keep the source's elements: their
texts go into the item's skeleton (see `render.skeleton`), assembled and serialized like a page; the others
are rendered as trees.
"""

from __future__ import annotations

import sys

from typing import NamedTuple

from lxml import etree

from workflow.publish.islands import known_direction, mark_islands
from workflow.publish.locale_data import direction
from workflow.segment import ADDRESS, Segment, has_slots, is_protected, protection_of
from workflow.publish.decisions import Decision
from workflow.publish.inputs import BuildInputs
from workflow.publish.pages import (
    Alternate,
    clean_source_markers,
    country_lists,
    draft_notice,
    fill_slots,
    fold_content,
    fresh_copy,
    href,
    keep_page_kind,
    language_menu,
    localize_links,
    merge_head,
    page_html,
    page_metadata,
    page_metadata_marked,
    relocate_assets,
    serialize_page,
    typed_renderer,
)
from workflow.publish.render import PAGE_MARKER, Skeleton, fold_layout, rebind, render, skeleton, skeleton_values
from workflow.settings import Settings


class PageContext(NamedTuple):
    """What an item's page takes from other pages' decisions: where it is published (alternates, language
    menu) and, of the names it links to, which are news items and which of those this locale publishes."""

    locales: tuple[str, ...]
    item_links: tuple[str, ...] = ()
    published_links: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        return context_fingerprint(self.locales, self.item_links, self.published_links)


def context_fingerprint(locales: tuple[str, ...], item_links: tuple[str, ...] = (),
                        published_links: tuple[str, ...] = ()) -> str:
    """A PageContext's fingerprint from its parts, for a caller that has not made the context (yet). Interned:
    most pages of a site share one, and the state then holds it once an item."""
    return sys.intern(f"{','.join(locales)}|{','.join(item_links)}|{','.join(published_links)}")


class PageBuilder:
    """Makes an item's pages and the locales' rendered layouts from a build's parsed inputs."""

    def __init__(self, settings: Settings, inputs: BuildInputs) -> None:
        self.settings = settings
        self.inputs = inputs
        self._layouts: dict[str, etree._Element] = {}
        self._folded_layouts: dict[str, tuple[etree._Element, tuple[tuple[str | int, ...], ...]] | None] = {}
        self._skeletons: dict[str, Skeleton | None] = {}
        self._in_layout: dict[str, bool] = {}
        self._islands: dict[str, tuple[bool, frozenset[str]]] = {}
        self._alternates: dict[tuple[str, tuple[str, ...]], tuple[Alternate, ...]] = {}

    def alternates_in(self, item: str, locales: tuple[str, ...]) -> tuple[Alternate, ...]:
        """The item's page in each of `locales` (the locales that publish it, in project order); the same for
        every page of the item, so made once."""
        key = (item, locales)
        if key not in self._alternates:
            self._alternates[key] = tuple(Alternate(locale, href(self.settings, locale, f"{item}.html"))
                                          for locale in locales)
        return self._alternates[key]

    def render_layout(self, locale: str) -> etree._Element:
        """A copy of the layout rendered for `locale`, its country lists filled: the chrome is the same on every
        page of a locale, so it is rendered once per locale and copied for each page."""
        if locale not in self._layouts:
            root = self._render_layout(locale)
            country_lists(root, locale, self.settings)
            self._layouts[locale] = root
        return fresh_copy(self._layouts[locale])

    def folded_layout(self, locale: str) -> tuple[etree._Element, tuple[tuple[str | int, ...], ...]] | None:
        """The locale's rendered layout with its content folded (see `render.fold_layout`), and the folded
        blocks; None without a layout, or when folding is not possible."""
        if locale not in self._folded_layouts:
            folded = None
            if self.inputs.layout_segmentation() is not None:
                root = self.render_layout(locale)
                try:
                    folded = root, fold_layout(root, fold_content)
                except ValueError:
                    pass  # pages assembled in the whole layout
            self._folded_layouts[locale] = folded
        return self._folded_layouts[locale]

    def _render_layout(self, locale: str) -> etree._Element:
        layout = self.inputs.layout_segmentation()
        if layout is None:
            return etree.fromstring("<html><head></head><body><main></main></body></html>", etree.HTMLParser())
        root = fresh_copy(layout.page.tree.getroot())
        if locale == self.settings.source_locale:
            return root  # rendering the source with its own text gives the source back
        render(rebind(layout, root), self.inputs.site_translations(locale).lookup,
               typed_renderer(locale, self.settings), self.settings.source_locale, locale)
        return root

    def item_skeleton(self, item: str) -> Skeleton | None:
        """The item's skeleton (see `render.skeleton`), its content folded; None when it cannot have one."""
        if item not in self._skeletons:
            shape = skeleton(self.inputs.item_segmentation(item))
            try:
                self._skeletons[item] = shape.folded(fold_content) if shape is not None else None
            except ValueError:
                self._skeletons[item] = None  # its pages are rendered as trees
        return self._skeletons[item]

    def in_layout(self, item: str) -> bool:
        """True when the item's page is the layout with its slots filled; False for a page of its own (no
        layout, or an item that fills none of its slots). Asked for every page: answered once per item."""
        if item not in self._in_layout:
            self._in_layout[item] = self.inputs.layout_segmentation() is not None and has_slots(
                self.inputs.item_segmentation(item).page, True)
        return self._in_layout[item]

    def _island_facts(self, item: str) -> tuple[bool, frozenset[str]]:
        """Whether the item's content holds what a page of the other direction than the source's must mark
        (see `islands`: protected content, an element with a lang, an address in its units), and the
        directions of its elements that carry a lang. Asked for every page: answered once per item."""
        if item not in self._islands:
            segmentation = self.inputs.item_segmentation(item)
            page = segmentation.page
            protection = protection_of(self.settings)
            body = page.tree.getroot().find("body")
            addresses = any(token.placeholder is not None and token.placeholder.kind == ADDRESS
                            for run in segmentation.runs for piece in run.pieces if isinstance(piece, Segment)
                            for token in piece.tokens)
            langs = body is not None and "lang=" in page.text.split("<body", 1)[-1]
            directions = frozenset(filter(None, (known_direction(element.get("lang", ""))
                                                 for element in body.iter() if isinstance(element.tag, str)
                                                 and element.get("lang")))) if langs else frozenset()
            self._islands[item] = (body is not None and (
                addresses or langs or any(is_protected(element, protection) for element in body.iter())),
                directions)
        return self._islands[item]

    def marks_islands(self, item: str, locale: str) -> bool:
        """True when the item's page in `locale` has islands to mark: it is of the other direction than the
        source and the item has any, or the item has an element in a language of the other direction than
        the page's (an Arabic quotation on a French page). A page without any can still be filled into the
        skeleton: marking its chrome gives the bytes the tree would."""
        islands, directions = self._island_facts(item)
        page_direction = direction(locale)
        return (islands and page_direction != direction(self.settings.source_locale)) or bool(
            directions - {page_direction})

    def item_page(self, item: str, locale: str, decision: Decision, page: PageContext) -> bytes:
        segmentation = self.inputs.item_segmentation(item)
        source_locale = self.settings.source_locale
        if locale != source_locale:  # the source locale's page is the source itself
            translate = self.inputs.item_translations(item, locale).lookup
            render_typed = typed_renderer(locale, self.settings)
            # Most pages keep the source's elements: their texts go into the item's skeleton, assembled and
            # serialized like a page. The others (and the rare page the skeleton cannot take) are rendered.
            # Folded content keeps its links as they are: a page linking to other items is rendered.
            # A page with islands of the other direction marks them (see `islands`) in the tree.
            crossing = self.marks_islands(item, locale)
            shape = self.item_skeleton(item) if not page.item_links and not crossing else None
            values = skeleton_values(segmentation, translate, render_typed, source_locale, locale) if shape else None
            if shape is not None and values is not None:
                layout = self.folded_layout(locale) if self.in_layout(item) else None
                assembled, metadata = self._assembled(fresh_copy(shape.root), item, locale, decision, page,
                                                      fresh_copy(layout[0]) if layout is not None else None, True)
                html = shape.fill(page_html(assembled), values, layout[1] if layout is not None else (), metadata)
                if html is not None:
                    return html.encode("utf-8")
            item_root = fresh_copy(segmentation.page.tree.getroot())
            render(rebind(segmentation, item_root), translate, render_typed, source_locale, locale)
        else:
            item_root = fresh_copy(segmentation.page.tree.getroot())
        return serialize_page(self._assembled(item_root, item, locale, decision, page)[0])

    def _assembled(self, item_root: etree._Element, item: str, locale: str, decision: Decision,
                   page: PageContext, layout: etree._Element | None = None, filled: bool = False
                   ) -> tuple[etree._Element, str | None]:
        """The item's rendered tree in the locale's layout (a copy of it, folded or not, when given), with the
        page's metadata, menus and links. For a page to fill (see `Skeleton.fill`), the head metadata is a
        marker in the tree, and its HTML comes beside the tree."""
        if self.in_layout(item):
            root = layout if layout is not None else self.render_layout(locale)
            fill_slots(root, item_root)
            merge_head(root, item_root)
        else:
            root = item_root
        keep_page_kind(root, "item")
        draft_notice(root, decision.drafts > 0)
        country_lists(root, locale, self.settings)
        alternates = self.alternates_in(item, page.locales)
        source_locale = self.settings.source_locale
        x_default = href(self.settings, source_locale, f"{item}.html") if source_locale in page.locales else None
        if filled:
            metadata: str | None = page_metadata_marked(root, locale, alternates, x_default, PAGE_MARKER)
        else:
            page_metadata(root, locale, alternates, x_default)
            metadata = None
        language_menu(root, locale, alternates)
        localize_links(root, set(page.published_links), set(page.item_links), self.settings.source_locale)
        relocate_assets(root)
        clean_source_markers(root)
        if direction(locale) != direction(self.settings.source_locale) or self.marks_islands(item, locale):
            mark_islands(root, direction(locale), self.settings.source_locale, protection_of(self.settings))
        return root, metadata

    def forget(self, item: str) -> None:
        """Drop what was made of an item once its pages are done, so a worker's memory stays flat."""
        self._skeletons.pop(item, None)
        self._in_layout.pop(item, None)
        self._islands.pop(item, None)
        self._alternates.clear()
