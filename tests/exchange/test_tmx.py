"""Translation memory as TMX: export, import, and drafts from imported memories (exact and fuzzy)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample, run_cli
from lxml import etree

from workflow.exchange.tmx import read_tmx, same_language
from workflow.mt.memory import TranslationMemory
from workflow.po.reader import read_po
from workflow.po.writer import serialize

LOCALE = "fr"


def _translations(root: Path, locale: str = LOCALE) -> dict[tuple[str, tuple[str | None, str]], tuple[str, bool]]:
    return {(path.name, entry.key): (entry.msgstr, entry.fuzzy) for path in sorted((root / "locales" / locale).glob("*.po"))
            for entry in read_po(path).entries if not entry.obsolete}


def _clear(root: Path, locale: str = LOCALE) -> None:
    """Every translation of the locale removed, as for a locale starting from nothing."""
    for path in (root / "locales" / locale).glob("*.po"):
        catalog = read_po(path)
        path.write_bytes(serialize(replace(catalog, entries=tuple(
            e if e.obsolete else replace(e, msgstr="", flags=(), translator_comments=()) for e in catalog.entries))))


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "project", every_item=True)


def test_export_then_import_then_a_memory_draft_gives_back_every_translation(sample: Path, tmp_path: Path) -> None:
    before = _translations(sample)
    reviewed = sum(1 for msgstr, fuzzy in before.values() if msgstr and not fuzzy)
    exported = run_cli(sample, "tm", "export", "--locale", LOCALE, "-o", str(tmp_path / "fr.tmx"))
    assert exported.returncode == 0, exported.stderr
    assert f"{reviewed} translations" in exported.stdout
    _clear(sample)
    assert _translations(sample) != before
    imported = run_cli(sample, "tm", "import", str(tmp_path / "fr.tmx"))
    assert imported.returncode == 0, imported.stderr
    assert (sample / "memory" / "fr.tmx").is_file() and "0 segments skipped" in imported.stdout
    listed = run_cli(sample, "tm", "list")
    assert f"{reviewed} fr" in listed.stdout and "1 memories" in listed.stdout
    drafted = run_cli(sample, "draft", "--locale", LOCALE, "--engine", "memory")
    assert drafted.returncode == 0, drafted.stderr
    assert _translations(sample) == before
    assert "0 characters sent" in drafted.stdout and f"{reviewed} from imported memories" in drafted.stdout


def test_placeholders_are_inline_elements_with_the_units_place_and_provenance(sample: Path, tmp_path: Path) -> None:
    assert run_cli(sample, "tm", "export", "--locale", LOCALE, "--item", ITEM, "-o", str(tmp_path / "x.tmx")).returncode == 0
    root = etree.parse(str(tmp_path / "x.tmx")).getroot()
    assert root.get("version") == "1.4" and root.find("header").get("srclang") == "en"
    seg = next(seg for seg in root.iter("seg") if seg.find("bpt") is not None)
    bpt, ept = seg.find("bpt"), seg.find("ept")
    assert bpt.text == "<a1>" and ept.text == "</a1>" and bpt.get("i") == ept.get("i") and bpt.get("type") == "link"
    assert "<" not in "".join(seg.xpath("text()"))  # no placeholder left as text
    tu = seg.getparent().getparent()
    props = {prop.get("type"): prop.text for prop in tu.iter("prop")}
    assert props["x-item"] == ITEM and props["x-reference"].startswith(f"source/{ITEM}.html:")
    assert props["x-origin"] == "reviewed"
    dates = [ph for ph in root.iter("ph") if ph.text == "<date1/>"]
    assert dates and dates[0].get("type") == "x-date"


def test_fuzzy_entries_and_machine_drafts_are_left_out_unless_asked(sample: Path, tmp_path: Path) -> None:
    assert run_cli(sample, "draft", "--locale", "it", "--engine", "pseudo", "--item", ITEM).returncode == 0
    plain = run_cli(sample, "tm", "export", "--locale", "it", "-o", str(tmp_path / "it.tmx"))
    assert "0 translations" in plain.stdout and "machine draft" in plain.stdout
    drafts = run_cli(sample, "tm", "export", "--locale", "it", "--drafts", "-o", str(tmp_path / "it.tmx"))
    units = read_tmx(tmp_path / "it.tmx", ("it",), "en").units
    assert drafts.returncode == 0 and units
    assert all(unit.prop("x-origin").startswith("machine draft: pseudo") for unit in units)


def test_codes_of_other_tools_map_by_their_x_and_unmappable_segments_are_counted(sample: Path, tmp_path: Path) -> None:
    memory = tmp_path / "other.tmx"
    memory.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="en-US" creationtool="Other" segtype="sentence" o-tmf="x" adminlang="en"
 datatype="html"/><body>
<tu><tuv xml:lang="en-US"><seg>Read <bpt i="7" x="1">&lt;b&gt;</bpt>the report<ept i="7">&lt;/b&gt;</ept> now<ph x="2">&lt;br/&gt;</ph></seg></tuv>
<tuv xml:lang="fr-FR"><seg>Lisez <bpt i="3" x="1">&lt;b&gt;</bpt>le rapport<ept i="3">&lt;/b&gt;</ept> maintenant<ph x="2">&lt;br/&gt;</ph></seg></tuv></tu>
<tu><tuv xml:lang="en-US"><seg>A <it pos="begin">&lt;b&gt;</it>broken one</seg></tuv><tuv xml:lang="fr-FR"><seg>Un cassé</seg></tuv></tu>
<tu><tuv xml:lang="en-US"><seg>Extra code</seg></tuv><tuv xml:lang="fr-FR"><seg>Code <ph x="9">&lt;x/&gt;</ph> en plus</seg></tuv></tu>
<tu><tuv xml:lang="en-US"><seg>Not for us</seg></tuv><tuv xml:lang="de"><seg>Nicht für uns</seg></tuv></tu>
</body></tmx>""", encoding="utf-8")
    found = read_tmx(memory, ("fr",), "en")
    assert [(u.source, u.target) for u in found.units] == [
        ("Read <g1>the report</g1> now<x2/>", "Lisez <g1>le rapport</g1> maintenant<x2/>")]
    assert [reason for _, reason in found.skipped] == [
        "<it> cannot be mapped to a placeholder", "the translation has an inline code the source does not have"]
    assert found.skipped[0][0] == 6 and found.languages == {"fr-FR", "de"}
    imported = run_cli(sample, "tm", "import", str(memory), "--locale", "fr")
    assert imported.returncode == 0 and "2 segments skipped" in imported.stdout and f"{memory}:6:" in imported.stdout
    # Their codes take the unit's placeholders when the kinds match in order.
    match = TranslationMemory([(u.source, u.target, "m") for u in found.units]).exact(
        "Read <a1>the report</a1> now<br1/>")
    assert match is not None and match.msgstr == "Lisez <a1>le rapport</a1> maintenant<br1/>"
    assert TranslationMemory([(u.source, u.target, "m") for u in found.units]).exact(
        "Read <a1>the report</a1> now") is None  # one placeholder fewer: nothing maps


