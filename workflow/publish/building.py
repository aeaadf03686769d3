"""`workflow build`: localized pages, locale indexes and a sitemap from sources and catalogs.

The orchestration: every page's publication is decided first (alternates and links of each page depend on
what else is published), then the pages that need it are rendered; both run on every core. Builds are
incremental: a page is rebuilt only when one of its inputs changed. Everything is staged and committed at the
end, all at once: a failed build leaves the last output as it was.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

from workflow.lock import writes_project
from workflow.fsio import Staged, StagedFiles, commit, discard, flush_in_background, gather_staged
from workflow.parallel import PARALLEL_THRESHOLD, map_settled
from workflow.publish.decisions import Decider, Decision, assess, decision_from_state
from workflow.publish.inputs import BuildInputs
from workflow.publish.listings import IndexEntry, Listings
from workflow.publish.locale_data import asked, preload, recall
from workflow.publish.page_builder import PageBuilder, PageContext, context_fingerprint
from workflow.publish.render import Fallback
from workflow.publish.staging import (existing_pages, remove_stale_build_temps, stage_assets, stage_into,
                                      stage_item_files)
from workflow.publish.state import (STATE_FILE, BuildState, ItemRecord, PageFingerprint, load_state,
                                    read_or_empty)
from workflow.segment import item_names
from workflow.settings import Settings, relative

_tuple_new = tuple.__new__


BUILT, UNCHANGED, HELD_BACK = "built", "unchanged", "held back"


class PageResult(NamedTuple):
    """One page of the report (a site has one per item and locale: only what cannot be worked out is kept)."""

    item: str
    locale: str
    status: str                  # BUILT, UNCHANGED or HELD_BACK
    reason: str = ""
    share: float = 1.0
    drafts: int = 0
    fallbacks: tuple[Fallback, ...] = ()

    @property
    def path(self) -> str:
        """The page's file, relative to the project."""
        return f"output/{self.locale}/{self.item}.html"


class SiteFallback(NamedTuple):
    """A unit of the site chrome (the layout) whose translation a locale's pages do not use, and why."""

    locale: str
    msgid: str
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What `build` did, for the CLI (text or JSON)."""

    pages: tuple[PageResult, ...]
    indexes: tuple[str, ...]
    sitemap: str
    warnings: tuple[str, ...] = ()
    site_fallbacks: tuple[SiteFallback, ...] = ()

    @property
    def held_back(self) -> tuple[PageResult, ...]:
        return tuple(p for p in self.pages if p.status == HELD_BACK)

    def to_json(self) -> dict[str, object]:
        return {"pages": [{**p._asdict(), "path": p.path, "fallbacks": [f._asdict() for f in p.fallbacks]}
                          for p in self.pages],
                "indexes": list(self.indexes), "sitemap": self.sitemap,
                "warnings": list(self.warnings), "site_fallbacks": [f._asdict() for f in self.site_fallbacks]}


class _Build:
    """One build's parts: the state it starts from, its parsed inputs, its decisions and its pages."""

    def __init__(self, settings: Settings, locales: tuple[str, ...], force: bool, with_state: bool = True) -> None:
        self.settings = settings
        self.locales = locales
        self.output = settings.root / "output"
        self.state_path = self.output / STATE_FILE
        self.layout_bytes = read_or_empty(settings.layout_path)
        self.state = load_state(settings, self.layout_bytes, force, with_state)
        self.inputs = BuildInputs(settings, keep_read=not with_state)
        self.decider = Decider(settings, self.inputs, self.state)
        self.pages = PageBuilder(settings, self.inputs)

    def forget(self, item: str) -> None:
        """Drop an item's parsed source and catalogs once its work is done, so a worker's memory stays flat."""
        self.inputs.forget(item)
        self.pages.forget(item)


def decisions_for(settings: Settings, items: tuple[str, ...],
                  locales: tuple[str, ...]) -> dict[tuple[str, str], Decision]:
    """Whether each item would be published in each locale, and why (the last build's answers where valid)."""
    parts = _Build(settings, locales, False)
    found = {}
    for item in items:
        record = parts.state.record(item)
        for locale in locales:
            found[(item, locale)] = parts.decider.decide(record, item, locale)[0]
        parts.forget(item)
    return found


# ------------------------------------------------------------------------------------------------ workers

_worker_builds: dict[tuple[str, int], _Build] = {}
_build_ids = itertools.count()


