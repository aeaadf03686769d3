"""`workflow extract`: source items to templates and per-locale catalogs.

Everything is read and checked before anything is written, so a bad source or a broken PO file stops
the run with every existing file untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow.catalog import (countries_by_key, glossary_notes, locale_header, relative, template_catalog,
                              template_entries)
from workflow.errors import Warning_, WorkflowError
from workflow.fsio import write_atomic
from workflow.merge import MergeStats, merge_entries
from workflow.pofile import Catalog, read_po, serialize
from workflow.settings import Settings, check_item_id
from workflow.source import SourcePage, read_source
from workflow.units import Segmentation, segment_page


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
    warnings: tuple[Warning_, ...]

    @property
    def files_written(self) -> int:
        return sum(i.template_written + sum(l.written for l in i.locales) for i in self.items)


def source_items(settings: Settings, only: tuple[str, ...] = ()) -> list[Path]:
    """The source files to work on: every source/*.html, or the ones named with --item."""
    for item in only:
        check_item_id(item)
    if not settings.source_dir.is_dir():
        raise WorkflowError(settings.source_dir, None, "no source folder",
                            "put news items as source/<item>.html in the content root")
    if only:
        paths = []
        for item in only:
            path = settings.source_dir / f"{item}.html"
            if not path.is_file():
                raise WorkflowError(path, None, f"no source for item {item!r}",
                                    "check the item id against the files in source/")
            paths.append(path)
        return paths
    paths = sorted(p for p in settings.source_dir.glob("*.html") if p.is_file())
    for path in paths:
        check_item_id(path.stem, path)
    return paths


def segment_source(settings: Settings, path: Path) -> Segmentation:
    """Read and segment one item with the project's segmentation settings."""
    page: SourcePage = read_source(path)
    return segment_page(page, settings.segmentation, frozenset(settings.extra_abbreviations))


def _read_if_exists(path: Path) -> Catalog | None:
    return read_po(path) if path.exists() else None


def extract(settings: Settings, items: tuple[str, ...] = (), locales: tuple[str, ...] = ()) -> ExtractReport:
    """Write templates and update every target locale's catalog for the chosen items."""
    targets = locales or settings.target_locales
    for locale in targets:
        if locale not in settings.target_locales:
            raise WorkflowError(settings.root / "workflow.toml", None, f"{locale!r} is not a target locale",
                                "add it to target_locales or pick one of " + ", ".join(settings.target_locales))
    # Phase 1: read and check everything.
    plans = []
    warnings: list[Warning_] = []
    for path in source_items(settings, items):
        segmentation = segment_source(settings, path)
        warnings.extend(segmentation.page.warnings)
        item = segmentation.page.item
        old_template = _read_if_exists(settings.pot_path(item))
        old_catalogs = {locale: _read_if_exists(settings.po_path(locale, item)) for locale in targets}
        plans.append((item, path, segmentation, old_template, old_catalogs))
    # Phase 2: compute and write.
    results = []
    for item, path, segmentation, old_template, old_catalogs in plans:
        units = segmentation.units
        entries = template_entries(units, relative(path, settings.root))
        template = template_catalog(settings, item, entries, old_template)
        pot_path = settings.pot_path(item)
        template_written = write_atomic(pot_path, serialize(template))
        created = template.header_value("POT-Creation-Date") or ""
        countries = countries_by_key(units)
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
            written = write_atomic(po_path, serialize(catalog))
            locale_results.append(LocaleResult(locale, relative(po_path, settings.root), stats, written))
        results.append(ItemResult(item, len(units), len(entries), relative(pot_path, settings.root),
                                  template_written, tuple(locale_results)))
    return ExtractReport(tuple(results), tuple(warnings))
