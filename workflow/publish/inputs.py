"""A build's inputs, each read and parsed once: the layout, the items' sources and their catalogs.

Catalogs are read as translation tables (msgstr by key): a build needs nothing else of them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from workflow.po import read_translation_table, translation_table
from workflow.publish.item_files import file_references
from workflow.publish.pages import item_links
from workflow.segment import Segment, Segmentation, has_slots, segment_source
from workflow.settings import SITE_CATALOG, Settings


class Translations(NamedTuple):
    """The usable translations of one catalog: msgstr by key, and which of them are machine drafts."""

    strings: dict[tuple[str | None, str], str]
    drafts: frozenset[tuple[str | None, str]]

    def lookup(self, segment: Segment, context: str | None) -> str | None:
        return self.strings.get((context, segment.msgid))

    def then(self, shared: Translations) -> Translations:
        """These translations, falling back to the shared (site) catalog for units an item leaves to it."""
        if not shared.strings:
            return self
        return Translations({**shared.strings, **self.strings}, shared.drafts | self.drafts)


NO_TRANSLATIONS = Translations({}, frozenset())


def translations_of(path: str | Path, allow_drafts: bool, source_locale: bool = False,
                    data: bytes | None = None) -> Translations:
    """A catalog's reviewed translations, plus fuzzy ones (machine drafts included) when the project allows
    drafts; none for a missing catalog or the source locale's. `data` is the file's content if already read."""
    if source_locale or data is None and not os.path.exists(path):
        return NO_TRANSLATIONS
    strings: dict[tuple[str | None, str], str] = {}
    drafts: set[tuple[str | None, str]] = set()
    table = read_translation_table(path) if data is None else translation_table(data, path)
    for key, (msgstr, fuzzy) in table.items():
        if fuzzy:
            if not allow_drafts:
                continue
            drafts.add(key)
        strings[key] = msgstr
    return Translations(strings, frozenset(drafts))


class BuildInputs:
    """The parsed inputs of one build (or one worker's share of it), each parsed on first use."""

    def __init__(self, settings: Settings, keep_read: bool = False) -> None:
        self.settings = settings
        self.layout: Segmentation | None = None
        self._has_layout = settings.layout_path.exists()  # asked for every page; the answer holds for the build
        self._layout_links: tuple[str, ...] | None = None
        self._items: dict[str, bool] = {}
        self._site: dict[str, Translations] = {}
        self._segmentations: dict[str, Segmentation] = {}
        self._translations: dict[tuple[str, str], Translations] = {}
        self._links: dict[str, tuple[str, ...]] = {}
        self._files: dict[str, tuple[tuple[str, int], ...]] = {}
        self._source_dir = str(settings.source_dir)
        self._locales_dir = str(settings.locales_dir)
        # A worker's build digests an item's source and catalogs and then parses them: the bytes read for
        # the digest are kept here until parsed (one read per file, not two). Emptied after every item.
        self.just_read: dict[str, bytes] | None = {} if keep_read else None

    def source_name(self, item: str) -> str:
        """An item's source file as the state and `just_read` name it (a plain string: pathlib costs add up)."""
        return f"{self._source_dir}/{item}.html"

    def catalog_name(self, item: str, locale: str) -> str:
        """An item's catalog in a locale, named as `source_name` names sources."""
        return f"{self._locales_dir}/{locale}/{item}.po"

    def layout_segmentation(self) -> Segmentation | None:
        if self.layout is None and self._has_layout:
            self.layout = segment_source(self.settings, self.settings.layout_path, SITE_CATALOG, False,
                                         with_units=False)
        return self.layout

    def site_catalog(self, locale: str) -> Path:
        return self.settings.po_path(locale, SITE_CATALOG)

    def site_translations(self, locale: str) -> Translations:
        if locale not in self._site:
            self._site[locale] = translations_of(self.site_catalog(locale), self.settings.allow_drafts,
                                                 locale == self.settings.source_locale)
        return self._site[locale]

    def page_links(self, item: str) -> tuple[str, ...]:
        """Names an item's page links to that may be news items: from its source and from the layout."""
        if self._layout_links is None:
            layout = self.layout_segmentation()
            self._layout_links = tuple(item_links(layout.page.tree.getroot())) if layout is not None else ()
        if item not in self._links:  # asked once per locale
            own = item_links(self.item_segmentation(item).page.tree.getroot())
            self._links[item] = tuple(sorted(own.union(self._layout_links)))
        return self._links[item]

    def item_files(self, item: str) -> tuple[tuple[str, int], ...]:
        """The project files the item's page refers to: from its slots and head when it fills the layout's
        slots, from the whole page otherwise (see `item_files`)."""
        if item in self._files:  # asked once per locale
            return self._files[item]
        root = self.item_segmentation(item).page.tree.getroot()
        if self.layout_segmentation() is not None and has_slots(self.item_segmentation(item).page, True):
            parts = [*root.iterfind("head"), *(e for e in root.iterfind(".//*[@data-slot]"))]
        else:
            parts = [root]
        found: dict[str, tuple[str, int]] = {}
        for part in parts:
            for reference in file_references(part):
                found.setdefault(reference.path, tuple(reference))  # type: ignore[arg-type]
        self._files[item] = tuple(found.values())
        return self._files[item]

    def layout_files(self) -> tuple[tuple[str, int], ...]:
        """The project files the layout refers to (every page and index shows them)."""
        layout = self.layout_segmentation()
        return tuple(tuple(r) for r in file_references(layout.page.tree.getroot())) if layout else ()  # type: ignore[misc]

    def is_item(self, name: str) -> bool:
        """True when `name` is a news item of the project (a source file that is not the layout or a partial)."""
        if name not in self._items:
            self._items[name] = not name.startswith("_") and (self.settings.source_dir / f"{name}.html").is_file()
        return self._items[name]

    def item_segmentation(self, item: str) -> Segmentation:
        if item not in self._segmentations:
            self._segmentations[item] = segment_source(self.settings, self.settings.source_dir / f"{item}.html",
                                                       with_units=False,
                                                       data=self._take(self.source_name(item)))
        return self._segmentations[item]

    def _take(self, name: str) -> bytes | None:
        """The bytes of a file the digest just read, if any (see `just_read`)."""
        return self.just_read.pop(name, None) if self.just_read else None

    def item_translations(self, item: str, locale: str) -> Translations:
        """The item's own translations, then the site catalog's for the units it shares with the layout."""
        if locale == self.settings.source_locale:
            return NO_TRANSLATIONS
        if (item, locale) not in self._translations:
            path = self.catalog_name(item, locale)
            own = translations_of(path, self.settings.allow_drafts, data=self._take(path))
            self._translations[(item, locale)] = own.then(self.site_translations(locale))
        return self._translations[(item, locale)]

    def forget(self, item: str) -> None:
        """Drop an item's parsed source and catalogs once its work is done, so a worker's memory stays flat."""
        self._segmentations.pop(item, None)
        self._links.pop(item, None)
        self._files.pop(item, None)
        for key in [key for key in self._translations if key[0] == item]:
            del self._translations[key]
        if self.just_read:
            self.just_read.clear()
