"""`workflow check`: every code on crafted entries, no false positives on the real translations, exit statuses."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA, ITEM, ROOT, copy_sample, run_cli

from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.report.checks import check, check_entry, numbers_in
from workflow.settings import load_settings

CRAFTED = read_po(DATA / "checks" / "fr.po").entries


def _expected(entry) -> set[str]:
    note = next(c for c in entry.translator_comments if c.startswith("expect: "))
    codes = note[len("expect: "):].split(",")
    return set() if codes == ["none"] else {code.strip() for code in codes}


@pytest.mark.parametrize("entry", CRAFTED, ids=[f"line{e.line}" for e in CRAFTED])
def test_each_crafted_entry_raises_exactly_its_codes(entry) -> None:
    findings = check_entry(entry, "fr", "fr.po", protected={"OSCE-Led Mobile Training Team"})
    assert {f.code for f in findings} == _expected(entry)
    for finding in findings:
        assert finding.line == entry.line and finding.fix and finding.message
        assert finding.severity == ("error" if finding.code.startswith("E") else "warning")


def test_every_code_is_covered() -> None:
    covered = set().union(*(_expected(e) for e in CRAFTED))
    assert covered == {"E101", "E102", "E103", "W201", "W202", "W203", "W204", "W205", "W206", "W207"}


def test_numbers_in_each_locales_writing() -> None:
    assert numbers_in("2.000 Objekte, 2,3 %", "de") == numbers_in("2,000 objects, 2.3%", "en")
    assert numbers_in("2 000 objets, 2,3 %", "fr") == ["2.3", "2000"]
    assert numbers_in("٢٠٢٥", "ar") == ["2025"]


def test_real_translations_have_no_errors_and_no_number_warnings() -> None:
    report = check(load_settings(ROOT), ("fr", "de", "ru"))
    assert report.files == 9  # two items and the site catalog, in three locales
    assert report.errors == 0
    assert not [f for f in report.findings if f.code == "W201"]


def _project(tmp_path: Path) -> Path:
    return copy_sample(tmp_path)


def _edit_first(project: Path, locale: str, change) -> None:
    path = project / "locales" / locale / f"{ITEM}.po"
    catalog = read_po(path)
    entries = list(catalog.entries)
    index = next(i for i, e in enumerate(entries) if "<a1>" in e.msgid)
    entries[index] = change(entries[index])
    path.write_bytes(serialize(replace(catalog, entries=tuple(entries))))


def test_exit_statuses(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_cli(project, "check", "--locale", "fr").returncode == 0
    _edit_first(project, "fr", lambda e: replace(e, msgstr=e.msgstr + "  "))
    warned = run_cli(project, "check", "--locale", "fr")
    assert warned.returncode == 0 and "W204" in warned.stdout
    assert run_cli(project, "check", "--locale", "fr", "--strict").returncode == 3
    _edit_first(project, "fr", lambda e: replace(e, msgstr=e.msgstr.replace("</a1>", "")))
    failed = run_cli(project, "check", "--locale", "fr", "--format", "json")
    assert failed.returncode == 1
    report = json.loads(failed.stdout)
    error = next(f for f in report["findings"] if f["code"] == "E101")
    assert error["path"] == f"locales/fr/{ITEM}.po" and error["line"] > 0 and error["fix"]


def test_broken_po_is_an_error_not_a_crash(tmp_path: Path) -> None:
    project = _project(tmp_path)
    path = project / "locales" / "de" / f"{ITEM}.po"
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgid "broken\n', encoding="utf-8")
    result = run_cli(project, "check", "--locale", "de")
    assert result.returncode == 1
    assert f"locales/de/{ITEM}.po:" in result.stdout and "E100" in result.stdout


def test_a_locale_without_policy_names_is_warned_of(tmp_path: Path) -> None:
    project = copy_sample(tmp_path, locales=("fr",))
    settings_file = project / "workflow.toml"
    settings_file.write_text(settings_file.read_text(encoding="utf-8").replace(
        'target_locales = ["fr",', 'target_locales = ["fr", "zh", "en-GB",'), encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    report = check(load_settings(project))
    gaps = [f for f in report.findings if f.code == "W208"]
    # The layout lists the participating States: Chinese has no policy name for the Holy See and the others
    # the profile names; British English takes the English names; French has its own.
    chinese = {f.message.split("(")[1].split(")")[0] for f in gaps if " in zh:" in f.message}
    assert {"VA", "RU", "US", "CZ", "NL", "MK", "BA"} <= chinese and "FR" not in chinese
    assert not [f for f in gaps if " in fr:" in f.message or " in en-GB:" in f.message]
    holy_see = next(f for f in gaps if "(VA) in zh" in f.message)
    assert holy_see.path == "source/_layout.html" and holy_see.line > 1
    assert "Holy See" in holy_see.message and "[country_names.zh]" in holy_see.fix
    assert holy_see.severity == "warning"
    # A project name for the gap closes it.
    settings_file.write_text(settings_file.read_text(encoding="utf-8") + '\n[country_names.zh]\nVA = "教廷"\n',
                             encoding="utf-8")
    again = check(load_settings(project))
    assert not [f for f in again.findings if "(VA) in zh" in f.message]


def test_a_provisional_profile_name_is_warned_of_until_the_project_names_it(tmp_path: Path) -> None:
    project = copy_sample(tmp_path, locales=("ky",))
    assert run_cli(project, "extract", "--locale", "ky").returncode == 0
    provisional = [f for f in check(load_settings(project), ("ky",)).findings if f.code == "W209"]
    assert [f for f in provisional if "(VA) in ky" in f.message and "'Ватикан'" in f.message]
    settings_file = project / "workflow.toml"
    settings_file.write_text(settings_file.read_text(encoding="utf-8") + '\n[country_names.ky]\nVA = "Ватикан"\n',
                             encoding="utf-8")
    assert not [f for f in check(load_settings(project), ("ky",)).findings if f.code == "W209"]
