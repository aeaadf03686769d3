"""A project's news items: which source files are items, and each one read and segmented with the settings.

Shared by every stage that looks at sources (extract, build, check, status, draft), so none of them has to
load another stage's code to find them.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.segment.records import Segmentation
from workflow.segment.source import SourcePage, read_source
from workflow.segment.slots import check_slots_land, layout_slot_names, map_slots
from workflow.segment.units import PROTECTED_TAGS, Protection, has_slots, segment_page
from workflow.settings import SITE_CATALOG, Settings, check_item_id


def catalog_paths(settings: Settings, locale: str, items: tuple[str, ...] = ()) -> list[Path]:
    """The catalogs of `locale` for the chosen items (every item's, and the site catalog's, when none are
    chosen) that exist; none at all is an error, with the fix."""
    names = [path.stem for path in source_items(settings, items)] + ([] if items else [SITE_CATALOG])
    paths = [settings.po_path(locale, name) for name in names if settings.po_path(locale, name).exists()]
    if not paths:
        raise WorkflowError(settings.locales_dir / locale, None, f"no catalogs for {locale}",
                            "run `workflow extract` first")
    return paths


def source_items(settings: Settings, only: tuple[str, ...] = ()) -> list[Path]:
    """The source files to work on: every source/*.html, or the ones named with --item."""
    return [settings.source_dir / f"{name}.html" for name in item_names(settings, only)]


def item_names(settings: Settings, only: tuple[str, ...] = ()) -> list[str]:
    """The ids of the items to work on (see `source_items`); names only, for a caller that needs no paths."""
    for item in only:
        check_item_id(item)
    if not settings.source_dir.is_dir():
        raise WorkflowError(settings.source_dir, None, "no source folder",
                            "put news items as source/<item>.html in the content root")
    if only:
        for item in only:
            path = settings.source_dir / f"{item}.html"
            if not path.is_file():
                raise WorkflowError(path, None, f"no source for item {item!r}",
                                    "check the item id against the files in source/")
        return list(only)
    # Files starting with "_" are not items: the site layout (_layout.html) and partials.
    # One directory listing (file types come with it) and names sorted as strings: a thousand items are
    # listed on every build, before anything else can start.
    with os.scandir(settings.source_dir) as listing:
        entries = [entry for entry in listing if entry.name.endswith(".html") and not entry.name.startswith("_")]
    for entry in entries:
        # A link to nothing was meant to be an item, and nobody would see it go missing: it is said, not
        # skipped. (A folder named like a source is not an item, and stays out of the way.)
        if entry.is_symlink() and not entry.is_file() and not entry.is_dir():
            raise WorkflowError(entry.path, None, "is a link to a file that is not there",
                                "fix or remove it: source/ holds each news item as an <item>.html file")
    names = [name[:-5] for name in sorted(entry.name for entry in entries if entry.is_file())]
    folder = os.fspath(settings.source_dir)
    for name in names:
        check_item_id(name, f"{folder}/{name}.html")
    return names


def protection_of(settings: Settings) -> Protection:
    """What the project's items keep as they are (see `units.Protection`)."""
    tags = frozenset(name for name in settings.protected if not name.startswith("."))
    classes = frozenset(name[1:] for name in settings.protected if name.startswith("."))
    language = None if settings.translate_other_languages else settings.source_locale.split("-")[0].lower()
    return Protection(PROTECTED_TAGS | tags, classes | {"notranslate"}, language)


def segment_source(settings: Settings, path: Path, catalog: str | None = None,
                   slots_only: bool | None = None, with_units: bool = True, data: bytes | None = None
                   ) -> Segmentation:
    """Read and segment one source file with the project's settings (`data`: its content, if already read).

    With a site layout, an item's slots (data-slot, or found by the settings' selectors) and its head are
    its units; an item that fills no slot is a whole page of its own, unless the settings require slots.
    """
    page: SourcePage = read_source(path, catalog, data)
    in_layout = catalog is None and settings.layout_path.exists()
    if in_layout and settings.slot_selectors:
        map_slots(page, settings.slot_selectors)
    if slots_only is None:
        slots_only = in_layout and has_slots(page, bool(settings.slot_selectors))
    if in_layout and not slots_only and settings.require_slots:
        raise WorkflowError(path, None, "the item fills none of the layout's slots (require_slots = true)",
                            "mark its parts with data-slot, map them with [layout.slots] selectors, or set "
                            "require_slots = false to publish it as a page of its own")
    segmentation = segment_page(page, settings.segmentation, frozenset(settings.extra_abbreviations), slots_only,
                                with_units, protection_of(settings))
    if in_layout and slots_only:
        check_slots_land(segmentation, layout_slot_names(settings.layout_path), path)
    return segmentation
