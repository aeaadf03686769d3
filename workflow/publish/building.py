"""`workflow build`: localized pages, locale indexes and a sitemap from sources and catalogs.

The orchestration: every page's publication is decided first (alternates and links of each page depend on
what else is published), then the pages that need it are rendered; both run on every core. Builds are
incremental: a page is rebuilt only when one of its inputs changed. Everything is staged and committed at the
end, all at once: a failed build leaves the last output as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

from workflow.lock import writes_project
from workflow.fsio import Staged, commit, discard, flush_in_background, gather_staged
from workflow.parallel import PARALLEL_THRESHOLD, map_settled
from workflow.publish.decisions import Decider, Decision, assess, decision_from_state
from workflow.publish.inputs import BuildInputs
from workflow.publish.listings import Listings
from workflow.publish.locale_data import asked, preload, recall
from workflow.publish.page_builder import PageBuilder, PageContext, context_fingerprint
from workflow.publish.render import Fallback
from workflow.publish.staging import (existing_pages, remove_stale_build_temps, stage_assets, stage_into,
                                      stage_item_files)
from workflow.publish.state import STATE_FILE, PageFingerprint, SavedDecision, load_state, read_or_empty
from workflow.segment import item_names
from workflow.settings import Settings, relative

_tuple_new = tuple.__new__


class PageResult(NamedTuple):
    """One page of the report."""

    item: str
    locale: str
    path: str
    status: str                  # "built", "unchanged", "held back", "removed"
    reason: str = ""
    share: float = 1.0
    drafts: int = 0
    fallbacks: tuple[Fallback, ...] = ()


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
        return tuple(p for p in self.pages if p.status == "held back")

    def to_json(self) -> dict[str, object]:
        return {"pages": [{**p._asdict(), "fallbacks": [f._asdict() for f in p.fallbacks]} for p in self.pages],
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
    decider = _Build(settings, locales, False).decider
    return {(item, locale): decider.decide(item, locale)[0] for item in items for locale in locales}


# ------------------------------------------------------------------------------------------------ workers

_worker_builds: dict[tuple[str, int], _Build] = {}
_build_ids = itertools.count()


def _worker_build(settings: Settings, build_id: int) -> _Build:
    """One build's parts per worker process, so the layout and site catalogs are parsed once, not once per
    item. Never shared by two builds: a build run in the same process after a change must not see the last
    one's parsed inputs.

    It starts without the saved state: workers only decide what the main process found undecided.
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
# A page written: its name in the state and output/ ("fr/item.html") and its fingerprint.
PageWritten = tuple[str, PageFingerprint]
# An item to decide: its name, every locale, the saved decisions that still hold, the locales whose page
# may be written with the fingerprint of the page there now, and the locales whose page will be there after
# the build if published (built now, or kept from before): the only ones its links may name.
ItemToDecide = tuple[str, tuple[str, ...], dict[str, SavedDecision], tuple[tuple[str, PageFingerprint | None], ...],
                     frozenset[str]]


def _decide_item(settings: Settings, build_id: int, task: ItemToDecide
                 ) -> tuple[dict[str, SavedDecision], dict[str, tuple[int, int, str]], list[PageWritten],
                            dict[str, str], list[Staged]]:
    """Worker: the item's decisions in every locale, as state entries; and, when its page links to no other
    item, its pages too, while its source and catalogs are parsed (one pass, not two).

    `known` holds the saved decisions that still hold (the locales whose catalogs did not change): those
    catalogs are not read again. `render_locales` pairs each locale whose page may be written with the
    fingerprint of the page there now (None to write it in any case). Returns the new state entries, the
    digests of the files read (so the build does not read them again), (state key, fingerprint) per page
    written, the CLDR answers its pages asked for, and the pages staged for the build to commit.
    """
    item, locales, known, render_locales, shown = task
    parts = _worker_build(settings, build_id)
    try:
        decided = {locale: decision_from_state(known[locale]) if locale in known
                   else parts.decider.decide(item, locale) for locale in locales}
        links = next(iter(decided.values()))[0].links if decided else ()
        pages = []
        if render_locales and not any(parts.inputs.is_item(name) for name in links):
            context = PageContext(tuple(locale for locale in locales if decided[locale][0].published
                                        and locale in shown))
            for locale, old in render_locales:
                decision, key = decided[locale]
                fingerprint = _page_fingerprint(key, context.fingerprint())
                if decision.published and fingerprint != old:
                    pages.append((locale, decision, fingerprint, context))
        written, staged = _stage_pages(parts, item, pages)
    finally:
        parts.forget(item)
    entries = {f"{item}|{locale}": parts.state.decisions.pop(f"{item}|{locale}") for locale in locales
               if locale not in known}
    names = [parts.inputs.source_name(item),
             *(parts.inputs.catalog_name(item, locale) for locale in locales
               if locale != settings.source_locale and locale not in known)]
    files = {name: parts.state.files.pop(name) for name in names if name in parts.state.files}
    return entries, files, written, asked(), staged