def _worker_build(settings: Settings, build_id: int) -> _Build:
    """One build's parts per worker process, so the layout and site catalogs are parsed once, not once per
    item. Never shared by two builds: a build run in the same process after a change must not see the last
    one's parsed inputs.

    It starts without the saved state: each item's part of it comes with the item.
    """
    key = (str(settings.root), build_id)
    if key not in _worker_builds:
        _worker_builds.clear()
        _worker_builds[key] = _Build(settings, settings.chosen_locales(with_source=True), True, False)
    return _worker_builds[key]


def _page_fingerprint(key: str, context: str) -> PageFingerprint:
    """Kept as the pair, not hashed: the key is made of digests already, and the state stores it once for the
    decision and the page (marshal writes a string that both hold once)."""
    return (key, context)


# A page to write: its locale, decision, fingerprint and context.
PageToWrite = tuple[str, Decision, PageFingerprint, PageContext]
# A page written: its locale and its fingerprint.
PageWritten = tuple[str, PageFingerprint]


class ItemToDecide(NamedTuple):
    """An item for a worker to decide: its name, every locale, its part of the state (encoded), the locales
    whose saved decisions still hold, the locales whose page may be written (none when the item is not
    built now), those whose page is there now (its fingerprint in the record tells whether it must be
    written again), and the locales whose page will be there after the build if published (built now, or
    kept from before): the only ones its links may name."""

    item: str
    locales: tuple[str, ...]
    record: bytes
    known: frozenset[str]
    render: tuple[str, ...]
    present: frozenset[str]
    shown: frozenset[str]


class ItemDecided(NamedTuple):
    """A worker's answer for an item: its new part of the state (encoded), the locales whose page it wrote,
    those it publishes, the files its published pages refer to, whether a page was published or withdrawn
    since the last build, the CLDR answers its pages asked for, and the pages staged for the build to commit."""

    record: bytes
    written: tuple[str, ...]
    published: frozenset[str]
    files: tuple[tuple[str, int], ...]
    publication_changed: bool
    asked: dict[str, str]
    staged: list[Staged]


def _decide_item(settings: Settings, build_id: int, task: ItemToDecide) -> ItemDecided:
    """Worker: the item's decisions in every locale, kept in its record; and, when its page links to no other
    item, its pages too, while its source and catalogs are parsed (one pass, not two). The decisions that
    still hold (`known`) are taken as they are: those catalogs are not read again."""
    parts = _worker_build(settings, build_id)
    record = ItemRecord.decode(task.record)
    before = {locale: row[1] for locale, row in record.decisions.items()}
    try:
        decided = {locale: decision_from_state(record.decisions[locale]) if locale in task.known
                   else parts.decider.decide(record, task.item, locale) for locale in task.locales}
        links = next(iter(decided.values()))[0].links if decided else ()
        pages = []
        if task.render and not any(parts.inputs.is_item(name) for name in links):
            context = PageContext(tuple(locale for locale in task.locales if decided[locale][0].published
                                        and locale in task.shown))
            for locale in task.render:
                decision, key = decided[locale]
                fingerprint = _page_fingerprint(key, context.fingerprint())
                old = record.pages.get(locale) if locale in task.present else None
                if decision.published and fingerprint != old:
                    pages.append((locale, decision, fingerprint, context))
        written, staged = _stage_pages(parts, task.item, pages)
    finally:
        parts.forget(task.item)
    record.pages.update(written)
    published = frozenset(locale for locale, (decision, _) in decided.items() if decision.published)
    files = tuple(dict.fromkeys(file for locale in published for file in decided[locale][0].files))
    changed = any(before.get(locale) != (locale in published) for locale in task.locales)
    return ItemDecided(record.encode(), tuple(locale for locale, _ in written), published, files, changed,
                       asked(), staged)


def _render_item(settings: Settings, build_id: int, task: tuple[str, tuple[PageToWrite, ...]]
                 ) -> tuple[list[PageWritten], dict[str, str], list[Staged]]:
    """Worker: stage the item's pages that need it; return (locale, fingerprint) for each, the CLDR answers
    they asked for, and the staged files."""
    item, pages = task
    parts = _worker_build(settings, build_id)
    try:
        written, staged = _stage_pages(parts, item, pages)
    finally:
        parts.forget(item)
    return written, asked(), staged


