"""`workflow extract`: source items to templates and per-locale catalogs.

Every file is staged before any is renamed into place, so a bad source or a broken PO file stops the
run with every existing file untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from operator import add
from pathlib import Path
from typing import NamedTuple

from workflow.digests import digest, tool_digest
from workflow.errors import ParseWarning
from workflow.extract_state import STATE_FILE, ExtractState, ItemRecord
from workflow.fsio import Staged, StagedFiles, commit, discard, gather_staged, remove_stale_temps, stage
from workflow.lock import writes_project
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
    """What `extract` did, for the CLI to print: its sums, and `items`, a line per item made as it is read (see
    _ItemResults) for a detailed listing: a site's report has a line per catalog."""

    items: Sequence[ItemResult]
    warnings: tuple[ParseWarning, ...]
    units: int
    files_written: int
    totals: tuple[tuple[str, MergeStats], ...]  # by target locale, over every item


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


# A file an item's extract leaves: (mtime_ns, size) as it will be once the extract's files are in place (a
# rename keeps both), and its merge counts (none for a template).
FileLeft = tuple[int, int, tuple[int, ...]]


class ItemExtracted(NamedTuple):
    """A worker's answer for one item: its report line, its warnings, its files by locale ("" for the
    template) as they will be, and the files it staged."""

    result: ItemResult
    warnings: tuple[ParseWarning, ...]
    files: dict[str, FileLeft]
    staged: list[Staged]


def _left(path: str, staged: Staged | None, counts: tuple[int, ...] = ()) -> FileLeft:
    status = os.stat(staged[0] if staged is not None else path)
    return status.st_mtime_ns, status.st_size, counts


def _stage_item(settings: Settings, targets: tuple[str, ...], shared: frozenset[tuple[str | None, str]],
                task: CatalogTask) -> ItemExtracted:
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
    named = set(countries.values())  # the countries' notes are made once per locale, not once per unit
    staged: list[Staged] = []
    try:
        pot_staged = stage(pot_path, serialize(template, settings.wrap))
        staged += [pot_staged] if pot_staged else []
        files = {"": _left(str(pot_path), pot_staged)}
        locale_results = []
        for locale in targets:
            old = old_catalogs[locale]
            notes_of = {codes: glossary_notes(codes, locale, settings) for codes in named}
            notes = {key: notes_of[codes] for key, codes in countries.items()}
            merged, stats = merge_entries(entries, old, notes)
            catalog = Catalog(
                header_comments=old.header_comments if old is not None and old.has_header else (
                    f"{locale} translation of the news item {item!r} of {settings.name}.",),
                header=locale_header(settings, item, locale, created, old),
                header_flags=old.header_flags if old is not None else (),
                entries=merged,
            )
            po_path = settings.po_path(locale, item)
            po_staged = stage(po_path, serialize(catalog, settings.wrap))
            staged += [po_staged] if po_staged else []
            files[locale] = _left(str(po_path), po_staged, _counts(stats))
            locale_results.append(LocaleResult(locale, relative(po_path, settings.root), stats,
                                               po_staged is not None))
    except BaseException:
        discard(staged)
        raise
    result = ItemResult(item, len(units), len(entries), relative(pot_path, settings.root),
                        pot_staged is not None, tuple(locale_results))
    return ItemExtracted(result, segmentation.page.warnings, files, staged)


# Left in .workflow/ while an extract runs: one that is there when the next starts was killed, and may have
# left temp files in locales/ to remove (looking for them in every locale folder would cost an extract with
# nothing to do more than the rest of its work).
RUNNING_MARKER = Path(".workflow") / "extract-running"


@contextmanager
def _running(settings: Settings) -> Iterator[None]:
    marker = settings.root / RUNNING_MARKER
    if marker.exists() or not (settings.root / STATE_FILE).exists():
        remove_stale_temps(settings.locales_dir)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a folder we cannot write to fails at the first catalog, with its own message
    try:
        yield
    finally:
        try:
            marker.unlink()
        except OSError:
            pass


class _CatalogPaths:
    """The paths of an item's template and catalogs, as strings made by formatting: an extract with nothing to
    do asks for the paths of every catalog of every item, and building that many Path objects would cost
    more than the stats of the files."""

    def __init__(self, settings: Settings, targets: tuple[str, ...]) -> None:
        folders = {"": settings.templates_dir, **{locale: settings.locales_dir / locale for locale in targets}}
        self.absolute = {key: os.path.join(folder, "") for key, folder in folders.items()}
        self.shown = {key: relative(folder, settings.root) + "/" for key, folder in folders.items()}
        self.targets = targets

    def files(self, catalog: str) -> dict[str, str]:
        """By locale ("" for the template): each file's path."""
        return {key: f"{folder}{catalog}{'.po' if key else '.pot'}" for key, folder in self.absolute.items()}

    def report(self, catalog: str, record: ItemRecord, written: int = 0) -> ItemResult:
        """An item's report line from its record in the state; `written` has bit 0 set when its template was
        written, bit i + 1 when the catalog of the i-th target locale was."""
        locales = tuple(LocaleResult(locale, f"{self.shown[locale]}{catalog}.po", MergeStats(*record.files[locale][3]),
                                     bool(written >> (index + 1) & 1)) for index, locale in enumerate(self.targets))
        return ItemResult(catalog, record.units, record.entries, f"{self.shown['']}{catalog}.pot", bool(written & 1),
                          locales)


