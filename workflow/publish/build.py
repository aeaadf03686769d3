"""`workflow build`: localized pages, locale indexes and a sitemap from sources and catalogs.

A translation is used only when its placeholders match its source unit; otherwise the unit falls back to
the source text, marked with the source language, and the report says which and why. A locale's page is
published only when its title and lead are fully translated and enough of its words are. Builds are
incremental: a page is rebuilt only when one of its inputs changed.
"""

from __future__ import annotations

import itertools
import json
import marshal
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import NamedTuple

import babel
from lxml import etree

try:  # Python's own BLAKE2, not hashlib's: importing hashlib loads OpenSSL, ~3.5 ms of every build's start
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

from workflow import __version__
from workflow.segment.dates import DAY_MONTH_YEAR
from workflow.segment.items import item_names, segment_source
from workflow.fsio import (Staged, commit, discard, flush_in_background, gather_staged, is_temp_name, read_file,
                           remove_if_stale, remove_stale_temps, stage)
from workflow.publish.locale_data import asked, format_date_value, preload, recall
from workflow.parallel import PARALLEL_THRESHOLD, map_settled
from workflow.publish.pages import (Alternate, clean_source_markers, country_lists, draft_notice, fill_slots,
                                    fold_content, fresh_copy, item_links, keep_page_kind, language_menu,
                                    localize_links, marked, merge_head, page_html, page_metadata, relocate_assets,
                                    serialize_page, typed_renderer)
from workflow.po.pofile import read_translation_table, translation_table
from workflow.publish.render import Fallback, Skeleton, fold_layout, rebind, render, skeleton, skeleton_values
from workflow.segment.placeholders import PlaceholderMismatch, parse_translation
from workflow.settings import SITE_CATALOG, Settings, relative
from workflow.segment.records import PLACEHOLDER_RE, Segment, Segmentation, words_in
from workflow.segment.units import segments_of

# The state is a cache read and written on every build, so it is stored with marshal: several times faster
# than JSON for its plain dicts, lists and strings, and unlike pickle it cannot make loading run code. A state
# that does not load (another Python, a damaged file) only means a full rebuild.
STATE_FILE = ".build-state"
# Bumped when the state's layout changes, so an older state is ignored rather than misread.
STATE_FORMAT = 7


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


class Decision(NamedTuple):
    """Whether an item is published in a locale, and the figures behind it.

    A named tuple, like PageResult: a rebuild makes one of each for every page of the site from the saved
    state, and a tuple is built several times faster than a frozen dataclass.
    """

    published: bool
    reason: str
    share: float                 # translated words / words
    drafts: int                  # distinct fuzzy entries (machine drafts) used
    title: str                   # the item's title as the locale's page shows it
    fallbacks: tuple[Fallback, ...] = ()
    date: str | None = None      # the item's date, for the locale's index
    links: tuple[str, ...] = ()  # names the page links to that may be news items (its own and the layout's links)


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
    """A PageContext's fingerprint from its parts, for a caller that has not made the context (yet)."""
    return f"{','.join(locales)}|{','.join(item_links)}|{','.join(published_links)}"


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


def _is_title(segment_kind: str) -> bool:
    return segment_kind in ("title", "h1")


@lru_cache(maxsize=64)  # one item is assessed once per locale; segmentations hash by identity
def _assessed_units(segmentation: Segmentation) -> tuple[tuple[Segment, str, str | None, int, bool], ...]:
    """The translatable segments of a page with their kind, msgctxt, word count and whether they are in the lead."""
    lead = {id(piece) for run in segmentation.runs if "lead" in (run.parent.get("class") or "").split()
            for piece in run.pieces if isinstance(piece, Segment)}
    return tuple((segment, kind, context, words_in(segment.msgid), id(segment) in lead)
                 for segment, kind, context in segments_of(segmentation) if segment.translatable)


def assess(segmentation: Segmentation, translations: Translations, settings: Settings, locale: str,
           links: tuple[str, ...] = ()) -> Decision:
    """Decide publication from the catalog alone: which units would render translated, and which fall back."""
    if locale == settings.source_locale:  # the source is complete by definition
        title = next((PLACEHOLDER_RE.sub("", segment.msgid) for segment, kind, *_ in _assessed_units(segmentation)
                      if kind == "title"), "")
        return Decision(True, "source language", 1.0, 0, title, (), segmentation.item_date, links)
    total = done = 0
    drafts: set[tuple[str | None, str]] = set()
    missing_title = missing_lead = False
    fallbacks: list[Fallback] = []
    title = ""
    for segment, kind, context, words, in_lead in _assessed_units(segmentation):
        total += words
        translation = translations.lookup(segment, context)
        ok = translation is not None
        if ok and translation != segment.msgid:
            try:
                parse_translation(translation, segment)
            except PlaceholderMismatch as exc:
                fallbacks.append(Fallback(segment.msgid, segment.line, str(exc)))
                ok = False
        if ok:
            done += words
            if (context, segment.msgid) in translations.drafts:
                drafts.add((context, segment.msgid))
        if kind == "title" and not title:
            title = PLACEHOLDER_RE.sub("", translation if ok and translation else segment.msgid)
        if _is_title(kind) and not ok:
            missing_title = True
        if in_lead and not ok:
            missing_lead = True
    share = done / total if total else 1.0
    reasons = []
    if missing_title:
        reasons.append("title not translated")
    if missing_lead:
        reasons.append("lead not translated")
    if share < settings.min_translated:
        reasons.append(f"{share:.0%} of words translated, {settings.min_translated:.0%} needed")
    published = not reasons
    summary = "; ".join(reasons) if reasons else "complete" if share == 1 else f"{share:.0%} translated"
    return Decision(published, summary, share, len(drafts), title, tuple(fallbacks), segmentation.item_date, links)


