"""`workflow build`: valid, safe, correctly localized pages; thresholds, fallbacks, drafts, incremental builds."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import html5lib
import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from conftest import ITEM, copy_sample, corpus_files, need_corpus, run_cli
from lxml import etree

from workflow.fsio import STALE_AFTER
from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.publish.locale_data import sorted_names
from workflow.publish.building import build
from workflow.publish.pages import href
from workflow.publish.state import STATE_FILE, BuildState
from workflow.settings import SITE_CATALOG, load_settings

TEN_LOCALES = ["fr", "de", "ru", "uk", "sr-Latn", "tr", "kk", "ar", "he", "mk"]


def _parse(path: Path) -> etree._Element:
    return etree.parse(str(path), etree.HTMLParser()).getroot()


def _copy_project(tmp_path: Path) -> Path:
    """The sample project's first item with its real catalogs (French, German and Russian are translated)."""
    return copy_sample(tmp_path)


def _fill(project: Path, locale: str, translate, catalogs: tuple[str, ...] = (ITEM, SITE_CATALOG)) -> None:
    """Give every entry of a locale's catalogs a translation made by `translate(msgid)`."""
    for catalog in catalogs:
        path = project / "locales" / locale / f"{catalog}.po"
        po = read_po(path)
        entries = tuple(replace(e, msgstr=translate(e.msgid)) if not e.obsolete else e for e in po.entries)
        path.write_bytes(serialize(replace(po, entries=entries)))


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    project = _copy_project(tmp_path)
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    return project


def test_sample_build_publishes_translated_locales_only(built: Path) -> None:
    published = sorted(p.parent.name for p in (built / "output").glob(f"*/{ITEM}.html"))
    assert published == ["de", "en", "fr", "ru"]
    for locale in ("en", "fr", "de", "ru", "ar", "kk"):
        assert (built / "output" / locale / "index.html").exists()
    assert (built / "output" / "sitemap.xml").exists()
    assert (built / "output" / "assets" / "site.css").exists()


def test_every_page_is_valid_html5(built: Path) -> None:
    pages = sorted((built / "output").rglob("*.html"))
    assert len(pages) >= 20
    for page in pages:
        parser = html5lib.HTMLParser(strict=True)
        parser.parse(page.read_bytes())  # raises on the first parse error
        assert not parser.errors, (page, parser.errors[:3])


def test_localized_dates_titles_and_metadata(built: Path) -> None:
    expectations = {"fr": "12 septembre", "de": "12. September", "ru": "12 сентября"}
    for locale, day_month in expectations.items():
        root = _parse(built / "output" / locale / f"{ITEM}.html")
        assert root.get("lang") == locale and root.get("dir") == "ltr"
        body_text = "".join(root.find("body").itertext())
        assert day_month in body_text
        times = {t.get("datetime"): "".join(t.itertext()) for t in root.iter("time")}
        assert times["2025-10-02"] == format_date(__import__("datetime").date(2025, 10, 2), "long", locale=locale)
        hreflangs = {link.get("hreflang") for link in root.iter("link") if link.get("rel") == "alternate"}
        assert hreflangs == {"en", "fr", "de", "ru", "x-default"}
        og = {m.get("property"): m.get("content") for m in root.iter("meta") if m.get("property")}
        assert og["og:locale"] == {"fr": "fr_FR", "de": "de_DE", "ru": "ru_RU"}[locale]
    french = _parse(built / "output" / "fr" / f"{ITEM}.html")
    assert french.findtext("head/title").startswith("Des principes à la pratique")
    assert "Concept SGF" in "".join(french.find("body").itertext())


def test_site_chrome_is_translated_once_and_states_come_from_cldr(built: Path) -> None:
    settings = load_settings(built)
    for locale in ("fr", "ru"):
        root = _parse(built / "output" / locale / f"{ITEM}.html")
        states = [a.text for a in root.iterfind(".//ul[@class='participating-states']/li/a")]
        assert len(states) == 57
        assert states == sorted_names(states, locale)
        assert settings.names.list_name("VA", locale) in states
        assert Locale.parse(locale).territories["UA"] in states
    russian = _parse(built / "output" / "ru" / f"{ITEM}.html")
    assert "Святой Престол" in [a.text for a in russian.iterfind(".//ul[@class='participating-states']/li/a")]
    assert "Дата публикации:" in [dt.text for dt in russian.iter("dt")]
    # The shared label is not in the item's catalog: one translation serves every page.
    assert "Issued on:" not in (built / "locales" / "ru" / f"{ITEM}.po").read_text(encoding="utf-8")


# Pairs of participating States in each locale's alphabetical order, where the alphabet's own letters decide:
# Serbian č after c and š after s; Albanian gj after g and sh after s; Uzbek oʻ, sh and ch after z; Kazakh
# і after ы and қ after к; Arabic sorts by letters, so a hamza on the alef does not move a name.
ALPHABET_ORDER = {
    "sr-Latn": [("ME", "CZ"), ("RS", "ES")],
    "sq": [("GR", "DE"), ("SE", "AL")],
    "uz": [("HR", "UZ"), ("CH", "CZ"), ("MK", "ME")],
    "kk": [("TR", "TM"), ("CY", "KZ")],
    "ar": [("ES", "AL")],
}


@pytest.mark.parametrize("locale", ALPHABET_ORDER)
def test_states_follow_the_locales_own_alphabet(built: Path, locale: str) -> None:
    settings = load_settings(built)
    root = _parse(built / "output" / locale / "index.html")
    states = [a.text for a in root.iterfind(".//ul[@class='participating-states']/li/a")]
    assert len(states) == 57
    for earlier, later in ALPHABET_ORDER[locale]:
        first, second = (settings.names.list_name(code, locale) for code in (earlier, later))
        assert states.index(first) < states.index(second), (first, second)


def test_held_back_pages_say_why_and_strict_fails(built: Path) -> None:
    result = run_cli(built, "build", "--strict", "--format", "json")
    assert result.returncode == 3
    report = json.loads(result.stdout)
    held = {p["locale"]: p["reason"] for p in report["pages"] if p["status"] == "held back"}
    assert "title not translated" in held["ar"] and "lead not translated" in held["ar"]
    assert "0% of words translated" in held["kk"]
    assert not (built / "output" / "ar" / f"{ITEM}.html").exists()