@pytest.mark.parametrize("content, problem", [
    ("<tmx version='1.4'><header srclang='en'/><body><tu>", "not well-formed XML"),
    ("<xliff version='1.2'/>", "not a TMX file"),
    ("<tmx version='1.4'><header srclang='klingon-x'/><body/></tmx>", "srclang"),
    ("<!DOCTYPE tmx [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><tmx version='1.4'><header srclang='en'/><body>"
     "<tu><tuv xml:lang='en'><seg>&x;</seg></tuv><tuv xml:lang='fr'><seg>&x;</seg></tuv></tu></body></tmx>",
     "no segment for fr"),
])
def test_bad_tmx_gets_one_line_and_changes_nothing(sample: Path, tmp_path: Path, content: str, problem: str) -> None:
    memory = tmp_path / "bad.tmx"
    memory.write_text(content, encoding="utf-8")
    result = run_cli(sample, "tm", "import", str(memory), "--locale", "fr")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {memory}") and problem in result.stderr and result.stderr.count("\n") == 1
    assert not (sample / "memory").exists()
    assert "root:" not in result.stderr  # the external entity was not read


def test_languages_never_cross_scripts_or_regions() -> None:
    assert same_language("fr-FR", "fr") and same_language("sr-Latn-RS", "sr-Latn") and same_language("SR-latn", "sr-Latn")
    assert not same_language("sr", "sr-Latn") and not same_language("sr-Cyrl", "sr-Latn")
    assert not same_language("pt-PT", "pt-BR") and same_language("pt", "pt-BR")
    assert not same_language("uz-Cyrl", "uz") and not same_language("not a tag", "fr")