# Digests in the state are BLAKE2b of 128 bits: ample to tell changed inputs apart, and the state file (a
# few per page) stays small enough to read and write quickly on every build.
DIGEST_BYTES = 16


def _digest(*parts: bytes | str) -> str:
    """A digest of the parts, each length-prefixed (so no two lists of parts feed the same bytes)."""
    digest = blake2b(digest_size=DIGEST_BYTES)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """The tool's version and code, and the versions of the libraries whose output the pages hold (Babel's
    CLDR dates and names, lxml's and libxml2's serializer): pages made by other code are rebuilt, even when
    the version number did not change (an install from a newer checkout).

    The code is known by each module's size and modification time, as Python's own bytecode cache knows it:
    reading and hashing every module would take a millisecond of every build; a reinstall of the same code
    costs one full rebuild."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    modules = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        place = os.path.relpath(folder, package)
        modules.extend((os.path.normpath(os.path.join(place, name)), os.stat(os.path.join(folder, name)))
                       for name in names if name.endswith(".py"))
    modules.sort()
    return _digest(__version__, babel.__version__, repr(etree.LXML_VERSION), repr(etree.LIBXML_VERSION),
                   *(f"{name} {status.st_size} {status.st_mtime_ns}" for name, status in modules))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


# What a page was made from, as the state keeps it: its decision's key (the digests of its source and
# catalogs; settings, layout and tool version are checked for the whole state) and its PageContext's
# fingerprint (what it shows of other pages' decisions).
PageFingerprint = tuple[str, str]


@dataclass
class _State:
    """What the last build produced, so a rebuild can skip what did not change."""

    decisions: dict[str, SavedDecision] = field(default_factory=dict)
    pages: dict[str, PageFingerprint | str] = field(default_factory=dict)  # pages; indexes and sitemap: digests
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path → (mtime_ns, size, digest)
    common: str = ""  # digest of what every page depends on: tool version, settings, layout
    answers: dict[str, str] = field(default_factory=dict)  # CLDR's answers the pages used (see locale_data.recall)
    listed: str = ""  # what the indexes and sitemap were last made for: the items and the publishing locales

    @classmethod
    def load(cls, path: Path, common: str | None = None) -> _State:
        """The saved state; its decisions, pages and CLDR answers only when they were made from the same
        `common` inputs (which include Babel's version)."""
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return cls(common=common or "")
        if not isinstance(data, dict) or data.get("version") != __version__ or data.get("format") != STATE_FORMAT:
            return cls(common=common or "")
        if common is not None and data.get("common") != common:
            return cls(files=data.get("files", {}), common=common)
        return cls(data.get("decisions", {}), data.get("pages", {}), data.get("files", {}), data.get("common", ""),
                   data.get("answers", {}), data.get("listed", ""))

    def digest_of(self, path: Path | str, read: dict[str, bytes] | None = None) -> str:
        """A file's digest, read again only when its size or modification time changed; what is read is
        left in `read` (by name) when given, for a caller that parses the file next."""
        name = str(path)
        known = self.files.get(name)
        try:
            if known:
                stat = os.stat(name)
                if known[0] == stat.st_mtime_ns and known[1] == stat.st_size:
                    return known[2]
            data, stat = read_file(name)  # the status of what is read, whether or not a stat came first
        except FileNotFoundError:
            return ""
        digest = blake2b(data, digest_size=DIGEST_BYTES).hexdigest()
        self.files[name] = (stat.st_mtime_ns, stat.st_size, digest)
        if read is not None:
            read[name] = data
        return digest

    def dump(self) -> bytes:
        return marshal.dumps({"version": __version__, "format": STATE_FORMAT, "common": self.common,
                              "decisions": self.decisions, "pages": self.pages, "files": self.files,
                              "answers": self.answers, "listed": self.listed})


# A decision in the state file: (key, published, reason, share, drafts, title, fallbacks, date, links), the
# fields in Decision's order after the key. A tuple, not an object: a site has a decision per item and locale,
# and the state is read and written on every build (marshal keeps the types, so nothing is converted back).
SavedDecision = tuple
_tuple_new = tuple.__new__


def _decision_from_state(row: SavedDecision) -> tuple[Decision, str]:
    """A saved decision and the key of the inputs it was made from."""
    if row[6]:  # fallbacks, as plain tuples in the state
        return Decision(*row[1:6], tuple(Fallback(*f) for f in row[6]), *row[7:]), row[0]
    return _tuple_new(Decision, row[1:]), row[0]


def _decision_to_state(decision: Decision, key: str) -> SavedDecision:
    return (key, decision.published, decision.reason, decision.share, decision.drafts, decision.title,
            tuple((f.msgid, f.line, f.reason) for f in decision.fallbacks), decision.date, tuple(decision.links))


def saved_decisions(settings: Settings) -> dict[tuple[str, str], Decision] | None:
    """The decisions of the last build by (item, locale), or None when nothing was built (or by another version)."""
    path = settings.root / "output" / STATE_FILE
    if not path.exists():
        return None
    state = _State.load(path)
    return {tuple(name.split("|", 1)): _decision_from_state(row)[0]  # type: ignore[misc]
            for name, row in state.decisions.items()}


class _Builder:
    """Holds the parsed inputs of one build."""

    def __init__(self, settings: Settings, locales: tuple[str, ...], force: bool, with_state: bool = True) -> None:
        self.settings = settings
        self.locales = locales
        self.output = settings.root / "output"
        self.state_path = self.output / STATE_FILE
        self.layout_bytes = _read(settings.layout_path)
        common = _digest(tool_digest(), settings.settings_bytes, self.layout_bytes)
        self.state = _State.load(self.state_path, common) if with_state else _State(common=common)
        if force:
            self.state.decisions, self.state.pages = {}, {}
        self.layout: Segmentation | None = None
        self._has_layout = settings.layout_path.exists()  # asked for every page; the answer holds for the build
        self._layout_links: tuple[str, ...] | None = None
        self._items: dict[str, bool] = {}
        self._source_digests: dict[str, str] = {}
        self._site: dict[str, Translations] = {}
        self._site_digests: dict[str, str] = {}
        self._segmentations: dict[str, Segmentation] = {}
        self._translations: dict[tuple[str, str], Translations] = {}
        self._layouts: dict[str, etree._Element] = {}
        self._folded_layouts: dict[str, tuple[etree._Element, tuple[tuple[str | int, ...], ...]] | None] = {}
        self._skeletons: dict[str, Skeleton | None] = {}
        self._links: dict[str, tuple[str, ...]] = {}
        self._alternates: dict[tuple[str, tuple[str, ...]], tuple[Alternate, ...]] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._source_dir = str(settings.source_dir)
        self._locales_dir = str(settings.locales_dir)
        # A worker's builder digests an item's source and catalogs and then parses them: the bytes read for
        # the digest are kept here until parsed (one read per file, not two). Emptied after every item.
        self._just_read: dict[str, bytes] | None = None if with_state else {}

    # ------------------------------------------------------------------ inputs

    def layout_segmentation(self) -> Segmentation | None:
        if self.layout is None and self._has_layout:
            self.layout = segment_source(self.settings, self.settings.layout_path, SITE_CATALOG, False,
                                         with_units=False)
        return self.layout

    def site_digest(self, locale: str) -> str:
        if locale not in self._site_digests:
            self._site_digests[locale] = self.state.digest_of(self.settings.po_path(locale, SITE_CATALOG))
        return self._site_digests[locale]

    def site_translations(self, locale: str) -> Translations:
        if locale not in self._site:
            self._site[locale] = translations_of(self.settings.po_path(locale, SITE_CATALOG),
                                                 self.settings.allow_drafts, locale == self.settings.source_locale)
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

    def is_item(self, name: str) -> bool:
        """True when `name` is a news item of the project (a source file that is not the layout or a partial)."""
        if name not in self._items:
            self._items[name] = not name.startswith("_") and (self.settings.source_dir / f"{name}.html").is_file()
        return self._items[name]

    def item_segmentation(self, item: str) -> Segmentation:
        if item not in self._segmentations:
            self._segmentations[item] = segment_source(self.settings, self.settings.source_dir / f"{item}.html",
                                                       with_units=False,
                                                       data=self._take(f"{self._source_dir}/{item}.html"))
        return self._segmentations[item]

    def _take(self, name: str) -> bytes | None:
        """The bytes of a file the digest just read, if any (see `_just_read`)."""
        return self._just_read.pop(name, None) if self._just_read else None

    def item_translations(self, item: str, locale: str) -> Translations:
        """The item's own translations, then the site catalog's for the units it shares with the layout."""
        if locale == self.settings.source_locale:
            return NO_TRANSLATIONS
        if (item, locale) not in self._translations:
            path = f"{self._locales_dir}/{locale}/{item}.po"
            own = translations_of(path, self.settings.allow_drafts, data=self._take(path))
            self._translations[(item, locale)] = own.then(self.site_translations(locale))
        return self._translations[(item, locale)]

    # ------------------------------------------------------------------ decisions

    def decision_key(self, item: str, locale: str) -> str:
        if (item, locale) not in self._keys:
            self._keys[(item, locale)] = self._decision_key(item, locale)
        return self._keys[(item, locale)]

    def _decision_key(self, item: str, locale: str) -> str:
        # Plain strings, not Paths: a rebuild looks at every item and locale, and pathlib costs add up.
        if item not in self._source_digests:
            self._source_digests[item] = self.state.digest_of(f"{self._source_dir}/{item}.html", self._just_read)
        source = self._source_digests[item]
        po = self.state.digest_of(f"{self._locales_dir}/{locale}/{item}.po", self._just_read) \
            if locale != self.settings.source_locale else ""
        # The inputs' digests side by side, no hashing: what all pages share (tool version, settings, layout)
        # is checked once for the whole state, and the locale is part of the decision's name.
        return f"{source}:{po}:{self.site_digest(locale)}"

    def saved_item_decisions(self, item: str, locales: tuple[str, ...]) -> dict[str, SavedDecision]:
        """The last build's decisions of `item` that still hold, by locale (`saved_decision` for every locale
        at once: a rebuild checks every page of the site, and this is the loop it spends its time in)."""
        rows = self.state.decisions
        first = rows.get(f"{item}|{locales[0]}") if locales else None
        if first is None:  # nothing saved of the item: a new item, or a build without a state
            return {}
        held = {}
        for locale in locales:
            row = rows.get(f"{item}|{locale}")
            if row is not None and row[0] == self._decision_key(item, locale):
                held[locale] = row
        return held

    def saved_decision(self, item: str, locale: str) -> tuple[Decision, str] | None:
        """The last build's decision and its key while it still holds (none of its inputs changed)."""
        row = self.state.decisions.get(f"{item}|{locale}")
        if not row:
            return None
        key = self.decision_key(item, locale)
        return _decision_from_state(row) if row[0] == key else None

    def decide(self, item: str, locale: str) -> tuple[Decision, str]:
        saved = self.saved_decision(item, locale)
        if saved is not None:
            return saved
        key = self.decision_key(item, locale)
        decision = assess(self.item_segmentation(item), self.item_translations(item, locale), self.settings, locale,
                          self.page_links(item))
        self.state.decisions[f"{item}|{locale}"] = _decision_to_state(decision, key)
        return decision, key

    # ------------------------------------------------------------------ pages

    def alternates_in(self, item: str, locales: tuple[str, ...]) -> tuple[Alternate, ...]:
        """The item's page in each of `locales` (the locales that publish it, in project order); the same for
        every page of the item, so made once."""
        key = (item, locales)
        if key not in self._alternates:
            self._alternates[key] = tuple(Alternate(locale, self.href(locale, f"{item}.html")) for locale in locales)
        return self._alternates[key]

    def href(self, locale: str, name: str) -> str:
        base = self.settings.base_url
        return f"{base}/{locale}/{name}" if base else f"../{locale}/{name}"

    @property
    def all_locales(self) -> tuple[str, ...]:
        return (self.settings.source_locale, *self.settings.target_locales)

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
            if self.layout_segmentation() is not None:
                root = self.render_layout(locale)
                try:
                    folded = root, fold_layout(root, fold_content)
                except ValueError:
                    pass  # pages assembled in the whole layout
            self._folded_layouts[locale] = folded
        return self._folded_layouts[locale]

    def _render_layout(self, locale: str) -> etree._Element:
        layout = self.layout_segmentation()
        if layout is None:
            return etree.fromstring("<html><head></head><body><main></main></body></html>", etree.HTMLParser())
        root = fresh_copy(layout.page.tree.getroot())
        if locale == self.settings.source_locale:
            return root  # rendering the source with its own text gives the source back
        render(rebind(layout, root), self.site_translations(locale).lookup, typed_renderer(locale, self.settings),
               self.settings.source_locale)
        return root

    def item_skeleton(self, item: str) -> Skeleton | None:
        """The item's skeleton (see `render.skeleton`), its content folded; None when it cannot have one."""
        if item not in self._skeletons:
            shape = skeleton(self.item_segmentation(item))
            try:
                self._skeletons[item] = shape.folded(fold_content) if shape is not None else None
            except ValueError:
                self._skeletons[item] = None  # its pages are rendered as trees
        return self._skeletons[item]

    def item_page(self, item: str, locale: str, decision: Decision, page: PageContext) -> bytes:
        segmentation = self.item_segmentation(item)
        source_locale = self.settings.source_locale
        if locale != source_locale:  # the source locale's page is the source itself
            translate = self.item_translations(item, locale).lookup
            render_typed = typed_renderer(locale, self.settings)
            # Most pages keep the source's elements: their texts go into the item's skeleton, assembled and
            # serialized like a page. The others (and the rare page the skeleton cannot take) are rendered.
            # Folded content keeps its links as they are: a page linking to other items is rendered.
            shape = self.item_skeleton(item) if not page.item_links else None
            values = skeleton_values(segmentation, translate, render_typed, source_locale) if shape else None
            if shape is not None and values is not None:
                layout = self.folded_layout(locale)
                assembled = self._assembled(fresh_copy(shape.root), item, locale, decision, page,
                                            fresh_copy(layout[0]) if layout is not None else None)
                html = shape.fill(page_html(assembled), values, layout[1] if layout is not None else ())
                if html is not None:
                    return html.encode("utf-8")
            item_root = fresh_copy(segmentation.page.tree.getroot())
            render(rebind(segmentation, item_root), translate, render_typed, source_locale)
        else:
            item_root = fresh_copy(segmentation.page.tree.getroot())
        return serialize_page(self._assembled(item_root, item, locale, decision, page))

    def _assembled(self, item_root: etree._Element, item: str, locale: str, decision: Decision,
                   page: PageContext, layout: etree._Element | None = None) -> etree._Element:
        """The item's rendered tree in the locale's layout (a copy of it, folded or not, when given), with the
        page's metadata, menus and links."""
        if self.layout_segmentation() is not None:
            root = layout if layout is not None else self.render_layout(locale)
            fill_slots(root, item_root)
            merge_head(root, item_root)
        else:
            root = item_root
        keep_page_kind(root, "item")
        draft_notice(root, decision.drafts > 0)
        country_lists(root, locale, self.settings)
        alternates = self.alternates_in(item, page.locales)
        page_metadata(root, locale, alternates, self.href(self.settings.source_locale, f"{item}.html"))
        language_menu(root, locale, alternates)
        localize_links(root, set(page.published_links), set(page.item_links), self.settings.source_locale)
        relocate_assets(root)
        clean_source_markers(root)
        return root

    def index_page(self, locale: str, entries: list[tuple[str, str, str | None]],
                   published: dict[str, set[str]]) -> bytes:
        root = self.render_layout(locale)
        keep_page_kind(root, "index")
        draft_notice(root, False)
        country_lists(root, locale, self.settings)
        for listing in marked(root, "data-news-list"):
            del listing.attrib["data-news-list"]
            for item, title, date in entries:
                entry = etree.SubElement(listing, "li")
                link = etree.SubElement(entry, "a", href=f"{item}.html")
                link.text = title
                if date:
                    entry_time = etree.SubElement(entry, "time", datetime=date)
                    entry_time.text = format_date_value(date, DAY_MONTH_YEAR, locale)
                    link.tail = " "
            if not entries:
                listing.getparent().remove(listing)
        for empty in marked(root, "data-empty-list"):
            if entries:
                empty.getparent().remove(empty)
            else:
                del empty.attrib["data-empty-list"]
        title = root.find("head/title")
        heading = root.find(".//h1")
        if title is None and root.find("head") is not None:
            title = etree.SubElement(root.find("head"), "title")
        if title is not None:
            title.text = "".join(heading.itertext()).strip() if heading is not None else "News"
        alternates = [Alternate(other, self.href(other, "index.html")) for other in self.all_locales
                      if published.get(other)]
        page_metadata(root, locale, alternates, self.href(self.settings.source_locale, "index.html"))
        language_menu(root, locale, alternates)
        relocate_assets(root)
        clean_source_markers(root)
        return serialize_page(root)


def decisions_for(settings: Settings, items: tuple[str, ...],
                  locales: tuple[str, ...]) -> dict[tuple[str, str], Decision]:
    """Whether each item would be published in each locale, and why (the last build's answers where valid)."""
    builder = _Builder(settings, locales, False)
    return {(item, locale): builder.decide(item, locale)[0] for item in items for locale in locales}


_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;",
                                "\r": "&#13;", "\t": "&#9;"})


