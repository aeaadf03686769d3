"""What a locale needs on a page, from CLDR through Babel: direction, tags, dates, names and sort order."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.dates import format_date, format_skeleton

from workflow.dates import DAY_MONTH, DAY_MONTH_YEAR, MONTH_YEAR


@lru_cache(maxsize=128)
def babel_locale(tag: str) -> Locale:
    """The Babel locale for a BCP 47 tag (sr-Latn → sr_Latn)."""
    return Locale.parse(tag, sep="-")


@lru_cache(maxsize=256)
def direction(tag: str) -> str:
    """"rtl" or "ltr" from CLDR's character order for the locale."""
    return babel_locale(tag).text_direction


def preload(tags: tuple[str, ...]) -> None:
    """Load each locale's CLDR data now: worker processes started after this share it instead of each
    loading it again (about 8 ms per locale and process)."""
    for tag in tags:
        direction(tag)
        native_name(tag)


@lru_cache(maxsize=256)
def og_locale(tag: str) -> str:
    """Open Graph's ll_CC form, the territory from CLDR's likely subtags (fr → fr_FR, ar → ar_EG)."""
    locale = babel_locale(tag)
    territory = locale.territory
    if not territory:
        likely = get_global("likely_subtags").get(str(locale)) or get_global("likely_subtags").get(locale.language, "")
        territory = likely.split("_")[-1] if likely else ""
    return f"{locale.language}_{territory}" if territory else locale.language


@lru_cache(maxsize=256)
def native_name(tag: str) -> str:
    """The language's name in itself, as a language menu shows it (français, русский)."""
    name = babel_locale(tag).get_display_name(babel_locale(tag)) or tag
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=4096)  # a site repeats its dates across pages and locales; Babel's formatting is slow
def format_date_value(value: str, precision: str, tag: str) -> str:
    """A date at the precision of the source, in the locale's own form.

    Skeletons, not patterns: 'MMMMd' gives "12. September" in German where the pattern 'd MMMM' gives
    "12 September". Full dates use the locale's long format (the yMMMMd skeleton abbreviates the month in
    sr-Latn).
    """
    locale = babel_locale(tag)
    if precision == MONTH_YEAR:
        year, month = value.split("-")[:2]
        return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=locale)
    date = dt.date.fromisoformat(value[:10])
    if precision == DAY_MONTH:
        return format_skeleton("MMMMd", date, locale=locale)
    if precision == DAY_MONTH_YEAR:
        return format_date(date, "long", locale=locale)
    return format_date(date, "long", locale=locale)


@lru_cache(maxsize=64)
def _collator(tag: str) -> Any:
    # ICU is loaded only when a page lists names (about 20 ms), not by every command that reads this module.
    import icu

    return icu.Collator.createInstance(icu.Locale(tag.replace("-", "_")))


def sorted_names(names: list[str], locale: str) -> list[str]:
    """Names in the locale's alphabetical order: CLDR collation through ICU, with the locale's tailoring
    (Serbian č after c, Albanian gj after g, Uzbek sh and ch at the end, Kazakh і after ы); a locale ICU
    does not know sorts by the CLDR root order."""
    return sorted(names, key=_collator(locale).getSortKey)