def test_rebuild_touches_only_changed_pages(built: Path) -> None:
    result = run_cli(built, "build", "--format", "json")
    statuses = {(p["locale"], p["status"]) for p in json.loads(result.stdout)["pages"]}
    assert ("fr", "unchanged") in statuses and ("fr", "built") not in statuses
    po = built / "locales" / "de" / f"{ITEM}.po"
    catalog = read_po(po)
    first = catalog.entries[0]
    po.write_bytes(serialize(replace(catalog, entries=(replace(first, msgstr=first.msgstr + " (neu)"),
                                                        *catalog.entries[1:]))))
    pages = json.loads(run_cli(built, "build", "--format", "json").stdout)["pages"]
    built_now = sorted(p["locale"] for p in pages if p["status"] == "built")
    assert built_now == ["de"]
    assert "(neu)" in (built / "output" / "de" / f"{ITEM}.html").read_text(encoding="utf-8")
    forced = json.loads(run_cli(built, "build", "--force", "--format", "json").stdout)["pages"]
    assert sorted(p["locale"] for p in forced if p["status"] == "built") == ["de", "en", "fr", "ru"]


def test_a_build_reads_ahead_the_sources_and_catalogs_its_workers_read(tmp_path: Path,
                                                                        read_ahead_asked: list[str]) -> None:
    project = copy_sample(tmp_path, every_item=True)
    asked = read_ahead_asked
    settings = load_settings(project)
    items = sorted(path.stem for path in (project / "source").glob("*.html") if path.stem != "_layout")
    build(settings, workers=1)
    assert sorted(asked) == sorted([str(project / "source" / f"{item}.html") for item in items] + [
        str(project / "locales" / locale / f"{item}.po") for item in items for locale in settings.target_locales])
    assert all(os.path.exists(path) for path in asked if "/source/" in path)
    asked.clear()
    build(settings, workers=1)  # nothing changed: nothing to read
    assert asked == []
    (project / "locales" / "de" / f"{ITEM}.po").write_bytes((project / "locales" / "de" / f"{ITEM}.po").read_bytes()
                                                            + b"\n")
    build(settings, workers=1)
    assert str(project / "locales" / "de" / f"{ITEM}.po") in asked
    assert {Path(path).stem for path in asked} == {ITEM}  # only the changed item's files


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are used on Linux")
@pytest.mark.parametrize(("command", "made"), [("build", "output"), ("extract", "locales")])
def test_ctrl_c_ends_a_run_in_one_line_and_leaves_nothing_behind(tmp_path: Path, command: str, made: str) -> None:
    project = copy_sample(tmp_path, catalogs=command == "build")  # an extract then makes every catalog
    for number in range(150):  # enough items that the run is still going when it is interrupted
        name = f"copy-{number:03d}"
        shutil.copy(project / "source" / f"{ITEM}.html", project / "source" / f"{name}.html")
        for folder in (project / "locales").iterdir() if command == "build" else ():
            if (folder / f"{ITEM}.po").exists():
                shutil.copy(folder / f"{ITEM}.po", folder / f"{name}.po")
    # As a terminal's Ctrl-C does: SIGINT to the command's whole process group, its workers too, once the
    # workers are staging files (a fresh folder appears). The command starts with SIGINT's default action, as
    # from a terminal: a test run started in the background of a script inherits it ignored.
    running = subprocess.Popen([sys.executable, "-m", "workflow", "--root", str(project), command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    folder = project / made
    while running.poll() is None and not (folder.is_dir() and any(folder.glob(".*.tmp"))):
        time.sleep(0.005)
    if running.poll() is not None:
        pytest.skip(f"{command} ended before it could be interrupted")
    os.killpg(running.pid, signal.SIGINT)
    _, stderr = running.communicate(timeout=120)
    assert running.returncode == 130, stderr
    assert stderr.splitlines() == ["interrupted; files already written are complete, nothing was left half-written"]
    made_files = [str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()]
    assert made_files == []
    with pytest.raises(ProcessLookupError):
        os.killpg(running.pid, 0)  # no worker of the command is left


@pytest.mark.parametrize("changed", ["source/_layout.html", "workflow.toml"])
def test_a_layout_or_settings_change_rebuilds_every_page(built: Path, changed: str) -> None:
    path = built / changed
    comment = "\n<!-- edited -->\n" if changed.endswith(".html") else "\n# edited\n"
    path.write_text(path.read_text(encoding="utf-8") + comment, encoding="utf-8")
    pages = json.loads(run_cli(built, "build", "--format", "json").stdout)["pages"]
    assert sorted(p["locale"] for p in pages if p["status"] == "built") == ["de", "en", "fr", "ru"]
    again = json.loads(run_cli(built, "build", "--format", "json").stdout)["pages"]
    assert not [p for p in again if p["status"] == "built"]


def test_other_tool_code_rebuilds_every_page(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.publish.building
    import workflow.publish.state

    settings = load_settings(built)
    assert not [p for p in workflow.publish.building.build(settings, workers=1).pages if p.status == "built"]
    monkeypatch.setattr(workflow.publish.state, "tool_digest", lambda: "other code")
    pages = workflow.publish.building.build(settings, workers=1).pages
    assert sorted(p.locale for p in pages if p.status == "built") == ["de", "en", "fr", "ru"]


def test_the_tool_digest_follows_each_module_of_the_code() -> None:
    import workflow.errors
    import workflow.publish.state

    module = Path(workflow.errors.__file__)
    status = module.stat()
    workflow.publish.state.tool_digest.cache_clear()
    before = workflow.publish.state.tool_digest()
    try:  # the module as a newer checkout would leave it: another modification time
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
        workflow.publish.state.tool_digest.cache_clear()
        assert workflow.publish.state.tool_digest() != before
    finally:
        os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))
        workflow.publish.state.tool_digest.cache_clear()
    assert workflow.publish.state.tool_digest() == before


def test_another_babel_rebuilds_every_page(built: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import babel

    import workflow.publish.building
    import workflow.publish.state

    settings = load_settings(built)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # CLDR names are cached per Babel version
    monkeypatch.setattr(babel, "__version__", babel.__version__ + ".other")  # other CLDR data
    workflow.publish.state.tool_digest.cache_clear()
    try:
        pages = workflow.publish.building.build(settings, workers=1).pages
    finally:
        workflow.publish.state.tool_digest.cache_clear()
    assert sorted(p.locale for p in pages if p.status == "built") == ["de", "en", "fr", "ru"]


def test_a_second_build_in_the_same_process_sees_a_changed_site_catalog(built: Path) -> None:
    import workflow.publish.building

    settings = load_settings(built)
    workflow.publish.building.build(settings, force=True, workers=1)  # parses the layout and site catalogs in this process
    po = built / "locales" / "fr" / f"{SITE_CATALOG}.po"
    catalog = read_po(po)
    entries = tuple(replace(e, msgstr="PUBLIÉ LE :") if e.msgid == "Issued on:" else e for e in catalog.entries)
    assert entries != catalog.entries
    po.write_bytes(serialize(replace(catalog, entries=entries)))
    pages = workflow.publish.building.build(settings, workers=1).pages
    assert [p.locale for p in pages if p.status == "built"] == ["fr"]
    assert "PUBLIÉ LE :" in (built / "output" / "fr" / f"{ITEM}.html").read_text(encoding="utf-8")


def test_a_rebuild_takes_cldr_answers_from_the_last_build_without_asking_babel(
        built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.publish.building
    import workflow.publish.locale_data

    settings = load_settings(built)
    _fill(built, "fr", lambda msgid: f"« {msgid} »", (ITEM,))
    workflow.publish.building.build(settings, force=True, workers=1)
    expected = (built / "output" / "fr" / f"{ITEM}.html").read_bytes()
    assert ">2 octobre 2025</time>" in expected.decode("utf-8")  # a date in French, from CLDR
    _fill(built, "fr", lambda msgid: f"«{msgid}»", (ITEM,))
    workflow.publish.building.build(settings, workers=1)  # a rebuild keeps the answers it had no need to ask again

    def no_cldr(tag: str) -> None:
        raise AssertionError(f"asked Babel about {tag}")

    _fill(built, "fr", lambda msgid: f"« {msgid} »", (ITEM,))  # back to the first translations
    monkeypatch.setattr(workflow.publish.locale_data, "babel_locale", no_cldr)
    pages = workflow.publish.building.build(settings, workers=1).pages
    assert [p.locale for p in pages if p.status == "built"] == ["fr"]
    assert (built / "output" / "fr" / f"{ITEM}.html").read_bytes() == expected


def test_a_forced_build_keeps_only_the_cldr_answers_its_pages_asked_for(built: Path) -> None:
    import workflow.publish.building

    settings = load_settings(built)
    path = built / "output" / STATE_FILE
    state = BuildState.load(path)
    answers = dict(state.answers)
    assert "direction fr" in answers and "og:locale fr" in answers
    assert any(question.startswith("date 2025-") for question in answers)
    state.answers["date 1999-01-01 day-month-year fr"] = "a date no page shows"
    path.write_bytes(b"".join(state.dump()))
    workflow.publish.building.build(settings, workers=1)
    assert "date 1999-01-01 day-month-year fr" in BuildState.load(path).answers
    workflow.publish.building.build(settings, force=True, workers=1)
    assert BuildState.load(path).answers.keys() == answers.keys()


def test_the_state_holds_each_item_once_and_forgets_removed_items(built: Path) -> None:
    import workflow.publish.building

    settings = load_settings(built)
    path = built / "output" / STATE_FILE
    state = BuildState.load(path)
    assert list(state.items) == [ITEM]
    record = state.record(ITEM)
    assert set(record.decisions) == set(settings.chosen_locales(with_source=True))
    assert set(record.pages) == {locale for locale, row in record.decisions.items() if row[1]} >= {"en", "fr"}
    assert all(record.decisions[locale][0] == fingerprint[0] for locale, fingerprint in record.pages.items())
    (built / "source" / "gone-item.html").write_bytes((built / "source" / f"{ITEM}.html").read_bytes())
    workflow.publish.building.build(settings, workers=1)
    assert sorted(BuildState.load(path).items) == ["gone-item", ITEM]
    (built / "source" / "gone-item.html").unlink()
    workflow.publish.building.build(settings, workers=1)
    assert list(BuildState.load(path).items) == [ITEM]


def test_a_damaged_state_means_a_full_rebuild(built: Path) -> None:
    (built / "output" / STATE_FILE).write_bytes(b"\x00not a state")
    pages = json.loads(run_cli(built, "build", "--format", "json").stdout)["pages"]
    assert sorted(p["locale"] for p in pages if p["status"] == "built") == ["de", "en", "fr", "ru"]
    again = json.loads(run_cli(built, "build", "--format", "json").stdout)["pages"]
    assert not [p for p in again if p["status"] == "built"]


HOSTILE = {
    "script": "<script>alert(1)</script>Texte",
    "handler": '<img src=x onerror="alert(1)">Texte',
    "javascript": '<a href="javascript:alert(1)">clic</a>',
    "entity": "&lt;script&gt;alert(1)&lt;/script&gt; &#60;b&#62;",
    "unknown": "<blink>Texte</blink> <iframe src=//evil.example>",
}


def _hostile_translation(msgid: str) -> str:
    if msgid == "<a1>Migration</a1>":  # the site chrome
        return "<a1>Migration</a1> <a1>bis</a1>"
    if msgid.startswith("Speakers included <a1>"):
        return "Intervenants : <a1>Matti Sarasmaa</a1> <em1>secrétaire</em1> <a1>encore</a1>"  # extra <a1>
    if msgid.startswith("They underscored"):
        return "Ils ont souligné le <a1>Concept</a1"  # unbalanced
    if msgid.startswith("<a1>OSCE Secretariat</a1>"):
        return "<a1>Secrétariat <a2>Présidence</a1></a2>, <a3>Département</a3>"  # crossed
    if msgid.startswith("On <date1/>, an event"):
        return "Le <date1/>, <em1>un <a1>événement</a1></em1>"  # a1 is not this unit's: literal text
    if msgid.startswith("Speakers included Ambassador"):
        return "Intervenants du <a1>Bureau d’Astana</a1>."  # missing <a2>
    if msgid.startswith("The Month’s opening session"):
        return HOSTILE["script"] + " <date1/>"
    if msgid.startswith("A panel"):
        return HOSTILE["handler"] + " <a1>École</a1>"
    if msgid.startswith("They also explored"):
        return HOSTILE["javascript"]
    if msgid.startswith("The event also featured"):
        return HOSTILE["entity"]
    if msgid.startswith("They shared"):
        return HOSTILE["unknown"]
    return "[fr] " + msgid


def test_hostile_translations_cannot_inject_markup(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    _fill(project, "fr", _hostile_translation)
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("min_translated = 0.8",
                                                                     "min_translated = 0.5"), encoding="utf-8")
    result = run_cli(project, "build", "--locale", "en", "--locale", "fr", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    french = next(p for p in report["pages"] if p["locale"] == "fr")
    assert french["status"] == "built"
    reasons = {fallback["msgid"][:25]: fallback["reason"] for fallback in french["fallbacks"]}
    assert "more than once" in reasons["Speakers included <a1>Mat"]
    assert "not closed" in reasons["They underscored that the"] or "missing" in reasons["They underscored that the"]
    assert "out of order" in reasons["<a1>OSCE Secretariat</a1>"]
    assert "On <date1/>, an event on " not in reasons
    assert "<a2> is missing" in reasons["Speakers included Ambassa"]
    site = {(f["locale"], f["msgid"]): f["reason"] for f in report["site_fallbacks"]}
    assert set(site) == {("fr", "<a1>Migration</a1>")}
    assert "more than once" in site[("fr", "<a1>Migration</a1>")]

    source = _parse(project / "output" / "en" / f"{ITEM}.html")
    page_path = project / "output" / "fr" / f"{ITEM}.html"
    page = _parse(page_path)
    source_urls = {v for e in source.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
                   if k in ("href", "src", "action")}
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "iframe", "blink", "object", "embed")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name in ("href", "src", "action"):
                assert value in source_urls or value.startswith("https://news.example.org/"), value
                assert not value.lower().startswith("javascript:")
    text = page_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # shown as text, escaped
    assert "&amp;lt;script&amp;gt;" in text  # entity tricks stay literal
    assert "&lt;a1&gt;événement&lt;/a1&gt;" in text  # a placeholder the unit does not have is text
    # Fallen-back units keep the source text and say which language it is in.
    fallen = [e for e in page.iter("span") if e.get("lang") == "en"]
    assert any("They underscored" in "".join(e.itertext()) for e in fallen)


def test_drafts_are_published_only_when_allowed_with_a_notice(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    po_path = project / "locales" / "de" / f"{ITEM}.po"
    catalog = read_po(po_path)
    entries = tuple(e.with_fuzzy(True) if i < 3 else e for i, e in enumerate(catalog.entries))
    po_path.write_bytes(serialize(replace(catalog, entries=entries)))
    result = json.loads(run_cli(project, "build", "--locale", "de", "--format", "json").stdout)
    assert result["pages"][0]["status"] == "held back"  # the fuzzy title is not published
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("allow_drafts = false", "allow_drafts = true"),
                        encoding="utf-8")
    result = json.loads(run_cli(project, "build", "--locale", "de", "--format", "json").stdout)
    assert result["pages"][0]["status"] == "built" and result["pages"][0]["drafts"] == 3
    page = _parse(project / "output" / "de" / f"{ITEM}.html")
    notice = page.find(".//p[@class='draft-notice']")
    assert notice is not None and "maschinell übersetzt" in "".join(notice.itertext())
    french = _parse(project / "output" / "fr" / f"{ITEM}.html") if (project / "output" / "fr").exists() else None
    assert french is None or french.find(".//p[@class='draft-notice']") is None


def _pseudo(msgid: str) -> str:
    return msgid  # placeholders and text kept: the page publishes and typed values render per locale


@pytest.mark.parametrize("locale", TEN_LOCALES)
def test_dates_and_country_names_follow_cldr(locale: str, tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    _fill(project, locale, _pseudo)
    result = run_cli(project, "build", "--locale", locale, "--format", "json")
    assert json.loads(result.stdout)["pages"][0]["status"] == "built", result.stdout
    root = _parse(project / "output" / locale / f"{ITEM}.html")
    babel_locale = Locale.parse(locale, sep="-")
    assert root.get("dir") == babel_locale.text_direction
    import datetime as dt

    body = "".join(root.find("body").itertext())
    assert format_skeleton("MMMMd", dt.date(2025, 9, 12), locale=babel_locale) in body
    assert format_skeleton("MMMMd", dt.date(2025, 9, 23), locale=babel_locale) in body
    assert format_date(dt.date(2025, 10, 2), "long", locale=babel_locale) in body
    states = [a.text for a in root.iterfind(".//ul[@class='participating-states']/li/a")]
    settings = load_settings(project)
    expected = [settings.names.list_name(code, locale) for code in
                "AL AD AM AT AZ BE BY BA BG CA HR CY CZ DK EE FI FR GE DE GR VA HU IS IE IT KZ KG LV LI LT LU MT "
                "MD MC MN ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH TJ TR TM UA GB US UZ".split()]
    assert sorted(states) == sorted(expected)
    assert babel_locale.territories["KZ"] in states


def test_uk_and_sr_latn_dates_are_the_expected_words(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    for locale in ("uk", "sr-Latn"):
        _fill(project, locale, _pseudo)
    run_cli(project, "build", "--locale", "uk", "--locale", "sr-Latn")
    ukrainian = "".join(_parse(project / "output" / "uk" / f"{ITEM}.html").find("body").itertext())
    serbian = "".join(_parse(project / "output" / "sr-Latn" / f"{ITEM}.html").find("body").itertext())
    assert "12 вересня" in ukrainian
    assert "2. oktobar 2025." in serbian  # the long format, the month written out


def test_arabic_page_is_right_to_left(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    _fill(project, "ar", _pseudo)
    run_cli(project, "build", "--locale", "en", "--locale", "ar")
    root = _parse(project / "output" / "ar" / f"{ITEM}.html")
    assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    links = {a.get("hreflang"): a for a in root.iterfind(".//nav[@class='languages']//a")}
    assert links["en"].get("dir") == "ltr" and links["en"].text == "English"


def _project_with_follow_up(tmp_path: Path) -> Path:
    """The sample plus a second item, translated into French, whose lead links to the sample item."""
    project = _copy_project(tmp_path)
    (project / "source" / "follow-up.html").write_text(
        '<html lang="en"><head><meta charset="utf-8"><title>Follow-up</title></head><body>'
        '<div data-slot="header"><h1>Follow-up</h1><p class="lead">See <a href="month-of-borders-2025.html">the '
        'first report</a>.</p></div></body></html>', encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    _fill(project, "fr", lambda msgid: "[fr] " + msgid, ("follow-up",))
    return project


def test_internal_links_point_to_the_localized_page(tmp_path: Path) -> None:
    project = _project_with_follow_up(tmp_path)
    assert run_cli(project, "build", "--locale", "en", "--locale", "fr").returncode == 0
    french = _parse(project / "output" / "fr" / "follow-up.html")
    hrefs = [a.get("href") for a in french.iterfind(".//header//a")] + \
            [a.get("href") for a in french.iter("a") if "first report" in "".join(a.itertext())]
    assert "month-of-borders-2025.html" in hrefs
    index = _parse(project / "output" / "fr" / "index.html")
    titles = [a.text for a in index.iterfind(".//ol/li/a")]
    assert titles[0].startswith("[fr] Follow-up") or titles[0].startswith("Des principes")
    assert len(titles) == 2


def test_a_page_is_rebuilt_when_an_item_it_links_to_is_published_or_withdrawn(tmp_path: Path) -> None:
    project = _project_with_follow_up(tmp_path)
    assert run_cli(project, "build").returncode == 0

    def link_in_french_follow_up() -> tuple[str | None, str | None]:
        page = _parse(project / "output" / "fr" / "follow-up.html")
        link = next(a for a in page.iter("a") if "first report" in "".join(a.itertext()))
        return link.get("href"), link.get("hreflang")

    assert link_in_french_follow_up() == ("month-of-borders-2025.html", None)
    # Withdraw the linked item in French (its title loses its translation): only pages that show it change.
    linked = project / "locales" / "fr" / f"{ITEM}.po"
    catalog = read_po(linked)
    title = next(e for e in catalog.entries if "<title> element" in e.extracted_comments)
    linked.write_bytes(serialize(replace(catalog, entries=tuple(replace(e, msgstr="") if e is title else e
                                                                for e in catalog.entries))))
    pages = json.loads(run_cli(project, "build", "--format", "json").stdout)["pages"]
    status = {(p["item"], p["locale"]): p["status"] for p in pages}
    assert status[(ITEM, "fr")] == "held back"
    assert status[("follow-up", "fr")] == "built"
    assert status[(ITEM, "de")] == "built"  # its alternates lost fr
    assert status[("follow-up", "en")] == "unchanged"  # the link in English still goes to the English page
    assert link_in_french_follow_up() == ("../en/month-of-borders-2025.html", "en")


def test_indexes_and_sitemap_follow_titles_items_and_publication(tmp_path: Path) -> None:
    project = _project_with_follow_up(tmp_path)
    assert run_cli(project, "build").returncode == 0
    output = project / "output"

    def index_titles(locale: str) -> list[str]:
        return [a.text for a in _parse(output / locale / "index.html").iterfind(".//ol/li/a")]

    def stamps() -> dict[str, int]:
        return {p.relative_to(output).as_posix(): p.stat().st_mtime_ns
                for p in (*output.glob("*/index.html"), output / "sitemap.xml")}

    def retitle(locale: str, title: str) -> None:
        _fill(project, locale, lambda msgid: title if msgid == "Follow-up" else f"[{locale}] {msgid}", ("follow-up",))

    before = stamps()
    retitle("fr", "Suite")  # a French title changes: only the French index is written again
    assert run_cli(project, "build").returncode == 0
    assert "Suite" in index_titles("fr")
    after = stamps()
    assert [name for name in before if before[name] != after[name]] == ["fr/index.html"]
    # A build of German only, while the French title changes again; the next full build still sees it.
    retitle("fr", "Suite et fin")
    assert run_cli(project, "build", "--locale", "de").returncode == 0
    assert "Suite" in index_titles("fr")
    assert run_cli(project, "build").returncode == 0
    assert "Suite et fin" in index_titles("fr")
    # The French page of the item is withdrawn (its title untranslated); French still publishes the other one.
    assert "fr/follow-up.html" in (output / "sitemap.xml").read_text(encoding="utf-8")
    retitle("fr", "")
    assert run_cli(project, "build").returncode == 0
    assert "fr/follow-up.html" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert len(index_titles("fr")) == 1
    # The item leaves the site: every index and the sitemap drop it.
    (project / "source" / "follow-up.html").unlink()
    assert run_cli(project, "build").returncode == 0
    assert all(len(index_titles(locale)) == 1 for locale in ("en", "fr"))
    assert "follow-up" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    # Arabic publishes the item once it is translated: the sitemap lists the new page.
    assert 'hreflang="ar"' not in (output / "sitemap.xml").read_text(encoding="utf-8")
    _fill(project, "ar", lambda msgid: f"[ar] {msgid}", (ITEM,))
    assert run_cli(project, "build").returncode == 0
    assert 'hreflang="ar"' in (output / "sitemap.xml").read_text(encoding="utf-8")


def test_sitemap_lists_alternates(built: Path) -> None:
    tree = etree.parse(str(built / "output" / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = tree.findall("s:url", ns)
    assert len(urls) == 4
    for url in urls:
        langs = {link.get("hreflang") for link in url.findall("x:link", ns)}
        assert langs == {"en", "fr", "de", "ru", "x-default"}
    assert re.match(r"https://news\.example\.org/(en|fr|de|ru)/", urls[0].findtext("s:loc", namespaces=ns))


def _sitemap_by_lxml(settings, items: list[str], published: dict[str, set[str]]) -> bytes:
    """The sitemap as a tree serialized by lxml: the reference for the sitemap the build writes as text."""
    namespace, xhtml = "http://www.sitemaps.org/schemas/sitemap/0.9", "http://www.w3.org/1999/xhtml"
    urlset = etree.Element(f"{{{namespace}}}urlset", nsmap={None: namespace, "xhtml": xhtml})
    for item in items:
        alternates = [(locale, href(settings, locale, f"{item}.html"))
                      for locale in settings.chosen_locales(with_source=True) if item in published.get(locale, set())]
        for _, address in alternates:
            url = etree.SubElement(urlset, f"{{{namespace}}}url")
            etree.SubElement(url, f"{{{namespace}}}loc").text = address
            for locale, other in alternates:
                etree.SubElement(url, f"{{{xhtml}}}link", rel="alternate", hreflang=locale, href=other)
            etree.SubElement(url, f"{{{xhtml}}}link", rel="alternate", hreflang="x-default",
                             href=href(settings, "en", f"{item}.html"))
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@pytest.mark.parametrize("base_url", ["", "https://news.example.org", "https://example.org/a&b<c>'d/новости"])
def test_sitemap_is_what_lxml_would_write(tmp_path: Path, base_url: str) -> None:
    from workflow.publish.listings import sitemap

    project = _copy_project(tmp_path)
    settings = replace(load_settings(project), base_url=base_url)
    items = [ITEM, "follow-up", "z-last"]
    for published in ({"en": set(items), "fr": {ITEM}, "de": {ITEM, "z-last"}, "ru": set()},
                      {locale: set() for locale in settings.chosen_locales(with_source=True)}):
        assert sitemap(settings, items, published) == _sitemap_by_lxml(settings, items, published)


@pytest.mark.parametrize("base_url", ["news.example.org", "https://example.org/with space", "ftp://example.org"])
def test_a_base_url_that_is_not_an_absolute_http_url_is_refused(tmp_path: Path, base_url: str) -> None:
    project = _copy_project(tmp_path)
    settings = project / "workflow.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(re.sub(r'base_url = "[^"]*"', f'base_url = "{base_url}"', text), encoding="utf-8")
    result = run_cli(project, "build")
    assert result.returncode == 1
    assert "workflow.toml" in result.stderr and "base_url" in result.stderr and "https://" in result.stderr
    assert not (project / "output" / "sitemap.xml").exists()


# Characters the serializer escapes (in text or in attributes), markup-like text, whitespace and control
# characters, non-BMP text, and a placeholder-like name the units do not have.
ESCAPED = "Ä & <zz9> 'a' \r\t\n\xa0 中 😀 &amp; <script>x</script> ]]> </p> &#13;"


def _skeleton_project(folder: Path, layout: bool) -> Path:
    """The sample, with or without its layout, with a note that has a msgctxt and links an asset inside its
    body (folded out of the skeleton), extracted and translated with hostile text (see the test below)."""
    folder.mkdir()
    project = _copy_project(folder)
    if not layout:
        (project / "source" / "_layout.html").unlink()
    source = project / "source" / f"{ITEM}.html"
    note = ('<p data-msgctxt="note">Read <a href="assets/report.pdf">the report</a>.'
            '<img src="assets/chart.svg" alt="A chart"></p>\n      </div>')
    source.write_text(source.read_text(encoding="utf-8").replace("</div>", note, 1), encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    # Every unit translated, placeholders kept: the page is filled into the item's skeleton...
    _fill(project, "fr", lambda msgid: f"{ESCAPED}{msgid}{ESCAPED}")
    # ...but not with a double quote in an attribute value (the serializer picks the quotes by the value), nor
    # when the layout's chrome, rendered as a tree, holds the marker characters: those pages are rendered.
    _fill(project, "ar", lambda msgid: f'"{ESCAPED}"{msgid}')
    _fill(project, "kk", lambda msgid: f"\ue000\ue0010\ue001\ue002{msgid}")
    # A right-to-left page of an item with no islands (see `islands`) is filled into the skeleton too.
    _fill(project, "he", lambda msgid: f"עברית {msgid}")
    return project


def _built_both_ways(projects: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bool], list[dict]]:
    """Build the first project as usual and the second with every page rendered as a tree; which locales'
    pages were filled into a skeleton (the last page of each says), and both outputs' pages."""
    import workflow.publish.building
    import workflow.publish.page_builder
    import workflow.publish.render

    filled: dict[str, bool] = {}
    fill = workflow.publish.render.Skeleton.fill

    def watched(self, html: str, values: list[str | None], shared: tuple = (), page: str | None = None) -> str | None:
        result = fill(self, html, values, shared, page)
        filled[re.search(r'<html lang="([^"]+)"', html).group(1)] = result is not None
        return result

    with monkeypatch.context() as patched:
        patched.setattr(workflow.publish.render.Skeleton, "fill", watched)
        workflow.publish.building.build(load_settings(projects[0]), workers=1)
        patched.setattr(workflow.publish.page_builder, "skeleton", lambda segmentation: None)
        workflow.publish.building.build(load_settings(projects[1]), workers=1)
    return filled, [{path.relative_to(project): path.read_bytes() for path in (project / "output").rglob("*.html")}
                    for project in projects]


@pytest.mark.parametrize("layout", [True, False], ids=["layout", "no layout"])
def test_pages_filled_into_the_skeleton_equal_rendered_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             layout: bool) -> None:
    projects = [_skeleton_project(tmp_path / name, layout) for name in ("skeleton", "rendered")]
    filled, outputs = _built_both_ways(projects, monkeypatch)
    # (ar: a right-to-left page of a left-to-right source is always rendered, its islands marked in the tree)
    assert filled["fr"] and not filled.get("ar") and filled["kk"] is not layout and filled["he"]
    assert len(outputs[0]) > 5 and outputs[0] == outputs[1]
    page = outputs[0][Path("output/fr") / f"{ITEM}.html"].decode("utf-8")
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "&amp;#13;" in page and "<zz9>" not in page
    assert 'href="../assets/report.pdf"' in page and 'src="../assets/chart.svg"' in page
    assert "data-msgctxt" not in page


def test_content_the_serializer_would_drop_is_not_folded() -> None:
    from workflow.publish.pages import fold_content

    root = etree.fromstring("<html><body><p>a<br>b</p></body></html>", etree.HTMLParser())
    root.find(".//br").text = "inside"  # a void element is written without its content
    with pytest.raises(ValueError, match="<br>"):
        fold_content(root.find("body/p"), lambda number: f"[{number}]")


def test_real_articles_filled_into_the_skeleton_equal_rendered_pages(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    need_corpus("w3c-articles")
    projects = []
    for name in ("skeleton", "rendered"):
        project = tmp_path / name
        (project / "source").mkdir(parents=True)
        for number, article in enumerate(corpus_files("w3c-articles", "*.html")):
            shutil.copy(article, project / "source" / f"article-{number:02d}.html")
        (project / "workflow.toml").write_text('[project]\nname = "W3C"\ntarget_locales = ["fr"]\n',
                                               encoding="utf-8")
        assert run_cli(project, "extract").returncode == 0
        for po in (project / "locales" / "fr").glob("*.po"):
            catalog = read_po(po)
            po.write_bytes(serialize(replace(catalog, entries=tuple(
                replace(e, msgstr=f"{ESCAPED}{e.msgid}{ESCAPED}") for e in catalog.entries))))
        projects.append(project)
    filled, outputs = _built_both_ways(projects, monkeypatch)
    assert filled["fr"]
    articles = [path for path in outputs[0] if path.name.startswith("article-")]
    assert len(articles) == 2 * len(corpus_files("w3c-articles", "*.html")) and outputs[0] == outputs[1]


def _project_with_copies(tmp_path: Path) -> Path:
    """The sample project with 30 more items (enough for the process pool, and listed after it), extracted."""
    project = _copy_project(tmp_path)
    template = (project / "source" / f"{ITEM}.html").read_text(encoding="utf-8")
    for number in range(30):
        (project / "source" / f"update-{number:02d}.html").write_text(
            template.replace("20 years of border security", f"{20 + number} years of border security"),
            encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    return project


def test_parallel_build_writes_the_same_pages_as_one_process(tmp_path: Path) -> None:
    project = _project_with_copies(tmp_path)
    single = json.loads(run_cli(project, "build", "-j", "1", "--format", "json").stdout)
    pages = {p.relative_to(project): p.read_bytes() for p in (project / "output").rglob("*.html")}
    assert len([p for p in single["pages"] if p["status"] == "built"]) == 31 + 3  # every item in en; one in fr, de, ru
    parallel = json.loads(run_cli(project, "build", "--force", "-j", "2", "--format", "json").stdout)
    assert [(p["item"], p["locale"], p["status"]) for p in parallel["pages"]] == \
           [(p["item"], p["locale"], p["status"]) for p in single["pages"]]
    assert {p.relative_to(project): p.read_bytes() for p in (project / "output").rglob("*.html")} == pages
    again = json.loads(run_cli(project, "build", "-j", "2", "--format", "json").stdout)
    assert {p["status"] for p in again["pages"]} == {"unchanged", "held back"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_build_leaves_the_last_output_as_it_was(tmp_path: Path, jobs: str) -> None:
    project = _project_with_copies(tmp_path)
    assert run_cli(project, "build", "-j", jobs).returncode == 0
    output = project / "output"
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    # Pages of the sample item would change, but another item's catalog is broken.
    source = project / "source" / f"{ITEM}.html"
    source.write_text(source.read_text(encoding="utf-8").replace("high-level events", "high-level meetings"),
                      encoding="utf-8")
    broken = project / "locales" / "fr" / "update-29.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")
    result = run_cli(project, "build", "-j", jobs)
    assert result.returncode != 0
    assert "update-29.po" in result.stderr
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before  # no page, no temp file
    broken.write_text(broken.read_text(encoding="utf-8").rsplit("\nmsgid", 1)[0], encoding="utf-8")
    assert run_cli(project, "build", "-j", jobs).returncode == 0
    assert "high-level meetings" in (output / "en" / f"{ITEM}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failed_first_build_leaves_no_page_and_no_fresh_folder(tmp_path: Path, jobs: str) -> None:
    project = _project_with_copies(tmp_path)
    broken = project / "locales" / "fr" / "update-29.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")
    result = run_cli(project, "build", "-j", jobs)
    assert result.returncode != 0 and "update-29.po" in result.stderr
    assert [p for p in (project / "output").rglob("*")] == []  # pages went to fresh folders, now removed


def test_a_fresh_folder_left_by_a_killed_build_is_removed(built: Path) -> None:
    stale, recent = built / "output" / ".ar.0a1b2c3d4e5f.tmp", built / "output" / ".kk.3d4e5f6a7b8c.tmp"
    for folder in (stale, recent):
        folder.mkdir()
        (folder / f"{ITEM}.html").write_bytes(b"staged")
    old = time.time() - 2 * STALE_AFTER
    os.utime(stale, (old, old))
    assert run_cli(built, "build").returncode == 0
    assert not stale.exists() and recent.exists()  # the recent one may belong to a build that is still going


def test_a_build_that_cannot_commit_changes_nothing(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.publish.building

    output = built / "output"
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    # A changed page, a page to withdraw (German no longer translated), and then the disk fills up.
    _fill(built, "fr", lambda msgid: f"« {msgid} »", (ITEM,))
    _fill(built, "de", lambda msgid: "", (ITEM,))

    def full_disk(staged) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workflow.publish.building, "commit", full_disk)
    with pytest.raises(OSError):
        workflow.publish.building.build(load_settings(built), workers=1)
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before  # no temp file either
    monkeypatch.undo()
    workflow.publish.building.build(load_settings(built), workers=1)
    assert not (output / "de" / f"{ITEM}.html").exists()
    assert "« " in (output / "fr" / f"{ITEM}.html").read_text(encoding="utf-8")


# Every character a page cannot hold: the C0 controls but tab, newline and carriage return, DEL and the C1
# controls, and noncharacters of the first, second and last planes.
UNFIT = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                          0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF)]


def _unfit_project(folder: Path) -> tuple[Path, set[str]]:
    """The sample with French translations that each begin with one unfit character: every entry of the site
    catalog, and the item's past its title, description and lead (so that the page is still published)."""
    folder.mkdir()
    project = _copy_project(folder)
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("min_translated = 0.8", "min_translated = 0.1"),
                        encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    chars = iter(UNFIT * 3)
    placed: set[str] = set()
    for catalog, skip in ((SITE_CATALOG, 0), (ITEM, 3)):
        path = project / "locales" / "fr" / f"{catalog}.po"
        po = read_po(path)
        entries = []
        for index, entry in enumerate(e for e in po.entries if not e.obsolete):
            if index >= skip and entry.msgstr:
                char = next(chars)
                placed.add(char)
                entry = replace(entry, msgstr=char + entry.msgstr)
            entries.append(entry)
        path.write_bytes(serialize(replace(po, entries=tuple(entries))))
    return project, placed


def test_characters_no_page_can_hold_fall_back_alike_on_both_render_paths(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.publish.building
    import workflow.publish.page_builder

    (first, placed), (second, _) = (_unfit_project(tmp_path / name) for name in ("skeleton", "rendered"))
    assert placed == set(UNFIT)
    reports = [workflow.publish.building.build(load_settings(first), workers=1)]
    with monkeypatch.context() as patched:
        patched.setattr(workflow.publish.page_builder, "skeleton", lambda segmentation: None)
        reports.append(workflow.publish.building.build(load_settings(second), workers=1))
    outputs = [{path.relative_to(project): path.read_bytes() for path in (project / "output").rglob("*.html")}
               for project in (first, second)]
    assert outputs[0] == outputs[1]
    page = outputs[0][Path("output/fr") / f"{ITEM}.html"]
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page)
    assert not parser.errors
    for output in outputs[0].values():
        text = output.decode("utf-8")
        assert not [c for c in UNFIT if c in text]
    for report in reports:
        french = next(p for p in report.pages if p.locale == "fr" and p.path.endswith(f"{ITEM}.html"))
        assert french.status == "built"
        reasons = [f.reason for f in french.fallbacks] + [f.reason for f in report.site_fallbacks if f.locale == "fr"]
        named = {chr(int(code, 16)) for reason in reasons for code in re.findall(r"U\+([0-9A-F]{4,6}) is a control", reason)}
        assert named == set(UNFIT)


def test_times_of_day_year_less_dates_and_weeks_build_in_every_locale(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    source = project / "source" / f"{ITEM}.html"
    extra = ('<p>Doors open at <time datetime="2025-09-12T10:00+02:00">10:00 CEST on 12 September 2025</time>, '
             'as every year on <time datetime="--09-12">12 September</time>, in '
             '<time datetime="2025-W37">week 37</time>, for <time datetime="PT2H">two hours</time>.</p>')
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace('<div class="body" data-slot="body">',
                                   '<div class="body" data-slot="body">' + extra, 1), encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    template = (project / "locales" / "templates" / f"{ITEM}.pot").read_text(encoding="utf-8")
    assert "<date1/> = date and time 2025-09-12T10:00+02:00" in template
    assert "<date2/> = date --09-12" not in template and "<date2/> = date 09-12 (day, month)" in template
    assert "week 37" in template and "two hours" in template  # not dates: text for the translator
    catalog = project / "locales" / "fr" / f"{ITEM}.po"
    po = read_po(catalog)
    catalog.write_bytes(serialize(replace(po, entries=tuple(
        replace(e, msgstr=e.msgid.replace("Doors open at", "Ouverture des portes :"))
        if e.msgid.startswith("Doors open") else e for e in po.entries))))
    result = run_cli(project, "build", "--force")
    assert result.returncode == 0, result.stderr
    french = (project / "output" / "fr" / f"{ITEM}.html").read_text(encoding="utf-8")
    english = (project / "output" / "en" / f"{ITEM}.html").read_text(encoding="utf-8")
    assert "10:00 CEST on 12 September 2025" in english
    assert '<time datetime="2025-09-12T10:00+02:00">12 septembre 2025, 10:00 UTC+02:00</time>' in french
    assert '<time datetime="--09-12">12 septembre</time>' in french
    assert '<time datetime="2025-W37">week 37</time>' in french


def test_a_partial_build_links_only_to_pages_that_exist(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    assert run_cli(project, "build", "--locale", "fr").returncode == 0  # en, de, ru would publish: not built
    output = project / "output"
    page = _parse(output / "fr" / f"{ITEM}.html")
    hreflangs = {link.get("hreflang") for link in page.iter("link") if link.get("rel") == "alternate"}
    assert hreflangs == {"fr", "x-default"} or hreflangs == {"fr"}
    assert not [a for a in page.iterfind(".//nav[@class='languages']//a")]
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    for url in re.findall(r'href="https://news\.example\.org/([^"]+)"|<loc>https://news\.example\.org/([^<]+)</loc>',
                          sitemap):
        name = url[0] or url[1]
        if name.endswith(".html"):
            assert (output / name).is_file(), name
    # A later build of German links to the French page kept from before; a build of every locale links all.
    assert run_cli(project, "build", "--locale", "de").returncode == 0
    german = _parse(output / "de" / f"{ITEM}.html")
    assert {a.get("hreflang") for a in german.iterfind(".//nav[@class='languages']//a")} == {"fr"}
    assert run_cli(project, "build").returncode == 0
    french = _parse(output / "fr" / f"{ITEM}.html")
    assert {a.get("hreflang") for a in french.iterfind(".//nav[@class='languages']//a")} == {"de", "en", "ru"}


def test_open_graph_alternates_are_unique(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"sr-Latn",', '"sr-Latn", "sr",'),
                        encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    for locale in ("sr-Latn", "sr", "fr"):
        _fill(project, locale, _pseudo)
    assert run_cli(project, "build").returncode == 0
    for locale in ("sr", "sr-Latn", "fr"):
        page = _parse(project / "output" / locale / f"{ITEM}.html")
        values = [m.get("content") for m in page.iter("meta") if m.get("property") == "og:locale:alternate"]
        own = next(m.get("content") for m in page.iter("meta") if m.get("property") == "og:locale")
        assert len(values) == len(set(values)) and own not in values


def test_a_large_sitemap_is_split_under_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workflow.publish import listings
    from workflow.publish.building import build

    project = copy_sample(tmp_path, every_item=True)  # two items: their URLs go to two files
    settings = load_settings(project)
    whole = build(settings, workers=1)
    single = (project / "output" / "sitemap.xml").read_bytes()
    urls = etree.fromstring(single).findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")
    assert len(urls) >= 4
    # The protocol's limit is 50,000 URLs a file; a small limit here makes the sample a "large" site.
    monkeypatch.setattr(listings, "URLS_PER_SITEMAP", 3)
    build(settings, workers=1, force=True)
    output = project / "output"
    index = etree.fromstring((output / "sitemap.xml").read_bytes())
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    locs = [loc.text for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    parts = sorted(output.glob("sitemap-*.xml"))
    assert len(parts) >= 2 and locs == [f"{settings.base_url}/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    split = [url for part in parts for url in
             etree.fromstring(part.read_bytes()).findall("{http://www.sitemaps.org/schemas/sitemap/0.9}url")]
    assert [etree.tostring(url, with_tail=False) for url in split] == \
        [etree.tostring(url, with_tail=False) for url in urls]
    assert all(len(etree.fromstring(p.read_bytes())) <= max(3, len(settings.target_locales) + 1) for p in parts)
    bundled = run_cli(project, "bundle")
    assert bundled.returncode == 0, bundled.stderr
    import zipfile

    with zipfile.ZipFile(project / "output" / "bundles" / "news.zip") as archive:
        assert {p.name for p in parts} <= set(archive.namelist()) and "sitemap.xml" in archive.namelist()
    # The site is small again: one sitemap, and the numbered files are gone.
    monkeypatch.setattr(listings, "URLS_PER_SITEMAP", 5000)
    build(settings, workers=1, force=True)
    assert (output / "sitemap.xml").read_bytes() == single and not list(output.glob("sitemap-*.xml"))
    assert whole.sitemap == "output/sitemap.xml"


@pytest.mark.parametrize("head", [
    "<head><title>t</title></head>", "<head></head>", "", "<head><title>t</title><meta charset='utf-8'></head>",
    "<head><meta charset='utf-8'></head>", "<head>\n<title>t</title>\n<meta charset='utf-8'>\n<meta charset='x'>\n</head>",
    "<head><meta property='og:locale' content='en_US'><link rel='alternate' hreflang='de' href='old'>"
    "<title>t</title></head>"])
def test_head_metadata_put_in_as_html_equals_the_elements_made_in_the_tree(head: str) -> None:
    from workflow.publish.pages import Alternate, page_html, page_metadata, page_metadata_marked

    def tree() -> etree._Element:
        return etree.fromstring(f"<html>{head}<body><p>x</p></body></html>", etree.HTMLParser())

    alternates = [Alternate(locale, f"https://example.org/{locale}/a&b.html") for locale in ("en", "fr", "sr", "sr-Latn")]
    made = tree()
    page_metadata(made, "fr", alternates, "https://example.org/en/a.html")
    marked = tree()
    metadata = page_metadata_marked(marked, "fr", alternates, "https://example.org/en/a.html", "@@")
    written = page_html(marked)
    if metadata is None:  # no element in the head but a charset: the elements are made in the tree
        assert "@@" not in written and written == page_html(made) and head.count("<title") == 0
        return
    assert written.count("@@") == 1
    assert written.replace("@@", metadata) == page_html(made)
    assert metadata.count("<link") == 5 and metadata.count("og:locale:alternate") == 2  # en; sr and sr-Latn: one