def _sitemap(builder: _Builder, items: list[str], published: dict[str, set[str]]) -> bytes:
    """The sitemap with hreflang alternates, written as text: a site has a <url> per page and an alternate per
    page and language, tens of thousands of elements that building as a tree would make the slowest part of
    the main process. Same bytes as lxml writes (pretty-printed, UTF-8), escapes included."""
    head = (f"<?xml version='1.0' encoding='UTF-8'?>\n"
            f'<urlset xmlns="{_SITEMAP_NS}" xmlns:xhtml="{_XHTML_NS}"')
    # Each locale with the items it publishes, its hreflang value and the start of its pages' addresses, escaped
    # once: an address is that start and the item's file name, which needs no escaping (item ids are
    # lowercase letters, digits, '.', '_' and '-').
    locales = [(published.get(locale, set()), _xml(locale, _XML_ATTRIBUTE), _xml(builder.href(locale, ""), _XML_TEXT),
                _xml(builder.href(locale, ""), _XML_ATTRIBUTE)) for locale in builder.all_locales]
    x_default = _xml(builder.href(builder.settings.source_locale, ""), _XML_ATTRIBUTE)
    lines = []
    for item in items:
        there = [locale for locale in locales if item in locale[0]]
        if not there:
            continue
        name = f"{item}.html"
        links = "".join(f'    <xhtml:link rel="alternate" hreflang="{hreflang}" href="{in_attribute}{name}"/>\n'
                        for _, hreflang, _, in_attribute in there)
        links += f'    <xhtml:link rel="alternate" hreflang="x-default" href="{x_default}{name}"/>\n'
        for _, _, in_text, _ in there:
            lines.append(f"  <url>\n    <loc>{in_text}{name}</loc>\n{links}  </url>\n")
    if not lines:
        return (head + "/>\n").encode("utf-8")
    return (head + ">\n" + "".join(lines) + "</urlset>\n").encode("utf-8")


