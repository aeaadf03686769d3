"""Publishing decisions: whether an item's page is published in a locale, and why, from its catalog alone.

A translation is used only when its placeholders match its source unit; otherwise the unit falls back to
the source text and the decision names it. A locale's page is published only when its title and lead are
fully translated and enough of its words are. Decisions are saved in the build state and reused while the
item's source and catalogs are unchanged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from workflow.publish.inputs import BuildInputs, Translations
from workflow.publish.render import Fallback
from workflow.digests import file_digest
from workflow.publish.state import STATE_FILE, BuildState, ItemRecord, SavedDecision
from workflow.segment import (
    PLACEHOLDER_RE,
    PlaceholderMismatch,
    Segment,
    Segmentation,
    parse_translation,
    segments_of,
    words_in,
)
from workflow.errors import WorkflowError
from workflow.settings import Settings

_tuple_new = tuple.__new__


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
    files: tuple[tuple[str, int], ...] = ()  # files of the project the item's page refers to: (path, line)


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
                parse_translation(translation, segment, locale)
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
    return _decision(settings, total, done, len(drafts), missing_title, missing_lead, title, fallbacks,
                     segmentation.item_date, links)


def _decision(settings: Settings, total: int, done: int, drafts: int, missing_title: bool, missing_lead: bool,
              title: str, fallbacks: list[Fallback], date: str | None, links: tuple[str, ...]) -> Decision:
    """The decision from an assessment's counts: published only when nothing the project requires is missing."""
    share = done / total if total else 1.0
    reasons = []
    if missing_title:
        reasons.append("title not translated")
    if missing_lead:
        reasons.append("lead not translated")
    if share < settings.min_translated:
        reasons.append(f"{share:.0%} of words translated, {settings.min_translated:.0%} needed")
    if reasons and fallbacks:  # translations the page could not use: what to fix first
        first = fallbacks[0]
        more = f" and {len(fallbacks) - 1} more" if len(fallbacks) > 1 else ""
        reasons.append(f"a translation is unusable (line {first.line}: {first.reason}){more}")
    published = not reasons
    summary = "; ".join(reasons) if reasons else "complete" if share == 1 else f"{share:.0%} translated"
    return Decision(published, summary, share, drafts, title, tuple(fallbacks), date, links)


def decision_from_state(row: SavedDecision) -> tuple[Decision, str]:
    """A saved decision and the key of the inputs it was made from."""
    if row[6]:  # fallbacks, as plain tuples in the state
        return Decision(*row[1:6], tuple(Fallback(*f) for f in row[6]), *row[7:]), row[0]
    return _tuple_new(Decision, row[1:]), row[0]


def decision_to_state(decision: Decision, key: str) -> SavedDecision:
    return (key, decision.published, decision.reason, decision.share, decision.drafts, decision.title,
            tuple((f.msgid, f.line, f.reason) for f in decision.fallbacks), decision.date, tuple(decision.links),
            tuple(decision.files))


def saved_decisions(settings: Settings) -> dict[tuple[str, str], Decision] | None:
    """The decisions of the last build by (item, locale), or None when nothing was built (or by another version)."""
    path = settings.root / "output" / STATE_FILE
    if not path.exists():
        return None
    state = BuildState.load(path)
    if state.damaged:
        raise WorkflowError(path, None, f"the build state is damaged ({state.damaged})",
                            "run `workflow build`, which builds every page again and writes a new one")
    return {(item, locale): decision_from_state(row)[0]
            for item, record in state.records(list(state.items)) for locale, row in record.decisions.items()}


class Decider:
    """Decides an item's pages, or finds the saved decisions that still hold, with the keys of their inputs.

    An item's decisions and its files' digests live in its ItemRecord, which the caller decodes, hands in and
    keeps; the site catalogs' digests are the state's own."""

    def __init__(self, settings: Settings, inputs: BuildInputs, state: BuildState) -> None:
        self.settings = settings
        self.inputs = inputs
        self.state = state
        self._site_digests: dict[str, str] = {}

    def site_digest(self, locale: str) -> str:
        if locale not in self._site_digests:
            self._site_digests[locale] = self.state.digest_of(self.inputs.site_catalog(locale))
        return self._site_digests[locale]

    def _decision_key(self, record: ItemRecord, item: str, locale: str, source: str) -> str:
        po = file_digest(record.files, self.inputs.catalog_name(item, locale), self.inputs.just_read) \
            if locale != self.settings.source_locale else ""
        # The inputs' digests side by side, no hashing: what all pages share (tool version, settings, layout)
        # is checked once for the whole state, and the locale is part of the decision's name.
        return f"{source}:{po}:{self.site_digest(locale)}"

    def _source_digest(self, record: ItemRecord, item: str) -> str:
        return file_digest(record.files, self.inputs.source_name(item), self.inputs.just_read)

    def saved_item_decisions(self, record: ItemRecord, item: str, locales: tuple[str, ...]
                             ) -> dict[str, SavedDecision]:
        """The last build's decisions of `item` that still hold (none of their inputs changed), by locale: a
        rebuild checks every page of the site, and this is the loop it spends its time in."""
        rows = record.decisions
        if not rows:  # nothing saved of the item: a new item, or a build without a state
            return {}
        source = self._source_digest(record, item)
        held = {}
        for locale in locales:
            row = rows.get(locale)
            if row is not None and row[0] == self._decision_key(record, item, locale, source):
                held[locale] = row
        return held

    def decide(self, record: ItemRecord, item: str, locale: str) -> tuple[Decision, str]:
        """The item's decision in `locale` and the key of its inputs: the saved one while it holds, else made
        anew from its source and catalog (and saved in `record`)."""
        key = self._decision_key(record, item, locale, self._source_digest(record, item))
        row = record.decisions.get(locale)
        if row is not None and row[0] == key:
            return decision_from_state(row)
        inputs = self.inputs
        decision = assess(inputs.item_segmentation(item), inputs.item_translations(item, locale), self.settings,
                          locale, inputs.page_links(item))._replace(files=inputs.item_files(item))
        record.decisions[locale] = decision_to_state(decision, key)
        return decision, key
