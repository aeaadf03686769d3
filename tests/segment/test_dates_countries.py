"""Dates found in English text and country names, checked against CLDR through Babel."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import babel
import pytest
from babel import Locale

from workflow.segment.countries import cldr_territories, countries_in, standalone_country
from workflow.naming import CountryNaming
from workflow.segment.dates import (
    _DATE_RE,
    DATE_TIME,
    DAY_MONTH,
    DAY_MONTH_YEAR,
    MONTH_YEAR,
    MONTHS,
    _date_matches,
    dates_in,
    precision_of_datetime,
)

DATE_CASES = [
    ("on 12 September the", [("12 September", "2025-09-12", DAY_MONTH)]),
    ("On 15 September 2025, an event", [("15 September 2025", "2025-09-15", DAY_MONTH_YEAR)]),
    ("in September 2025 and", [("September 2025", "2025-09", MONTH_YEAR)]),
    ("held September 12, 2025 in", [("September 12, 2025", "2025-09-12", DAY_MONTH_YEAR)]),
    ("launched in September with", []),
    ("31 September is no date", []),
    ("from 12–15 September", []),
    ("Resolution 1325 May 2000", [("May 2000", "2000-05", MONTH_YEAR)]),
    # No-break and narrow no-break spaces (`12&nbsp;March`) as plain ones.
    ("on 12\u00a0March the", [("12\u00a0March", "2025-03-12", DAY_MONTH)]),
    ("on 12\u00a0March\u00a02025,", [("12\u00a0March\u00a02025", "2025-03-12", DAY_MONTH_YEAR)]),
    ("held March\u202f12, 2025 in", [("March\u202f12, 2025", "2025-03-12", DAY_MONTH_YEAR)]),
    ("in May\u00a02024.", [("May\u00a02024", "2024-05", MONTH_YEAR)]),
]


@pytest.mark.parametrize(("text", "expected"), DATE_CASES)
def test_dates_in_text(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(m.text, m.iso, m.precision) for m in dates_in(text, 2025)]
    assert found == expected


def test_dates_are_searched_only_near_month_names_with_the_same_result() -> None:
    # Pieces that make dates, near-dates and look-alikes ("Mayor", "12–15", "x15") in every arrangement.
    pieces = [*MONTHS, "1", "12", "31", "2025", "2024,", "x", "–", "-", "_", "Mayor", "Ma", "Sept", "on ", "9"]
    rng = random.Random(7)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", " ", ", "]) for _ in range(rng.randrange(1, 10)))
        expected = [(m.span(), m.groupdict()) for m in _DATE_RE.finditer(text)]
        assert [(m.span(), m.groupdict()) for m in _date_matches(text)] == expected, text
        found += bool(expected)
    assert found > 1000  # the texts did contain dates


def test_bare_day_month_needs_the_item_year() -> None:
    assert dates_in("on 12 September", None) == []
    assert dates_in("on 12 September", 2024)[0].value == dt.date(2024, 9, 12)


def test_precision_of_datetime_attribute() -> None:
    assert precision_of_datetime("2025-09-15") == DAY_MONTH_YEAR
    assert precision_of_datetime("2025-09-15T10:00:00Z") == DATE_TIME  # the time of day is kept
    assert precision_of_datetime("2025-09") == MONTH_YEAR
    assert precision_of_datetime("--09-15") == DAY_MONTH
    assert precision_of_datetime("yesterday") is None


@pytest.mark.parametrize(("text", "codes"), [
    ("Experts from Ukraine, Spain’s Guardia Civil, the UK and the Netherlands met in Ljubljana, Slovenia.",
     ["UA", "ES", "GB", "NL", "SI"]),
    ("Bosnia and Herzegovina and North Macedonia", ["BA", "MK"]),
    ("Papua New Guinea", ["PG"]),
    ("the Republic of Moldova and the Holy See", ["MD", "VA"]),
    ("Georgia-based experts and the Finnish Chairpersonship", []),
    ("The OSCE Secretariat in Vienna", []),
])
def test_countries_in_running_text(text: str, codes: list[str]) -> None:
    assert countries_in(text) == codes


def test_standalone_country_names() -> None:
    assert standalone_country("  Holy See ") == "VA"
    assert standalone_country("Türkiye") == "TR"
    assert standalone_country("Czech Republic") == "CZ"
    assert standalone_country("Finland – OSCE Chairpersonship 2025") is None
    assert standalone_country("St. Helena,\n  Ascension & Tristan da Cunha") == "SH"  # the longest name, 7 words
    assert standalone_country("Experts from Spain and Malta met the Programme Office in Bishkek") is None


LOCALES = ["fr", "de", "ru", "uk", "sr-Latn", "tr", "kk", "ar", "he", "mk", "sq", "mn"]


@pytest.mark.parametrize("locale", LOCALES)
def test_country_names_come_from_cldr_without_a_profile(locale: str) -> None:
    cldr = Locale.parse(locale, sep="-").territories
    for code in ("UA", "KZ", "MK", "DE", "TR", "VA"):
        assert CountryNaming("cldr").name(code, locale) == cldr[code]
        assert CountryNaming("cldr").name(code, locale) != code


def test_overrides_win_over_cldr() -> None:
    overrides = {"en": {"VA": "Holy See"}, "ru": {"VA": "Святой Престол"}}
    assert Locale("en").territories["VA"] == "Vatican City"
    naming = CountryNaming("cldr", overrides)
    assert naming.name("VA", "en") == "Holy See"
    assert naming.name("VA", "ru") == "Святой Престол"
    assert naming.name("VA", "fr") == Locale("fr").territories["VA"]


@pytest.fixture()
def fresh_territories():
    """No territory names in memory from other tests, and none left behind for them."""
    cldr_territories.cache_clear()
    yield cldr_territories
    cldr_territories.cache_clear()


@pytest.mark.parametrize("locale", ["en", "sr-Latn"])
def test_territory_names_are_kept_per_babel_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str,
                                                    fresh_territories) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from_cldr = dict(Locale.parse(locale, sep="-").territories)
    assert fresh_territories(locale) == from_cldr
    kept = tmp_path / "newsroom-workflow" / f"territories-{locale}-babel-{babel.__version__}.json"
    assert json.loads(kept.read_text(encoding="utf-8")) == from_cldr
    kept.write_text(json.dumps({"XK": "Kosovo (kept)"}), encoding="utf-8")
    fresh_territories.cache_clear()
    assert fresh_territories(locale) == {"XK": "Kosovo (kept)"}  # read from the file, not from CLDR
    kept.write_text("{damaged", encoding="utf-8")
    fresh_territories.cache_clear()
    assert fresh_territories(locale) == from_cldr  # a damaged file is made again
    assert json.loads(kept.read_text(encoding="utf-8")) == from_cldr