_XML_SPECIAL = re.compile('[&<>"\n\r\t]')


def _xml(text: str, table: dict[int, str]) -> str:
    """`text` escaped with `table`; most hrefs need nothing, and a search is cheaper than a translation."""
    return text.translate(table) if _XML_SPECIAL.search(text) else text


def _stage_assets(settings: Settings, output: Path, staged: list[Staged]) -> None:
    source = settings.source_dir / "assets"
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            _stage_into(staged, output / "assets" / path.relative_to(source), path.read_bytes())


def _stage_into(staged: list[Staged], path: Path, data: bytes) -> None:
    """Stage a file of the build (unless it already holds these bytes); the build commits them all at once."""
    entry = stage(path, data)
    if entry is not None:
        staged.append(entry)


_worker_builders: dict[tuple[str, int], _Builder] = {}
_build_ids = itertools.count()


def _worker_builder(settings: Settings, build_id: int) -> _Builder:
    """One builder per worker process and build, so the layout and site catalogs are parsed once, not once per
    item. Never shared by two builds: a build run in the same process after a change must not see the last
    one's parsed inputs.

    It starts without the saved state: workers only decide what the main process found undecided.
    """
    key = (str(settings.root), build_id)
    if key not in _worker_builders:
        _worker_builders.clear()
        _worker_builders[key] = _Builder(settings, settings.chosen_locales(with_source=True), True, False)
    return _worker_builders[key]


