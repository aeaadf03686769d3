"""Dates and times in every OSCE language: each form a source can hold, rendered as CLDR writes it for the
locale, never a crash; forms that are not dates stay as the source has them."""

from __future__ import annotations

import datetime as dt

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from workflow.publish.locale_data import format_date_value
from workflow.segment.dates import DATE_TIME, DAY_MONTH, DAY_MONTH_YEAR, MONTH_YEAR, precision_of_datetime

# The languages of the OSCE participating States and partners (the list of 45).
OSCE_LOCALES = ("fr de it es ru uk sr-Latn sr mk sq bs hr sl tr kk ky tg uz mn hy az ka be ro bg el pl cs sk hu lt "
                "lv et fi sv da nb is nl pt mt ga tk ar he").split()


def _cldr(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


@pytest.mark.parametrize("tag", OSCE_LOCALES)
def test_every_date_form_in_every_locale(tag: str) -> None:
    locale = _cldr(tag)
    day = dt.date(2025, 9, 12)
    cases = {
        ("2025-09-12", DAY_MONTH_YEAR): format_date(day, "long", locale=locale),
        ("09-12", DAY_MONTH): format_skeleton("MMMMd", day, locale=locale),
        ("2025-09", MONTH_YEAR): format_skeleton("yMMMM", day.replace(day=1), locale=locale),
    }
    for (value, precision), expected in cases.items():
        assert format_date_value(value, precision, tag) == expected
    moment = dt.datetime.fromisoformat("2025-09-12T10:05+02:00")
    written = format_date_value("2025-09-12T10:05+02:00", DATE_TIME, tag)
    assert format_date(day, "long", locale=locale) in written
    assert format_time(moment.time(), "short", locale=locale) in written
    assert format_time(moment.timetz(), "ZZZZ", locale=locale) in written
    plain = format_date_value("2025-09-12T10:05", DATE_TIME, tag)
    assert format_time(moment.time(), "short", locale=locale) in plain and "+02" not in plain
    seconds = format_date_value("2025-09-12T10:05:30Z", DATE_TIME, tag)
    assert format_time(dt.time(10, 5, 30), "medium", locale=locale) in seconds


@pytest.mark.parametrize(("value", "precision"), [
    ("2025-09-12", DAY_MONTH_YEAR), ("2025-09", MONTH_YEAR), ("--09-12", DAY_MONTH), ("--02-29", DAY_MONTH),
    ("2025-09-12T10:00+02:00", DATE_TIME), ("2025-09-12T10:00:30Z", DATE_TIME), ("2025-09-12 10:00", DATE_TIME),
    ("2025-W37", None), ("PT2H", None), ("P1D", None), ("2025-02-30", None), ("2025-13", None), ("--13-01", None),
    ("10:00", None), ("yesterday", None), ("", None),
])
def test_what_a_time_element_holds(value: str, precision: str | None) -> None:
    assert precision_of_datetime(value) == precision


# Names in a language menu as CLDR's context transforms say (uiListOrMenu): capitalised where the language
# does so in menus, left as they are where it does not; Georgian never in Mtavruli (U+1C90–U+1CBF).
MENU_NAMES = {"fr": "Français", "es": "Español", "it": "Italiano", "ru": "Русский", "uk": "Українська",
              "de": "Deutsch", "fi": "Suomi", "da": "Dansk", "sv": "Svenska", "cs": "Čeština", "pl": "polski",
              "sq": "shqip", "lv": "latviešu", "hu": "magyar", "ka": "ქართული", "ar": "العربية", "he": "עברית"}


@pytest.mark.parametrize("tag", OSCE_LOCALES)
def test_language_names_in_menus_follow_cldr(tag: str) -> None:
    from workflow.publish.locale_data import native_name

    name = native_name(tag)
    standalone = _cldr(tag).get_display_name(_cldr(tag))
    assert name and name[1:] == standalone[1:]  # only the first letter's case may differ from CLDR's name
    assert not any("\u1c90" <= char <= "\u1cbf" for char in name)
    if tag in MENU_NAMES:
        assert name == MENU_NAMES[tag]
