"""What a locale needs on a page, from CLDR through Babel: direction, tags, dates, names and sort order."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from babel import Locale
from babel.core import get_global

from workflow.segment import DATE_TIME, DAY_MONTH, MONTH_YEAR

T = TypeVar("T")


@lru_cache(maxsize=128)
def babel_locale(tag: str) -> Locale:
    """The Babel locale for a BCP 47 tag (sr-Latn → sr_Latn)."""
    return Locale.parse(tag, sep="-")


# CLDR's answers to the questions pages ask (a direction, a date in a locale), by question. A build recalls
# the answers its last run saved, so that a rebuild of a few pages asks Babel nothing it asked before:
# answering the first question about a locale loads all of that locale's CLDR data (about 10 ms each).
_recalled: dict[str, str] = {}
_asked: dict[str, str] = {}  # questions asked in this process since `asked` was last called, with answers


def recall(answers: dict[str, str]) -> None:
    """Use these answers (saved by a run with the same Babel: the caller checks) instead of asking CLDR again;
    forgets what this process asked and remembered before, so that `asked` sees every question anew."""
    _recalled.clear()
    _recalled.update(answers)
    _asked.clear()
    for function in (direction, og_locale, native_name, format_date_value):
        function.cache_clear()


def asked() -> dict[str, str]:
    """The questions asked since the last call (each once per process), with their answers."""
    taken = dict(_asked)
    _asked.clear()
    return taken


def _answer(question: str, ask: Callable[[], str]) -> str:
    answer = _recalled.get(question)
    if answer is None:
        answer = ask()
    _asked[question] = answer
    return answer


@lru_cache(maxsize=256)
def direction(tag: str) -> str:
    """"rtl" or "ltr" from CLDR's character order for the locale."""
    return _answer(f"direction {tag}", lambda: babel_locale(tag).text_direction)


def preload(tags: tuple[str, ...]) -> None:
    """Load each locale's CLDR data now: worker processes started after this share it instead of each
    loading it again (about 8 ms per locale and process)."""
    for tag in tags:
        _native_name(tag)  # from CLDR itself, not from recalled answers: what counts here is the data it loads


@lru_cache(maxsize=256)
def og_locale(tag: str) -> str:
    """Open Graph's ll_CC form, the territory from CLDR's likely subtags (fr → fr_FR, ar → ar_EG)."""
    return _answer(f"og:locale {tag}", lambda: _og_locale(tag))


def _og_locale(tag: str) -> str:
    locale = babel_locale(tag)
    territory = locale.territory
    if not territory:
        likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(locale.language, "")
        territory = likely.split("_")[-1] if likely else ""
    return f"{locale.language}_{territory}" if territory else locale.language


@lru_cache(maxsize=256)
def native_name(tag: str) -> str:
    """The language's name in itself, as a language menu shows it (français, русский)."""
    return _answer(f"native name {tag}", lambda: _native_name(tag))


def _native_name(tag: str) -> str:
    # ICU applies CLDR's context transforms for names in a list or menu: titlecase where the language writes
    # it so (Français, Русский), as it is otherwise (polski, shqip, ქართული; Georgian has no capitals to
    # spare: Mtavruli would be wrong). Babel has the names but not the transforms.
    import icu

    locale = icu.Locale(tag.replace("-", "_"))
    names = icu.LocaleDisplayNames.createInstance(locale, [icu.UDisplayContext.CAPITALIZATION_FOR_UI_LIST_OR_MENU])
    return names.localeDisplayName(locale) or tag


# A site repeats its dates across pages and locales, and Babel's formatting is slow. Unbounded: with a cache of
# 4,096, Babel formatted 41,745 dates for the 5,632 distinct ones of 1,000 items × 16 locales, as the items
# cycled through more dates than it held; and the build's state keeps every answer anyway (see `asked`).
@lru_cache(maxsize=None)
def format_date_value(value: str, precision: str, tag: str) -> str:
    """A date at the precision of the source, in the locale's own form.

    Skeletons, not patterns: 'MMMMd' gives "12. September" in German where the pattern 'd MMMM' gives
    "12 September". Full dates use the locale's long format (the yMMMMd skeleton abbreviates the month in
    sr-Latn).
    """
    return _answer(f"date {value} {precision} {tag}", lambda: _format_date(value, precision, tag))


def _format_date(value: str, precision: str, tag: str) -> str:
    # Imported here: a rebuild whose dates were all answered before never needs Babel's date formatting.
    from babel.dates import format_date, format_skeleton

    locale = babel_locale(tag)
    if precision == MONTH_YEAR:
        year, month = value.split("-")[:2]
        return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=locale)
    if precision == DATE_TIME:
        return _format_date_time(value, tag)
    if precision == DAY_MONTH:
        month, day = value[-5:].split("-")  # "09-12" (a year-less --09-12) or the day and month of a full date
        return format_skeleton("MMMMd", dt.date(2000, int(month), int(day)), locale=locale)
    return format_date(dt.date.fromisoformat(value[:10]), "long", locale=locale)


def _format_date_time(value: str, tag: str) -> str:
    """A date with its time of day at the source's precision (minutes, or seconds when it gives them), joined as
    the locale joins them, and the zone as an offset when the source names one."""
    from babel.dates import format_date, format_time

    locale = babel_locale(tag)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    with_seconds = re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", value) is not None
    time = format_time(moment.time(), "medium" if with_seconds else "short", locale=locale)
    if moment.tzinfo is not None:
        time = f"{time} {format_time(moment.timetz(), 'ZZZZ', locale=locale)}"
    pattern = str(locale.datetime_formats.get("long", "{1} {0}"))
    joined = re.sub(r"'([^']*)'", lambda literal: literal.group(1) or "'", pattern)  # CLDR quotes literal text
    return joined.replace("{1}", format_date(moment.date(), "long", locale=locale)).replace("{0}", time)


@lru_cache(maxsize=64)
def _collator(tag: str) -> Any:
    # ICU is loaded only when a page lists names (about 20 ms), not by every command that reads this module.
    import icu

    return icu.Collator.createInstance(icu.Locale(tag.replace("-", "_")))


def sorted_names(items: list[T], locale: str, texts: Callable[[T], tuple[str, ...]] | None = None) -> list[T]:
    """Items in the locale's alphabetical order of their texts (the item itself when it is a text; else
    `texts` gives the texts compared one after the other, such as a sort key then the name): CLDR
    collation through ICU, with the locale's tailoring (Serbian č after c, Albanian gj after g, Uzbek sh and
    ch at the end, Kazakh і after ы); a locale ICU does not know sorts by the CLDR root order."""
    key = _collator(locale).getSortKey
    if texts is None:
        return sorted(items, key=key)  # type: ignore[arg-type]
    return sorted(items, key=lambda item: tuple(key(text) for text in texts(item)))