def _forget(builder: _Builder, item: str) -> None:
    """Drop an item's parsed source and catalogs once its work is done, so a worker's memory stays flat."""
    builder._segmentations.pop(item, None)
    builder._skeletons.pop(item, None)
    builder._links.pop(item, None)
    builder._alternates.clear()
    for key in [key for key in builder._translations if key[0] == item]:
        del builder._translations[key]
    if builder._just_read:
        builder._just_read.clear()


def _page_fingerprint(key: str, context: str) -> PageFingerprint:
    """Kept as the pair, not hashed: the key is made of digests already, and the state stores it once for the
    decision and the page (marshal writes a string that both hold once)."""
    return (key, context)


# A page to write: its locale, decision, fingerprint and context.
PageToWrite = tuple[str, Decision, PageFingerprint, PageContext]
# A page written: its name in the state and output/ ("fr/item.html") and its fingerprint.
PageWritten = tuple[str, PageFingerprint]


def _decide_item(settings: Settings, build_id: int,
                 task: tuple[str, tuple[str, ...], dict[str, SavedDecision],
                             tuple[tuple[str, PageFingerprint | None], ...]]
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
    item, locales, known, render_locales = task
    builder = _worker_builder(settings, build_id)
    try:
        decided = {locale: _decision_from_state(known[locale]) if locale in known
                   else builder.decide(item, locale) for locale in locales}
        links = next(iter(decided.values()))[0].links if decided else ()
        pages = []
        if render_locales and not any(builder.is_item(name) for name in links):
            context = PageContext(tuple(locale for locale in locales if decided[locale][0].published))
            for locale, old in render_locales:
                decision, key = decided[locale]
                fingerprint = _page_fingerprint(key, context.fingerprint())
                if decision.published and fingerprint != old:
                    pages.append((locale, decision, fingerprint, context))
        written, staged = _stage_pages(builder, item, pages)
    finally:
        _forget(builder, item)
    entries = {f"{item}|{locale}": builder.state.decisions.pop(f"{item}|{locale}") for locale in locales
               if locale not in known}
    names = [f"{builder._source_dir}/{item}.html",
             *(f"{builder._locales_dir}/{locale}/{item}.po" for locale in locales
               if locale != settings.source_locale and locale not in known)]
    files = {name: builder.state.files.pop(name) for name in names if name in builder.state.files}
    return entries, files, written, asked(), staged


def _render_item(settings: Settings, build_id: int, task: tuple[str, tuple[PageToWrite, ...]]
                 ) -> tuple[list[PageWritten], dict[str, str], list[Staged]]:
    """Worker: stage the item's pages that need it; return (state key, fingerprint) for each, the CLDR answers
    they asked for, and the staged files."""
    item, pages = task
    builder = _worker_builder(settings, build_id)
    try:
        written, staged = _stage_pages(builder, item, pages)
    finally:
        _forget(builder, item)
    return written, asked(), staged


def _stage_pages(builder: _Builder, item: str, pages: Iterable[PageToWrite]) -> tuple[list[PageWritten], list[Staged]]:
    """Render and stage an item's pages: (state key, fingerprint) of each, and the staged files (none on failure)."""
    written = []
    staged: list[Staged] = []
    try:
        for locale, decision, fingerprint, context in pages:
            _stage_into(staged, builder.output / locale / f"{item}.html",
                        builder.item_page(item, locale, decision, context))
            written.append((f"{locale}/{item}.html", fingerprint))
    except BaseException:
        discard(staged)
        raise
    return written, staged


def _stage_listings(builder: _Builder, every_item: list[str], decisions: dict[tuple[str, str], tuple[Decision, str]],
                    published: dict[str, set[str]], force: bool, staged: list[Staged], changed: set[str],
                    publication_changed: bool) -> tuple[list[str], Path]:
    """Stage each chosen locale's index and the sitemap, only when what they list changed (like pages).

    `changed` holds the locales in which a page's decision was made anew in this build, and
    `publication_changed` says whether a page was published or withdrawn: when neither the items nor the
    locales that publish anything differ from the last build's, a locale without new decisions keeps its
    index, and the sitemap stays when no page changed publication, without listing a thousand items again.
    """
    settings, output = builder.settings, builder.output
    indexes = []
    locales_key = ",".join(sorted(locale for locale, items in published.items() if items))
    listed = _digest("\n".join(every_item), locales_key)
    same_list = not force and listed == builder.state.listed
    for locale in builder.locales:
        path = output / locale / "index.html"
        indexes.append(relative(path, settings.root))
        if same_list and locale not in changed and f"{locale}/index.html" in builder.state.pages and path.exists():
            continue
        entries = sorted(((item, decisions[(item, locale)][0].title, decisions[(item, locale)][0].date)
                          for item in every_item if item in published[locale]),
                         key=lambda e: (e[2] or "", e[0]), reverse=True)
        fingerprint = _digest(tool_digest(), settings.settings_bytes, builder.layout_bytes, builder.site_digest(locale),
                              json.dumps(entries), locales_key)
        if force or builder.state.pages.get(f"{locale}/index.html") != fingerprint or not path.exists():
            _stage_into(staged, path, builder.index_page(locale, entries, published))
            builder.state.pages[f"{locale}/index.html"] = fingerprint
    # A build of some locales leaves the others' indexes as they were, though their decisions may have changed:
    # the next build looks at every index again.
    builder.state.listed = listed if set(builder.locales) == set(published) else ""
    sitemap_path = output / "sitemap.xml"
    if same_list and not publication_changed and "sitemap.xml" in builder.state.pages and sitemap_path.exists():
        return indexes, sitemap_path
    fingerprint = _digest(tool_digest(), settings.base_url,
                          json.dumps(sorted((k, sorted(v)) for k, v in published.items())))
    if force or builder.state.pages.get("sitemap.xml") != fingerprint or not sitemap_path.exists():
        _stage_into(staged, sitemap_path, _sitemap(builder, every_item, published))
        builder.state.pages["sitemap.xml"] = fingerprint
    return indexes, sitemap_path


def _current_page(builder: _Builder, existing: set[str], locale: str, item: str, force: bool
                  ) -> PageFingerprint | str | None:
    """The fingerprint of the page written last time, or None when it must be written again in any case."""
    if force or f"{locale}/{item}.html" not in existing:
        return None
    return builder.state.pages.get(f"{locale}/{item}.html")


def _remove_stale_temps(output: Path, existing: set[str]) -> None:
    """Temp files that a killed build left among the pages (found in the listing already made), fresh folders
    it left in output/, and its temp files in the assets."""
    for name in [name for name in existing if "/." in name and is_temp_name(name.split("/", 1)[1])]:
        if remove_if_stale(output / name):
            existing.discard(name)
    try:
        for name in os.listdir(output):
            if is_temp_name(name):
                remove_if_stale(output / name)
    except FileNotFoundError:
        return
    remove_stale_temps(output / "assets")


def _existing_pages(output: Path, locales: tuple[str, ...]) -> set[str]:
    """"<locale>/<name>" of every file in the locales' output folders: one listing instead of a stat per page."""
    found = set()
    for locale in locales:
        try:
            found.update(f"{locale}/{name}" for name in os.listdir(output / locale))
        except FileNotFoundError:
            pass
    return found


def build(settings: Settings, items: tuple[str, ...] = (), locales: tuple[str, ...] = (),
          force: bool = False, workers: int | None = None) -> BuildReport:
    """Build every published page (or the chosen items and locales), the indexes and the sitemap.

    Items are independent once every page's publication is decided, so deciding and rendering both run on
    every core; the state (what was built from which inputs) is merged and saved here.
    """
    all_locales = settings.chosen_locales(with_source=True)
    chosen_locales = settings.chosen_locales(locales, with_source=True)
    builder = _Builder(settings, chosen_locales, force)
    every_item = item_names(settings)
    chosen_items = item_names(settings, items) if items else every_item
    # Decide every page first: alternates and links of each page depend on what else is published. Pages that
    # link to no other item are written in the same pass, while their inputs are parsed; the rest after it.
    decisions: dict[tuple[str, str], tuple[Decision, str]] = {}
    undecided: dict[str, dict[str, SavedDecision]] = {}  # item → the saved decisions of it that still hold
    for item in every_item:
        held = builder.saved_item_decisions(item, all_locales)
        if len(held) < len(all_locales):
            undecided[item] = held
        else:
            for locale, row in held.items():
                decisions[(item, locale)] = _decision_from_state(row)
    # CLDR's answers from the last build stand in for Babel's data. When every page and index is made anew (a
    # forced or first build of the whole site), what they ask is all the state keeps; otherwise the last
    # build's answers stay beside this one's.
    recall(builder.state.answers)
    answers = {} if not (items or locales or builder.state.decisions) else dict(builder.state.answers)
    chosen_set = set(chosen_items)
    existing = _existing_pages(builder.output, chosen_locales)
    _remove_stale_temps(builder.output, existing)
    build_id = next(_build_ids)
    tasks = [(item, all_locales, known,
              tuple((locale, _current_page(builder, existing, locale, item, force)) for locale in chosen_locales)
              if item in chosen_set else ())
             for item, known in undecided.items()]
    # Pages are staged by the workers and committed at the end all at once, with the indexes, the sitemap and
    # the state last: one flush to disk for the whole build, and a failure leaves the last build's output as
    # it was. A worker's failure comes back as a value so that what the others staged is discarded first.
    staged: list[Staged] = []
    withdrawn: list[Path] = []  # pages no longer published, removed once the build is committed
    if len(tasks) >= PARALLEL_THRESHOLD:
        # A build this size needs every locale's CLDR data in every worker (and again for the indexes):
        # loaded here once, before the workers start, rather than by each of them.
        preload(all_locales)
    try:
        written_early: dict[str, PageFingerprint] = {}
        # The settings travel with the function, once per batch of items rather than with every item.
        deciding = map_settled(partial(_decide_item, settings, build_id), tasks, workers)
        changed_locales: set[str] = set()  # locales with a decision made anew (see _stage_listings)
        publication_changed = False
        for entries, files, written, asked_by_item, _ in gather_staged(deciding, staged):
            answers.update(asked_by_item)
            for name, row in entries.items():
                old = builder.state.decisions.get(name)
                changed_locales.add(name.rsplit("|", 1)[1])
                publication_changed = publication_changed or old is None or old[1] != row[1]
            builder.state.decisions.update(entries)
            builder.state.files.update(files)
            written_early.update(written)
        builder.state.pages.update(written_early)
        flushed = flush_in_background(staged)  # the pages written so far, while the rest is decided and staged
        for item in undecided:  # decided by the workers, each with the key of the inputs it read
            for locale in all_locales:
                row = builder.state.decisions[f"{item}|{locale}"]
                decisions[(item, locale)] = _decision_from_state(row)
        published: dict[str, set[str]] = {locale: set() for locale in all_locales}
        for (item, locale), (decision, _) in decisions.items():
            if decision.published:
                published[locale].add(item)
        item_set = set(every_item)
        output = builder.output
        results: list[PageResult] = []
        to_render: dict[str, list[PageToWrite]] = {}
        state_pages = builder.state.pages
        for item in chosen_items:
            publishing = tuple(l for l in all_locales if item in published[l])
            # The context of every page of the item that links to no item; made only for a page to render.
            unlinked: PageContext | None = None
            unlinked_fingerprint = context_fingerprint(publishing)
            for locale in chosen_locales:
                decision, key = decisions[(item, locale)]
                page = f"{locale}/{item}.html"  # as the state and the listing of output/ name it
                if not decision.published:
                    if page in existing:
                        withdrawn.append(output / page)
                    state_pages.pop(page, None)
                    status = "held back"
                elif page in written_early:
                    status = "built"
                else:
                    linked = tuple(link for link in decision.links if link in item_set) if decision.links else ()
                    if linked:
                        context = PageContext(publishing, linked,
                                              tuple(link for link in linked if link in published[locale]))
                        fingerprint = _page_fingerprint(key, context.fingerprint())
                    else:
                        context, fingerprint = unlinked, _page_fingerprint(key, unlinked_fingerprint)
                    if not force and state_pages.get(page) == fingerprint and page in existing:
                        status = "unchanged"
                    else:
                        status = "built"
                        if context is None:
                            context = unlinked = PageContext(publishing)
                        to_render.setdefault(item, []).append((locale, decision, fingerprint, context))
                # Built without the named tuple's keyword handling: a rebuild makes one for every page of the site.
                results.append(_tuple_new(PageResult, (item, locale, f"output/{page}", status, decision.reason,
                                                       decision.share, decision.drafts, decision.fallbacks)))
        render_tasks = [(item, tuple(pages)) for item, pages in to_render.items()]
        rendering = map_settled(partial(_render_item, settings, build_id), render_tasks, workers)
        for written, asked_by_item, _ in gather_staged(rendering, staged):
            builder.state.pages.update(written)
            answers.update(asked_by_item)
        indexes, sitemap_path = _stage_listings(builder, every_item, decisions, published, force, staged,
                                                changed_locales, publication_changed)
        _stage_assets(settings, output, staged)
        answers.update(asked())  # the indexes' dates, and what the pages made in this process asked
        builder.state.answers = answers
        _stage_into(staged, builder.state_path, builder.state.dump())
        flushed()
        commit(staged)
    except BaseException:
        discard(staged)
        raise
    for path in withdrawn:
        path.unlink(missing_ok=True)
    return BuildReport(tuple(results), tuple(indexes), relative(sitemap_path, settings.root),
                       site_fallbacks=_site_fallbacks(builder, chosen_locales))


def _site_fallbacks(builder: _Builder, locales: tuple[str, ...]) -> tuple[SiteFallback, ...]:
    """The layout's units that fall back to the source text in each locale, checked as a page's are."""
    layout = builder.layout_segmentation()
    if layout is None:
        return ()
    return tuple(SiteFallback(locale, fallback.msgid, fallback.line, fallback.reason)
                 for locale in locales if locale != builder.settings.source_locale
                 for fallback in assess(layout, builder.site_translations(locale), builder.settings, locale).fallbacks)