def test_a_fuzzy_memory_match_fills_a_unit_as_fuzzy_with_its_similarity_and_source(sample: Path, tmp_path: Path) -> None:
    memory = tmp_path / "osce.tmx"
    assert run_cli(sample, "tm", "export", "--locale", LOCALE, "-o", str(memory)).returncode == 0
    _clear(sample)
    # The item's source changes a little: exact matches no longer hold for the changed sentences.
    source = sample / "source" / f"{ITEM}.html"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("was launched in September", "was opened in September")
                      .replace("Speakers included <a href", "Speakers also included <a href"), encoding="utf-8")
    assert run_cli(sample, "extract").returncode == 0
    assert run_cli(sample, "tm", "import", str(memory)).returncode == 0
    drafted = run_cli(sample, "draft", "--locale", LOCALE, "--engine", "memory")
    assert drafted.returncode == 0, drafted.stderr
    entries = {e.msgid: e for e in read_po(sample / "locales" / LOCALE / f"{ITEM}.po").entries}
    opened = next(e for msgid, e in entries.items() if "was opened in September" in msgid)
    assert opened.fuzzy and opened.msgstr.startswith("Le Mois des frontières")
    note = next(c for c in opened.translator_comments if c.startswith("translation memory"))
    assert note.startswith("translation memory 9") and note.endswith(": memory/osce.tmx")
    assert opened.previous_msgid is not None and "was launched in September" in opened.previous_msgid
    speakers = next(e for msgid, e in entries.items() if msgid.startswith("Speakers also included <a1>"))
    assert speakers.fuzzy and "<a1>Matti Sarasmaa</a1>" in speakers.msgstr and "<em1>" in speakers.msgstr
    exact = [e for e in entries.values() if e.msgstr and not e.fuzzy]
    assert exact and all(c.startswith("translation memory: ") for e in exact for c in e.translator_comments)
    assert "2 fuzzy memory matches" in drafted.stdout


def test_a_fuzzy_match_below_the_threshold_or_with_other_placeholders_is_not_used() -> None:
    memory = TranslationMemory([("The Secretary General opened the meeting in Vienna.", "Le Secrétaire général a "
                                 "ouvert la réunion à Vienne.", "m"),
                                ("See <a1>the report</a1> of the Mission.", "Voir <a1>le rapport</a1> de la Mission.",
                                 "m")])
    found = memory.fuzzy("The Secretary General opened the meeting in Warsaw.", 0.75)
    assert found is not None and 0.75 <= found.similarity < 1 and found.msgstr.startswith("Le Secrétaire")
    assert memory.fuzzy("The Secretary General opened the meeting in Warsaw.", 0.99) is None
    assert memory.fuzzy("Nothing like it at all, really.", 0.75) is None
    assert memory.fuzzy("See <br1/>the report of the Mission.", 0.75) is None  # a self-closing one, not a pair
    renamed = memory.fuzzy("See <em1>the report</em1> of the Missions.", 0.75)
    assert renamed is not None and renamed.msgstr == "Voir <em1>le rapport</em1> de la Mission."


def test_the_similarity_threshold_is_a_setting(sample: Path) -> None:
    settings = sample / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("[draft]\n", "[draft]\nmin_similarity = 2\n"),
                        encoding="utf-8")
    result = run_cli(sample, "draft", "--locale", "it", "--engine", "memory")
    assert result.returncode == 1 and "min_similarity" in result.stderr