def _stage_pages(parts: _Build, item: str, pages: Iterable[PageToWrite]) -> tuple[list[PageWritten], list[Staged]]:
    """Render and stage an item's pages: (locale, fingerprint) of each, and the staged files (none on failure)."""
    written = []
    staged: list[Staged] = []
    try:
        for locale, decision, fingerprint, context in pages:
            stage_into(staged, parts.output / locale / f"{item}.html",
                       parts.pages.item_page(item, locale, decision, context))
            written.append((locale, fingerprint))
    except BaseException:
        discard(staged)
        raise
    return written, staged


def _files_read(parts: _Build, item: str, locales: tuple[str, ...]) -> list[str]:
    """The files a worker reads for an item's pages in `locales`: its source and their catalogs."""
    inputs, source_locale = parts.inputs, parts.settings.source_locale
    return [inputs.source_name(item), *(inputs.catalog_name(item, locale) for locale in locales
                                        if locale != source_locale)]


# ------------------------------------------------------------------------------------------------ the build

class _Published:
    """What the deciding pass found for every item: the items each locale publishes (among the pages that
    will be there after the build), the files each item's published pages refer to, the pages written, the
    locales with a decision made anew (see Listings.stage) and whether a page was published or withdrawn."""

    def __init__(self, locales: tuple[str, ...]) -> None:
        self.by_locale: dict[str, set[str]] = {locale: set() for locale in locales}
        self.files: dict[str, tuple[tuple[str, int], ...]] = {}
        self.written: dict[str, tuple[str, ...]] = {}
        self.changed_locales: set[str] = set()
        self.publication_changed = False

    def add(self, item: str, published: Iterable[str], shown: frozenset[str],
            files: tuple[tuple[str, int], ...]) -> None:
        for locale in published:
            if locale in shown:
                self.by_locale[locale].add(item)
        if files:
            self.files[item] = files


def _sort_items(parts: _Build, every_item: list[str], chosen: set[str], existing: set[str],
                shown: Callable[[str], frozenset[str]], force: bool) -> tuple[list[ItemToDecide], _Published]:
    """The items some of whose saved decisions no longer hold (to decide, with what a worker needs), and what
    the others publish. Items no longer in the project leave the state."""
    state, all_locales = parts.state, parts.settings.chosen_locales(with_source=True)
    keep = set(every_item)
    state.items = {item: blob for item, blob in state.items.items() if item in keep}
    found = _Published(all_locales)
    tasks = []
    for item in every_item:
        record = state.record(item)
        files_before = dict(record.files)
        held = parts.decider.saved_item_decisions(record, item, all_locales)
        if record.files != files_before:  # a file touched but not changed: its new status is kept
            state.put(item, record)
        if len(held) == len(all_locales):
            found.add(item, (locale for locale, row in held.items() if row[1]), shown(item),
                      tuple(dict.fromkeys(file for row in held.values() if row[1] for file in row[9])))
            continue
        render = parts.locales if item in chosen else ()
        present = frozenset() if force else frozenset(locale for locale in render
                                                      if f"{locale}/{item}.html" in existing)
        tasks.append(ItemToDecide(item, all_locales, record.encode() if record.files or record.decisions else b"",
                                  frozenset(held), render, present, shown(item)))
    return tasks, found


def _decide_undecided(parts: _Build, tasks: list[ItemToDecide], build_id: int, workers: int | None,
                      staged: StagedFiles, answers: dict[str, str], found: _Published) -> None:
    """Decide the items on every core (and write the pages that link to no other item); merge their state
    as each comes back, so the main process holds only each item's encoded record."""
    # The settings travel with the function, once per batch of items rather than with every item.
    deciding = map_settled(partial(_decide_item, parts.settings, build_id), tasks, workers,
                           lambda task: _files_read(parts, task.item, task.locales))
    for task, result in zip(tasks, gather_staged(deciding, staged)):
        answers.update(result.asked)
        parts.state.items[task.item] = result.record
        found.add(task.item, result.published, task.shown, result.files)
        if result.written:
            found.written[task.item] = result.written
        found.changed_locales.update(locale for locale in task.locales if locale not in task.known)
        found.publication_changed = found.publication_changed or result.publication_changed
    # Every record is this build's now: where the saved decisions did not hold at all, every item was decided.
    parts.state.files_only = False


