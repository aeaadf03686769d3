"""Country names: finding them in English source text and naming them in any locale from CLDR."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

# English names that news sites use but CLDR does not list as the territory's name. OSCE usage
# (Holy See, Russian Federation, United States of America, the Netherlands) is the reason for most.
ENGLISH_ALIASES = {
    "Holy See": "VA", "Vatican": "VA", "Russian Federation": "RU", "United States of America": "US",
    "United States": "US", "USA": "US", "U.S.": "US", "United Kingdom": "GB", "UK": "GB",
    "Great Britain": "GB", "The Netherlands": "NL", "the Netherlands": "NL", "Netherlands": "NL",
    "Czech Republic": "CZ", "Turkey": "TR", "Turkiye": "TR", "Republic of Moldova": "MD",
    "Moldova": "MD", "Kyrgyz Republic": "KG", "Slovak Republic": "SK", "Macedonia": "MK",
    "Bosnia-Herzegovina": "BA", "Ivory Coast": "CI", "Swaziland": "SZ", "Burma": "MM",
    "Republic of Korea": "KR", "South Korea": "KR", "North Korea": "KP", "Palestine": "PS",
}

# Codes that are countries (ISO 3166-1 alpha-2 plus XK); CLDR also names regions like "Europe" (150).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


@lru_cache(maxsize=1)
def english_names() -> dict[str, str]:
    """Every English country name we recognise, mapped to its ISO code."""
    names: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
            names[name] = code
    names.update(ENGLISH_ALIASES)
    return names


@lru_cache(maxsize=1)
def _name_pattern() -> re.Pattern[str]:
    alternatives = sorted(english_names(), key=len, reverse=True)
    # Word-bounded, and not part of a longer capitalised phrase's middle word ("New Mexico" is not Mexico).
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in alternatives) + r")(?![\w-])")


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries a running text mentions, in order of first mention."""
    found: list[str] = []
    names = english_names()
    for match in _name_pattern().finditer(text):
        code = names[match.group(1)]
        if code not in found:
            found.append(code)
    return found


def standalone_country(text: str) -> str | None:
    """The ISO code when `text` is nothing but a country name (a list item, a tag, a table cell)."""
    return english_names().get(" ".join(text.split()))


def country_name(code: str, locale: str, overrides: dict[str, dict[str, str]] | None = None) -> str:
    """The country's name in `locale`: the project's override first, then CLDR."""
    for key in (locale, locale.split("-")[0]):
        override = (overrides or {}).get(key, {}).get(code)
        if override:
            return override
    territories = _territories(locale)
    return territories.get(code, code)


@lru_cache(maxsize=64)
def _territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale, sep="-").territories)