def _render_item(settings: Settings, build_id: int, task: tuple[str, tuple[PageToWrite, ...]]
                 ) -> tuple[list[PageWritten], dict[str, str], list[Staged]]:
    """Worker: stage the item's pages that need it; return (state key, fingerprint) for each, the CLDR answers
    they asked for, and the staged files."""
    item, pages = task
    parts = _worker_build(settings, build_id)
    try:
        written, staged = _stage_pages(parts, item, pages)
    finally:
        parts.forget(item)
    return written, asked(), staged


def _stage_pages(parts: _Build, item: str, pages: Iterable[PageToWrite]) -> tuple[list[PageWritten], list[Staged]]:
    """Render and stage an item's pages: (state key, fingerprint) of each, and the staged files (none on failure)."""
    written = []
    staged: list[Staged] = []
    try:
        for locale, decision, fingerprint, context in pages:
            stage_into(staged, parts.output / locale / f"{item}.html",
                       parts.pages.item_page(item, locale, decision, context))
            written.append((f"{locale}/{item}.html", fingerprint))
    except BaseException:
        discard(staged)
        raise
    return written, staged


# ------------------------------------------------------------------------------------------------ the build

def _current_page(parts: _Build, existing: set[str], locale: str, item: str, force: bool
                  ) -> PageFingerprint | str | None:
    """The fingerprint of the page written last time, or None when it must be written again in any case."""
    if force or f"{locale}/{item}.html" not in existing:
        return None
    return parts.state.pages.get(f"{locale}/{item}.html")


def _held_decisions(parts: _Build, every_item: list[str], all_locales: tuple[str, ...]
                    ) -> tuple[dict[tuple[str, str], tuple[Decision, str]], dict[str, dict[str, SavedDecision]]]:
    """The saved decisions of every item whose inputs did not change in any locale, and, for each other item,
    the saved decisions of it that still hold (by locale)."""
    decisions: dict[tuple[str, str], tuple[Decision, str]] = {}
    undecided: dict[str, dict[str, SavedDecision]] = {}
    for item in every_item:
        held = parts.decider.saved_item_decisions(item, all_locales)
        if len(held) < len(all_locales):
            undecided[item] = held
        else:
            for locale, row in held.items():
                decisions[(item, locale)] = decision_from_state(row)
    return decisions, undecided


class _Decided(NamedTuple):
    """What the deciding pass changed: the pages it wrote, the locales with a decision made anew (see
    Listings.stage) and whether a page was published or withdrawn."""

    written: dict[str, PageFingerprint]
    changed_locales: set[str]
    publication_changed: bool


def _decide_undecided(parts: _Build, tasks: list[ItemToDecide], build_id: int, workers: int | None,
                      staged: list[Staged], answers: dict[str, str]) -> _Decided:
    """Decide the items on every core (and write the pages that link to no other item); merge their state."""
    written: dict[str, PageFingerprint] = {}
    changed_locales: set[str] = set()
    publication_changed = False
    # The settings travel with the function, once per batch of items rather than with every item.
    deciding = map_settled(partial(_decide_item, parts.settings, build_id), tasks, workers)
    for entries, files, pages, asked_by_item, _ in gather_staged(deciding, staged):
        answers.update(asked_by_item)
        for name, row in entries.items():
            old = parts.state.decisions.get(name)
            changed_locales.add(name.rsplit("|", 1)[1])
            publication_changed = publication_changed or old is None or old[1] != row[1]
        parts.state.decisions.update(entries)
        parts.state.files.update(files)
        written.update(pages)
    parts.state.pages.update(written)
    return _Decided(written, changed_locales, publication_changed)


class _Plan(NamedTuple):
    """The report's rows, the pages to render by item, and the pages no longer published."""

    results: list[PageResult]
    to_render: dict[str, list[PageToWrite]]
    withdrawn: list[Path]