class _Plan(NamedTuple):
    """The report's rows, the pages to render by item, and the pages no longer published."""

    results: list[PageResult]
    to_render: dict[str, list[PageToWrite]]
    withdrawn: list[Path]


def _plan_pages(parts: _Build, every_item: list[str], chosen_items: list[str], found: _Published,
                existing: set[str], force: bool) -> _Plan:
    """Each chosen page's status: held back, built already, unchanged, or to render with its context."""
    all_locales = parts.settings.chosen_locales(with_source=True)
    item_set = set(every_item)
    published = found.by_locale
    plan = _Plan([], {}, [])
    for item, record in parts.state.records(chosen_items):
        publishing = tuple(locale for locale in all_locales if item in published[locale])
        written_early = found.written.get(item, ())
        # The context of every page of the item that links to no item; made only for a page to render.
        unlinked: PageContext | None = None
        unlinked_fingerprint = context_fingerprint(publishing)
        withdrawn = False
        for locale in parts.locales:
            decision, key = decision_from_state(record.decisions[locale])
            page = f"{locale}/{item}.html"  # as the listing of output/ names it
            if not decision.published:
                if page in existing:
                    plan.withdrawn.append(parts.output / page)
                withdrawn = record.pages.pop(locale, None) is not None or withdrawn
                status = HELD_BACK
            elif locale in written_early:
                status = BUILT
            else:
                linked = tuple(link for link in decision.links if link in item_set) if decision.links else ()
                if linked:
                    context = PageContext(publishing, linked, tuple(link for link in linked if link in published[locale]))
                    fingerprint = _page_fingerprint(key, context.fingerprint())
                else:
                    context, fingerprint = unlinked, _page_fingerprint(key, unlinked_fingerprint)
                if not force and record.pages.get(locale) == fingerprint and page in existing:
                    status = UNCHANGED
                else:
                    status = BUILT
                    if context is None:
                        context = unlinked = PageContext(publishing)
                    plan.to_render.setdefault(item, []).append((locale, decision, fingerprint, context))
            # Built without the named tuple's keyword handling: a rebuild makes one for every page of the site.
            # The reason is interned: a site's pages share a handful of them.
            plan.results.append(_tuple_new(PageResult, (item, locale, status, sys.intern(decision.reason),
                                                        decision.share, decision.drafts, decision.fallbacks)))
        if withdrawn:
            parts.state.put(item, record)
    return plan


def _index_entries(state: BuildState, every_item: list[str], published: dict[str, set[str]]
                   ) -> Callable[[str], list[IndexEntry]]:
    """For a locale, its index's entries (item, title, date) in item order, read from the items' records
    one at a time (only for the indexes made again)."""
    def entries(locale: str) -> list[IndexEntry]:
        shown = published[locale]
        return [(item, decision.title, decision.date)
                for item, record in state.records([item for item in every_item if item in shown])
                for decision in (decision_from_state(record.decisions[locale])[0],)]
    return entries


