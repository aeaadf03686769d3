"""Dates and times in every OSCE language: each form a source can hold, rendered as CLDR writes it for the
locale, never a crash; forms that are not dates stay as the source has them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from workflow.publish import locale_data
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


def test_a_date_is_formatted_once_however_many_a_build_meets(monkeypatch: pytest.MonkeyPatch) -> None:
    # A large build meets thousands of distinct dates, item after item, in every locale: each is formatted once,
    # however many come between its uses (a cache smaller than that formatted most of them again and again).
    formatted: list[tuple[str, str, str]] = []
    monkeypatch.setattr(locale_data, "_format_date", lambda *question: formatted.append(question) or "a date")
    locale_data.recall({})  # nothing remembered from an earlier test
    questions = [(f"{year}-{month:02}-{day:02}", DAY_MONTH_YEAR, tag) for year in range(2000, 2026)
                 for month in range(1, 13) for day in (1, 10, 20) for tag in ("fr", "de", "ar", "he", "ru", "uk")]
    assert len(questions) > 5000
    for _ in range(3):
        for question in questions:
            assert format_date_value(*question) == "a date"
    assert formatted == questions
    locale_data.recall({})  # the stand-in's answers go with this test


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


# Hand-written translations that write the dates out, inflected as each language needs ("in September 2025":
# Russian prepositional, Polish and Finnish locative forms, Latvian locative, Hungarian inessive).
WRITTEN_OUT = {
    "ru": ("Форум", "Форум прошёл в сентябре 2025 г.", "Он открылся 12 сентября 2025 г."),
    "pl": ("Forum", "Forum odbyło się we wrześniu 2025 r.", "Otwarto je 12 września 2025 r."),
    "fi": ("Foorumi", "Foorumi pidettiin syyskuussa 2025.", "Se avattiin 12. syyskuuta 2025."),
    "lv": ("Forums", "Forums notika 2025. gada septembrī.", "Tas tika atklāts 2025. gada 12. septembrī."),
    "hu": ("Fórum", "A fórumot 2025 szeptemberében tartották.", "2025. szeptember 12-én nyílt meg."),
}
SOURCE = ('<html lang="en"><head><meta charset="utf-8"><title>Forum</title></head><body><h1>Forum</h1>'
          '<p>The forum was held in {month}.</p><p>It opened on <time datetime="{iso}">{day}</time>.</p></body></html>')


def _one_item_project(root: Path, locales: list[str], name: str, html: str) -> Path:
    """A project of one item in `locales`, extracted; the item's source path."""
    from conftest import run_cli

    quoted = ", ".join(f'"{locale}"' for locale in locales)
    (root / "workflow.toml").write_text(f"[project]\ntarget_locales = [{quoted}]\n", encoding="utf-8")
    (root / "source").mkdir()
    item = root / "source" / f"{name}.html"
    item.write_text(html, encoding="utf-8")
    assert run_cli(root, "extract").returncode == 0
    return item


def _translate(root: Path, locale: str, name: str, texts: dict[str, str]) -> None:
    """Write the translations `texts` (by msgid) into a locale's catalog of the item."""
    from dataclasses import replace

    from workflow.po.reader import read_po
    from workflow.po.writer import serialize

    path = root / "locales" / locale / f"{name}.po"
    po = read_po(path)
    path.write_bytes(serialize(replace(po, entries=tuple(replace(e, msgstr=texts.get(e.msgid, e.msgstr))
                                                          for e in po.entries))))