def _plan_pages(parts: _Build, every_item: list[str], chosen_items: list[str],
                decisions: dict[tuple[str, str], tuple[Decision, str]], published: dict[str, set[str]],
                existing: set[str], written_early: dict[str, PageFingerprint], force: bool) -> _Plan:
    """Each chosen page's status: held back, built already, unchanged, or to render with its context."""
    all_locales = parts.settings.chosen_locales(with_source=True)
    item_set = set(every_item)
    plan = _Plan([], {}, [])
    state_pages = parts.state.pages
    for item in chosen_items:
        publishing = tuple(locale for locale in all_locales if item in published[locale])
        # The context of every page of the item that links to no item; made only for a page to render.
        unlinked: PageContext | None = None
        unlinked_fingerprint = context_fingerprint(publishing)
        for locale in parts.locales:
            decision, key = decisions[(item, locale)]
            page = f"{locale}/{item}.html"  # as the state and the listing of output/ name it
            if not decision.published:
                if page in existing:
                    plan.withdrawn.append(parts.output / page)
                state_pages.pop(page, None)
                status = "held back"
            elif page in written_early:
                status = "built"
            else:
                linked = tuple(link for link in decision.links if link in item_set) if decision.links else ()
                if linked:
                    context = PageContext(publishing, linked, tuple(link for link in linked if link in published[locale]))
                    fingerprint = _page_fingerprint(key, context.fingerprint())
                else:
                    context, fingerprint = unlinked, _page_fingerprint(key, unlinked_fingerprint)
                if not force and state_pages.get(page) == fingerprint and page in existing:
                    status = "unchanged"
                else:
                    status = "built"
                    if context is None:
                        context = unlinked = PageContext(publishing)
                    plan.to_render.setdefault(item, []).append((locale, decision, fingerprint, context))
            # Built without the named tuple's keyword handling: a rebuild makes one for every page of the site.
            plan.results.append(_tuple_new(PageResult, (item, locale, f"output/{page}", status, decision.reason,
                                                        decision.share, decision.drafts, decision.fallbacks)))
    return plan


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
    # Decide every page first: alternates and links of each page depend on what else is published. Pages that
    # link to no other item are written in the same pass, while their inputs are parsed; the rest after it.
    decisions, undecided = _held_decisions(parts, every_item, all_locales)
    # CLDR's answers from the last build stand in for Babel's data. When every page and index is made anew (a
    # forced or first build of the whole site), what they ask is all the state keeps; otherwise the last
    # build's answers stay beside this one's.
    recall(parts.state.answers)
    answers = {} if not (items or locales or parts.state.decisions) else dict(parts.state.answers)
    chosen_set = set(chosen_items)
    existing = existing_pages(parts.output, chosen_locales)
    remove_stale_build_temps(parts.output, existing)
    shown = _shown_locales(parts, existing, chosen_set, all_locales)
    build_id = next(_build_ids)
    tasks = [(item, all_locales, known,
              tuple((locale, _current_page(parts, existing, locale, item, force)) for locale in chosen_locales)
              if item in chosen_set else (), shown(item))
             for item, known in undecided.items()]
    # Pages are staged by the workers and committed at the end all at once, with the indexes, the sitemap and
    # the state last: one flush to disk for the whole build, and a failure leaves the last build's output as
    # it was. A worker's failure comes back as a value so that what the others staged is discarded first.
    staged: list[Staged] = []
    if len(tasks) >= PARALLEL_THRESHOLD:
        # A build this size needs every locale's CLDR data in every worker (and again for the indexes):
        # loaded here once, before the workers start, rather than by each of them.
        preload(all_locales)
    try:
        decided = _decide_undecided(parts, tasks, build_id, workers, staged, answers)
        flushed = flush_in_background(staged)  # the pages written so far, while the rest is decided and staged
        for item in undecided:  # decided by the workers, each with the key of the inputs it read
            for locale in all_locales:
                decisions[(item, locale)] = decision_from_state(parts.state.decisions[f"{item}|{locale}"])
        published: dict[str, set[str]] = {locale: set() for locale in all_locales}
        shown_by_item = {item: shown(item) for item in every_item}
        for (item, locale), (decision, _) in decisions.items():
            if decision.published and locale in shown_by_item[item]:
                published[locale].add(item)
        plan = _plan_pages(parts, every_item, chosen_items, decisions, published, existing, decided.written, force)
        render_tasks = [(item, tuple(pages)) for item, pages in plan.to_render.items()]
        rendering = map_settled(partial(_render_item, settings, build_id), render_tasks, workers)
        for written, asked_by_item, _ in gather_staged(rendering, staged):
            parts.state.pages.update(written)
            answers.update(asked_by_item)
        listings = Listings(settings, parts.state, parts.pages, parts.decider, parts.layout_bytes)
        indexes, sitemap_path = listings.stage(chosen_locales, every_item, decisions, published, force, staged,
                                               decided.changed_locales, decided.publication_changed)
        stage_assets(settings, parts.output, staged)
        file_warnings, unreferenced = stage_item_files(settings, parts.state, parts.output,
                                                       _file_references(parts, decisions), staged)
        answers.update(asked())  # the indexes' dates, and what the pages made in this process asked
        parts.state.answers = answers
        stage_into(staged, parts.state_path, parts.state.dump())
        flushed()
        commit(staged)
    except BaseException:
        discard(staged)
        raise
    for path in (*plan.withdrawn, *unreferenced, *listings.stale_sitemaps):
        path.unlink(missing_ok=True)
    damaged = parts.state.damaged
    return BuildReport(tuple(plan.results), tuple(indexes), relative(sitemap_path, settings.root),
                       site_fallbacks=_site_fallbacks(parts, chosen_locales),
                       warnings=(*((f"output/{damaged}; every page was built again",) if damaged else ()),
                                 *file_warnings))


def _file_references(parts: _Build, decisions: dict[tuple[str, str], tuple[Decision, str]]
                     ) -> dict[str, tuple[str, int]]:
    """Every project file a published page or the layout refers to, with the first source and line."""
    found: dict[str, tuple[str, int]] = {}
    layout = relative(parts.settings.layout_path, parts.settings.root)
    for path, line in parts.inputs.layout_files():
        found.setdefault(path, (layout, line))
    for (item, _), (decision, _) in sorted(decisions.items()):
        if decision.published:
            for path, line in decision.files:
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