class _ItemResults(Sequence[ItemResult]):
    """The report's lines, each made from the state when it is read: an extract of a large site would
    otherwise hold a line per catalog, with its counts and path, until the command ends."""

    def __init__(self, catalogs: list[str], state: ExtractState, paths: _CatalogPaths, written: dict[str, int]) -> None:
        self.catalogs, self.state, self.paths, self.written = catalogs, state, paths, written

    def __len__(self) -> int:
        return len(self.catalogs)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        catalog = self.catalogs[index]
        record = self.state.get(catalog)
        assert record is not None  # every item of the run was recorded
        return self.paths.report(catalog, record, self.written.get(catalog, 0))


@writes_project
def extract(settings: Settings, items: tuple[str, ...] = (), locales: tuple[str, ...] = (),
            workers: int | None = None, force: bool = False) -> ExtractReport:
    """Write templates and update every target locale's catalog for the chosen items.

    Only items whose source, template or catalogs changed since the last extract are read and merged (see
    `extract_state`); `force` does every item. Items are independent, so they are processed in parallel on
    every core. Each item's new files are staged first; only when every item succeeded are they renamed into
    place, so one bad source or PO file leaves every existing file as it was.
    """
    targets = settings.chosen_locales(locales)
    tasks = extract_tasks(settings, items)
    layout = settings.layout_path.read_bytes() if settings.layout_path.exists() else b""
    common = digest(tool_digest(), settings.settings_bytes, layout)
    state_path = settings.root / STATE_FILE
    state = ExtractState(common) if force else ExtractState.load(state_path, common)
    paths = _CatalogPaths(settings, targets)
    written: dict[str, int] = {}
    with _running(settings):
        sources = {task.catalog: state.source_digest(task.path) for task in tasks}
        pending = [task for task in tasks
                   if not state.up_to_date(task.catalog, sources[task.catalog], paths.files(task.catalog))]
        for task, done in _extract_pending(settings, targets, pending, workers, paths):
            # Each item's answer is kept in the state as it comes, and only what the report needs besides.
            state.record(task.catalog, sources[task.catalog], done.result.units, done.result.entries,
                         tuple((w.path, w.line, w.message) for w in done.warnings), done.files)
            written[task.catalog] = done.result.template_written | sum(
                result.written << (index + 1) for index, result in enumerate(done.result.locales))
        if not items:
            state.keep_only({task.catalog for task in tasks}, {str(task.path) for task in tasks})
        state.save(state_path)
    return _report([task.catalog for task in tasks], state, paths, written)


def _report(catalogs: list[str], state: ExtractState, paths: _CatalogPaths, written: dict[str, int]) -> ExtractReport:
    """The report's warnings and sums in one pass over the items' records: each figure summed in a pass of its
    own would decode every record again (at 4,000 items that took longer than finding that nothing changed)."""
    warnings: list[ParseWarning] = []
    units = 0
    totals = {locale: (0, 0, 0, 0, 0) for locale in paths.targets}
    for catalog in catalogs:
        record = state.get(catalog)
        assert record is not None  # every item of the run was recorded
        warnings += (ParseWarning(*warning) for warning in record.warnings)
        units += record.units
        for locale, counts in totals.items():
            totals[locale] = tuple(map(add, counts, record.files[locale][3]))
    files_written = sum(bits.bit_count() for bits in written.values())
    return ExtractReport(_ItemResults(catalogs, state, paths, written), tuple(warnings), units, files_written,
                         tuple((locale, MergeStats(*counts)) for locale, counts in totals.items()))


def _counts(stats: MergeStats) -> tuple[int, ...]:
    return (stats.kept, stats.invisible, stats.fuzzy, stats.new, stats.obsolete)


def _extract_pending(settings: Settings, targets: tuple[str, ...], tasks: list[CatalogTask],
                     workers: int | None, paths: _CatalogPaths) -> Iterator[tuple[CatalogTask, ItemExtracted]]:
    """Stage every task's files in parallel, handing each item's answer over as it comes; then commit them
    all, or none when any task failed."""
    if not tasks:
        return
    # A failure (a bad source or PO file, but also a full disk) comes back as a value, so that every other
    # item's staged files are discarded before it is raised.
    staged = StagedFiles()
    try:
        # The settings and the layout's keys travel with the function, once per batch of items rather than with
        # every item.
        stage_item = partial(_stage_item, settings, targets, site_keys(settings))

        def reads(task: CatalogTask) -> tuple[str, ...]:
            return (str(task.path), *paths.files(task.catalog).values())

        yield from zip(tasks, gather_staged(map_settled(stage_item, tasks, workers, reads), staged))
        commit(staged)
    except BaseException:
        discard(staged, paths.absolute.values())  # the folders the workers stage templates and catalogs in
        raise
