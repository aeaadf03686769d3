"""Country names: finding them in English source text and naming them in any locale from CLDR."""

from __future__ import annotations

import re
from functools import lru_cache

from workflow.naming import cldr_territories

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
    for code, name in cldr_territories("en").items():
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
            names[name] = code
    # CLDR writes "Bosnia & Herzegovina"; news text writes "and".
    names.update({name.replace(" & ", " and "): code for name, code in names.items() if " & " in name})
    names.update(ENGLISH_ALIASES)
    return names


# Capitalised words; a name is looked up only where its first word stands, which is far faster than
# trying an alternation of 300 names at every position.
_WORD_RE = re.compile(r"(?<![\w-])[A-ZÅ][\w.’'&-]*")


@lru_cache(maxsize=1)
def _names_by_first_word() -> dict[str, tuple[tuple[str, str], ...]]:
    table: dict[str, list[tuple[str, str]]] = {}
    for name, code in english_names().items():
        if name[0].isupper():
            table.setdefault(name.split(" ")[0].rstrip("."), []).append((name, code))
    return {word: tuple(sorted(entries, key=lambda e: -len(e[0]))) for word, entries in table.items()}


def countries_in(text: str) -> list[str]:
    """ISO codes of the countries a running text mentions, in order of first mention."""
    found: list[str] = []
    table = _names_by_first_word()
    covered = 0  # words inside a name already found ("Guinea" in "Papua New Guinea") are not names
    for match in _WORD_RE.finditer(text):
        if match.start() < covered:
            continue
        word = match.group(0)
        candidates = table.get(word) or table.get(word.rstrip(".,;:!?’'-").removesuffix("’s").removesuffix("'s")
                                                  .rstrip("."))
        if not candidates:
            continue
        start = match.start()
        for name, code in candidates:
            end = start + len(name)
            if text.startswith(name, start) and (end == len(text) or not (text[end].isalnum() or text[end] in "-_")):
                if code not in found:
                    found.append(code)
                covered = end
                break
    return found


def standalone_country(text: str) -> str | None:
    """The ISO code when `text` is nothing but a country name (a list item, a tag, a table cell)."""
    # A paragraph is split only as far as the longest name's word count: it has more words than any name.
    words = text.split(None, _most_words())
    if len(words) > _most_words():
        return None
    return english_names().get(" ".join(words))


@lru_cache(maxsize=1)
def _most_words() -> int:
    return max(len(name.split()) for name in english_names())
