"""`workflow extract`: source items to templates and per-locale catalogs.

Every file is staged before any is renamed into place, so a bad source or a broken PO file stops the
run with every existing file untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from workflow.errors import ParseWarning
from workflow.lock import writes_project
from workflow.fsio import Staged, commit, discard, gather_staged, remove_stale_temps, stage
from workflow.parallel import map_settled
from workflow.po import (
    Catalog,
    MergeStats,
    countries_by_key,
    glossary_notes,
    locale_header,
    merge_entries,
    read_po,
    serialize,
    template_catalog,
    template_entries,
)
from workflow.segment import segment_source, source_items
from workflow.settings import SITE_CATALOG, Settings, relative


@dataclass(frozen=True, slots=True)
class LocaleResult:
    """One locale catalog after the update."""

    locale: str
    path: str
    stats: MergeStats
    written: bool


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item: its template and the catalogs updated from it."""

    item: str
    units: int
    entries: int
    template: str
    template_written: bool
    locales: tuple[LocaleResult, ...]


@dataclass(frozen=True, slots=True)
class ExtractReport:
    """What `extract` did, for the CLI to print."""

    items: tuple[ItemResult, ...]
    warnings: tuple[ParseWarning, ...]

    @property
    def files_written(self) -> int:
        return sum(i.template_written + sum(l.written for l in i.locales) for i in self.items)


@dataclass(frozen=True, slots=True)
class CatalogTask:
    """One source file to extract and the catalog it feeds."""

    path: Path
    catalog: str                      # item id, or SITE_CATALOG for the layout
    slots_only: bool = False          # an item of a project with a layout: only its head and data-slot parts


def site_keys(settings: Settings) -> frozenset[tuple[str | None, str]]:
    """The (msgctxt, msgid) keys of the layout, which item catalogs leave out."""
    if not settings.layout_path.exists():
        return frozenset()
    units = segment_source(settings, settings.layout_path, SITE_CATALOG, False).units
    return frozenset((unit.msgctxt, unit.msgid) for unit in units)


def extract_tasks(settings: Settings, items: tuple[str, ...] = ()) -> list[CatalogTask]:
    """The layout first (when there is one and no item filter), then every item."""
    has_layout = settings.layout_path.exists()
    tasks = [CatalogTask(settings.layout_path, SITE_CATALOG)] if has_layout and not items else []
    tasks += [CatalogTask(path, path.stem, has_layout) for path in source_items(settings, items)]
    return tasks


def _read_if_exists(path: Path) -> Catalog | None:
    return read_po(path) if path.exists() else None


def _stage_item(settings: Settings, targets: tuple[str, ...], shared: frozenset[tuple[str | None, str]],
                task: CatalogTask) -> tuple[ItemResult, tuple[ParseWarning, ...], list[Staged]]:
    """Read, segment and merge one item; stage (not yet commit) every file that changes. An item leaves the
    units that the layout has too (`shared`, by key) to the site catalog; the layout keeps all of its own."""
    path = task.path
    segmentation = segment_source(settings, path, task.catalog if task.catalog == SITE_CATALOG else None,
                                  None if task.slots_only else False)
    item = task.catalog
    pot_path = settings.pot_path(item)
    old_template = _read_if_exists(pot_path)
    old_catalogs = {locale: _read_if_exists(settings.po_path(locale, item)) for locale in targets}
    units = segmentation.units if task.catalog == SITE_CATALOG or not shared else \
        tuple(unit for unit in segmentation.units if (unit.msgctxt, unit.msgid) not in shared)
    entries = template_entries(units, relative(path, settings.root))
    template = template_catalog(settings, item, entries, old_template)
    created = template.header_value("POT-Creation-Date") or ""
    countries = countries_by_key(entries) if targets else {}
    staged: list[Staged] = []
    try:
        pot_staged = stage(pot_path, serialize(template))
        staged += [pot_staged] if pot_staged else []
        locale_results = []
        for locale in targets:
            old = old_catalogs[locale]
            notes = {key: glossary_notes(codes, locale, settings) for key, codes in countries.items()}
            merged, stats = merge_entries(entries, old, notes)
            catalog = Catalog(
                header_comments=old.header_comments if old is not None and old.has_header else (
                    f"{locale} translation of the news item {item!r} of {settings.name}.",),
                header=locale_header(settings, item, locale, created, old),
                header_flags=old.header_flags if old is not None else (),
                entries=merged,
            )
            po_path = settings.po_path(locale, item)
            po_staged = stage(po_path, serialize(catalog))
            staged += [po_staged] if po_staged else []
            locale_results.append(LocaleResult(locale, relative(po_path, settings.root), stats,
                                               po_staged is not None))
    except BaseException:
        discard(staged)
        raise
    result = ItemResult(item, len(units), len(entries), relative(pot_path, settings.root),
                        pot_staged is not None, tuple(locale_results))
    return result, segmentation.page.warnings, staged


@writes_project
def extract(settings: Settings, items: tuple[str, ...] = (), locales: tuple[str, ...] = (),
            workers: int | None = None) -> ExtractReport:
    """Write templates and update every target locale's catalog for the chosen items.

    Items are independent, so they are processed in parallel on every core. Each item's new files are
    staged first; only when every item succeeded are they renamed into place, so one bad source or PO
    file leaves every existing file as it was.
    """
    targets = settings.chosen_locales(locales)
    tasks = extract_tasks(settings, items)
    remove_stale_temps(settings.locales_dir)
    # A failure (a bad source or PO file, but also a full disk) comes back as a value, so that every other
    # item's staged files are discarded before it is raised.
    staged: list[Staged] = []
    try:
        # The settings and the layout's keys travel with the function, once per batch of items rather than with
        # every item.
        stage_item = partial(_stage_item, settings, targets, site_keys(settings))
        done = gather_staged(map_settled(stage_item, tasks, workers), staged)
        commit(staged)
    except BaseException:
        discard(staged)
        raise
    return ExtractReport(tuple(result for result, _, _ in done),
                         tuple(warning for _, item_warnings, _ in done for warning in item_warnings))