@writes_project
def build(settings: Settings, items: tuple[str, ...] = (), locales: tuple[str, ...] = (),
          force: bool = False, workers: int | None = None) -> BuildReport:
    """Build every published page (or the chosen items and locales), the indexes and the sitemap.

    Items are independent once every page's publication is decided, so deciding and rendering both run on
    every core; the state (what was built from which inputs) is merged and saved here.
    """
    all_locales = settings.chosen_locales(with_source=True)
    chosen_locales = settings.chosen_locales(locales, with_source=True)
    parts = _Build(settings, chosen_locales, force)
    every_item = item_names(settings)
    chosen_items = item_names(settings, items) if items else every_item
    # CLDR's answers from the last build stand in for Babel's data. When every page and index is made anew (a
    # forced or first build of the whole site), what they ask is all the state keeps; otherwise the last
    # build's answers stay beside this one's.
    recall(parts.state.answers)
    answers = {} if not (items or locales or parts.state.built) else dict(parts.state.answers)
    existing = existing_pages(parts.output, chosen_locales)
    remove_stale_build_temps(parts.output, existing)
    shown = _shown_locales(parts, existing, set(chosen_items), all_locales)
    # Decide every page first: alternates and links of each page depend on what else is published. Pages that
    # link to no other item are written in the same pass, while their inputs are parsed; the rest after it.
    tasks, found = _sort_items(parts, every_item, set(chosen_items), existing, shown, force)
    build_id = next(_build_ids)
    # Pages are staged by the workers and committed at the end all at once, with the indexes, the sitemap and
    # the state last: one flush to disk for the whole build, and a failure leaves the last build's output as
    # it was. A worker's failure comes back as a value so that what the others staged is discarded first.
    staged = StagedFiles()
    if len(tasks) >= PARALLEL_THRESHOLD:
        # A build this size needs every locale's CLDR data in every worker (and again for the indexes):
        # loaded here once, before the workers start, rather than by each of them.
        preload(all_locales)
    try:
        _decide_undecided(parts, tasks, build_id, workers, staged, answers, found)
        del tasks
        flushed = flush_in_background(staged)  # the pages written so far, while the rest is decided and staged
        plan = _plan_pages(parts, every_item, chosen_items, found, existing, force)
        render_tasks = [(item, tuple(pages)) for item, pages in plan.to_render.items()]
        rendering = map_settled(partial(_render_item, settings, build_id), render_tasks, workers,
                                lambda task: _files_read(parts, task[0], tuple(page[0] for page in task[1])))
        for (item, _), (written, asked_by_item, _) in zip(render_tasks, gather_staged(rendering, staged)):
            record = parts.state.record(item)
            record.pages.update(written)
            parts.state.put(item, record)
            answers.update(asked_by_item)
        listings = Listings(settings, parts.state, parts.pages, parts.decider, parts.layout_bytes)
        indexes, sitemap_path = listings.stage(chosen_locales, every_item,
                                               _index_entries(parts.state, every_item, found.by_locale),
                                               found.by_locale, force, staged, found.changed_locales,
                                               found.publication_changed)
        stage_assets(settings, parts.output, staged)
        file_warnings, unreferenced = stage_item_files(settings, parts.state, parts.output,
                                                       _file_references(parts, found.files), staged)
        answers.update(asked())  # the indexes' dates, and what the pages made in this process asked
        parts.state.answers = answers
        stage_into(staged, parts.state_path, parts.state.dump())
        flushed()
        commit(staged)
    except BaseException:
        discard(staged, [parts.output / locale for locale in chosen_locales])  # where the workers stage pages
        raise
    for path in (*plan.withdrawn, *unreferenced, *listings.stale_sitemaps):
        path.unlink(missing_ok=True)
    damaged = parts.state.damaged
    return BuildReport(tuple(plan.results), tuple(indexes), relative(sitemap_path, settings.root),
                       site_fallbacks=_site_fallbacks(parts, chosen_locales),
                       warnings=(*((f"output/{damaged}; every page was built again",) if damaged else ()),
                                 *file_warnings))


def _file_references(parts: _Build, files: dict[str, tuple[tuple[str, int], ...]]) -> dict[str, tuple[str, int]]:
    """Every project file a published page or the layout refers to, with the first source and line."""
    found: dict[str, tuple[str, int]] = {}
    layout = relative(parts.settings.layout_path, parts.settings.root)
    for path, line in parts.inputs.layout_files():
        found.setdefault(path, (layout, line))
    for item in sorted(files):
        for path, line in files[item]:
            found.setdefault(path, (f"source/{item}.html", line))
    return found


def _shown_locales(parts: _Build, existing: set[str], chosen_items: set[str], all_locales: tuple[str, ...]
                   ) -> Callable[[str], frozenset[str]]:
    """For an item, the locales whose page will be there after this build if published: built now, or kept
    from before (the pages of locales and items not built now stay as they are). Links name only those."""
    others = tuple(locale for locale in all_locales if locale not in parts.locales)
    present = existing | existing_pages(parts.output, others)

    def shown(item: str) -> frozenset[str]:
        return frozenset(locale for locale in all_locales if (item in chosen_items and locale in parts.locales)
                         or f"{locale}/{item}.html" in present)

    return shown


def _site_fallbacks(parts: _Build, locales: tuple[str, ...]) -> tuple[SiteFallback, ...]:
    """The layout's units that fall back to the source text in each locale, checked as a page's are."""
    layout = parts.inputs.layout_segmentation()
    if layout is None:
        return ()
    return tuple(SiteFallback(locale, fallback.msgid, fallback.line, fallback.reason)
                 for locale in locales if locale != parts.settings.source_locale
                 for fallback in assess(layout, parts.inputs.site_translations(locale), parts.settings,
                                        locale).fallbacks)