def test_dates_written_out_are_published_until_the_source_date_changes(tmp_path: Path) -> None:
    from conftest import run_cli

    item = _one_item_project(tmp_path, list(WRITTEN_OUT), "forum",
                             SOURCE.format(month="September 2025", iso="2025-09-12", day="12 September 2025"))
    for locale, (title, held, opened) in WRITTEN_OUT.items():
        _translate(tmp_path, locale, "forum",
                   {"Forum": title, "The forum was held in <date1/>.": held, "It opened on <date1/>.": opened})
    note = (tmp_path / "locales" / "templates" / "forum.pot").read_text(encoding="utf-8")
    assert "you may write it out instead, to inflect it" in note
    built = run_cli(tmp_path, "build")
    assert built.returncode == 0 and "fallback" not in built.stdout, built.stdout
    for locale, (_, held, opened) in WRITTEN_OUT.items():
        page = (tmp_path / "output" / locale / "forum.html").read_text(encoding="utf-8")
        assert held in page and opened in page
    assert run_cli(tmp_path, "check").returncode == 0
    # The source's dates change; the msgids do not (the dates are placeholders), so nothing asks the
    # translators again: the written-out dates now say something else, and fall back with the reason.
    item.write_text(SOURCE.format(month="October 2025", iso="2025-09-13", day="13 September 2025"), encoding="utf-8")
    assert run_cli(tmp_path, "extract").returncode == 0
    rebuilt = run_cli(tmp_path, "build")
    assert rebuilt.returncode == 0
    for locale in WRITTEN_OUT:
        assert re.search(rf"fallback {locale} line \d+: the date written out does not say the source's date 2025-10 "
                         r"\(the month October missing\)", rebuilt.stdout), rebuilt.stdout
        assert re.search(rf"fallback {locale} line \d+: the date written out does not say the source's date "
                         r"2025-09-13 \(the day 13 missing\)", rebuilt.stdout), rebuilt.stdout
    checked = run_cli(tmp_path, "check")
    assert checked.returncode == 1 and checked.stdout.count("E101") == 2 * len(WRITTEN_OUT)


# Hand-written translations that name the Holy See themselves, inflected (Russian and Polish genitive,
# German genitive, Finnish genitive), instead of the country placeholder.
COUNTRY_WRITTEN_OUT = {
    "ru": "Посланник выступил от имени Святого Престола.",
    "pl": "Wysłannik przemawiał w imieniu Stolicy Apostolskiej.",
    "de": "Der Gesandte sprach im Namen des Heiligen Stuhls.",
    "fi": "Lähettiläs puhui Pyhän istuimen puolesta.",
}
COUNTRY_SOURCE = ('<html lang="en"><head><meta charset="utf-8"><title>Envoy</title></head><body><h1>Envoy</h1>'
                  '<p>The envoy spoke for the <span data-country="{code}">{name}</span>.</p></body></html>')


def test_countries_written_out_are_published_until_the_source_country_changes(tmp_path: Path) -> None:
    from conftest import run_cli

    item = _one_item_project(tmp_path, list(COUNTRY_WRITTEN_OUT), "envoy",
                             COUNTRY_SOURCE.format(code="VA", name="Holy See"))
    template = (tmp_path / "locales" / "templates" / "envoy.pot").read_text(encoding="utf-8")
    assert "The envoy spoke for the <country1/>." in template
    assert "<country1/> = country name (VA), written for each language; you may write it out" in template
    for locale, sentence in COUNTRY_WRITTEN_OUT.items():
        _translate(tmp_path, locale, "envoy",
                   {"Envoy": sentence.split()[0], "The envoy spoke for the <country1/>.": sentence})
    built = run_cli(tmp_path, "build")
    assert built.returncode == 0 and "fallback" not in built.stdout, built.stdout
    for locale, sentence in COUNTRY_WRITTEN_OUT.items():
        assert sentence in (tmp_path / "output" / locale / "envoy.html").read_text(encoding="utf-8")
    assert run_cli(tmp_path, "check").returncode == 0
    # The source now names another country under the same placeholder: the translations fall back.
    item.write_text(COUNTRY_SOURCE.format(code="RU", name="Russian Federation"), encoding="utf-8")
    assert run_cli(tmp_path, "extract").returncode == 0
    rebuilt = run_cli(tmp_path, "build")
    for locale in COUNTRY_WRITTEN_OUT:
        assert re.search(rf"fallback {locale} line \d+: the country written out does not name the source's "
                         r"country .*\(RU\)", rebuilt.stdout), rebuilt.stdout
        # Most of the item's words now fall back, so its page is held back, not published stale.
        assert re.search(rf"held back +output/{locale}/envoy.html: .*the country written out", rebuilt.stdout)
        assert not (tmp_path / "output" / locale / "envoy.html").exists()
    checked = run_cli(tmp_path, "check")
    assert checked.returncode == 1 and checked.stdout.count("E101") == len(COUNTRY_WRITTEN_OUT)
