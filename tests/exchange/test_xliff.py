"""XLIFF 1.2 out for CAT tools, read by Translate Toolkit (what Weblate uses), and translations taken back."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample, run_cli
from lxml import etree

from workflow.po.reader import read_po
from workflow.po.writer import serialize

XLIFF = "{urn:oasis:names:tc:xliff:document:1.2}"


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    root = copy_sample(tmp_path / "project", every_item=True)
    # Italian gets machine drafts (fuzzy) for some units, and stays untranslated for the others.
    assert run_cli(root, "draft", "--locale", "it", "--engine", "pseudo", "--item", ITEM, "--max-chars", "4000"
                   ).returncode in (0, 4)
    return root


def _catalog_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "locales").rglob("*.po"))}


def _export(root: Path, locale: str, out: Path) -> Path:
    result = run_cli(root, "export", "--format", "xliff", "--locale", locale, "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("locale", ["fr", "it", "de", "ar"])
def test_export_then_import_without_edits_changes_no_catalog_byte(sample: Path, tmp_path: Path, locale: str) -> None:
    before = _catalog_bytes(sample)
    exported = _export(sample, locale, tmp_path / f"{locale}.xlf")
    result = run_cli(sample, "import", str(exported))
    assert result.returncode == 0, result.stderr
    assert "0 taken, 0 rejected, 0 skipped" in result.stdout
    assert _catalog_bytes(sample) == before


@pytest.mark.parametrize("locale", ["fr", "it"])
def test_translate_toolkit_reads_the_same_units_notes_and_states(sample: Path, tmp_path: Path, locale: str) -> None:
    from translate.storage import xliff

    exported = _export(sample, locale, tmp_path / f"{locale}.xlf")
    theirs = xliff.xlifffile.parsefile(str(exported)).units
    ours = [entry for path in sorted((sample / "locales" / locale).glob("*.po"))
            for entry in read_po(path).entries if not entry.obsolete and entry.msgid]
    ordered = [e for name in ("month-of-borders-2025", "youth-forum-2025", "_site")
               for e in read_po(sample / "locales" / locale / f"{name}.po").entries if not e.obsolete and e.msgid]
    assert len(theirs) == len(ours) == len(ordered)
    plain = re.compile(r"</?[a-z][a-z0-9]*?[0-9]+/?>")
    for unit, entry in zip(theirs, ordered):
        # Placeholders are inline codes: Translate Toolkit shows their text only.
        assert unit.source == plain.sub("", entry.msgid)
        assert (unit.target or "") == plain.sub("", entry.msgstr)
        assert unit.getnotes("developer") == "\n".join(entry.extracted_comments)
        assert unit.getnotes("translator") == "\n".join(entry.translator_comments)
        assert unit.getlocations() == list(entry.references)
        assert unit.isfuzzy() == (entry.fuzzy and bool(entry.msgstr))
        assert unit.istranslated() == entry.translated
        assert unit.isapproved() == entry.translated
    assert any(unit.isfuzzy() for unit in theirs) or locale == "fr"


def _set_msgstr(path: Path, msgid_start: str, msgstr: str) -> None:
    """A translator's edit of one entry, saved as a PO editor saves it."""
    catalog = read_po(path)
    entries = tuple(replace(e, msgstr=msgstr) if e.msgid.startswith(msgid_start) and not e.obsolete else e
                    for e in catalog.entries)
    assert entries != catalog.entries
    path.write_bytes(serialize(replace(catalog, entries=entries)))


def _edit_target(path: Path, source_start: str, new_target: str, state: str = "translated") -> None:
    """Set the target of the unit whose source starts with `source_start`, as a CAT tool saves it."""
    tree = etree.parse(str(path))
    unit = next(u for u in tree.iter(f"{XLIFF}trans-unit")
                if "".join(u.find(f"{XLIFF}source").itertext()).startswith(source_start))
    target = unit.find(f"{XLIFF}target")
    for child in list(target):
        target.remove(child)
    fragment = etree.fromstring(f'<target xmlns="urn:oasis:names:tc:xliff:document:1.2">{new_target}</target>')
    target.text = fragment.text
    for child in fragment:
        target.append(child)
    target.set("state", state)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def test_a_tools_work_is_taken_a_broken_one_rejected_with_the_reason(sample: Path, tmp_path: Path) -> None:
    exported = _export(sample, "it", tmp_path / "it.xlf")
    _edit_target(exported, "The OSCE Month of Borders was launched", "Il Mese delle frontiere dell’OSCE è stato avviato.")
    _edit_target(exported, "Speakers included", 'Tra i relatori <g id="1" ctype="link" equiv-text="a1">Matti '
                 'Sarasmaa</g>, <g id="2" ctype="italic" equiv-text="em1">Segretario permanente</g>.')
    _edit_target(exported, "A panel at the opening", "Un panel senza il suo link.")
    result = run_cli(sample, "import", str(exported))
    assert result.returncode == 1
    assert "2 taken, 1 rejected" in result.stdout and "rejected" in result.stdout and "<a1>" in result.stdout
    assert result.stdout.count(f"taken    locales/it/{ITEM}.po: ") == 2
    entries = {e.msgid: e for e in read_po(sample / "locales" / "it" / f"{ITEM}.po").entries}
    launched = next(e for m, e in entries.items() if m.startswith("The OSCE Month of Borders was launched"))
    assert launched.msgstr == "Il Mese delle frontiere dell’OSCE è stato avviato." and not launched.fuzzy
    speakers = next(e for m, e in entries.items() if m.startswith("Speakers included <a1>"))
    assert speakers.msgstr.startswith("Tra i relatori <a1>Matti Sarasmaa</a1>, <em1>Segretario permanente</em1>")
    panel = next(e for m, e in entries.items() if m.startswith("A panel at the opening"))
    assert panel.msgstr != "Un panel senza il suo link."


def test_a_unit_whose_source_changed_since_the_export_becomes_fuzzy(sample: Path, tmp_path: Path) -> None:
    exported = _export(sample, "it", tmp_path / "it.xlf")
    _edit_target(exported, "The OSCE Month of Borders was launched", "Il Mese delle frontiere dell’OSCE è stato avviato.")
    source = sample / "source" / f"{ITEM}.html"
    source.write_text(source.read_text(encoding="utf-8").replace("was launched in September", "was opened in September"),
                      encoding="utf-8")
    assert run_cli(sample, "extract").returncode == 0
    result = run_cli(sample, "import", str(exported))
    assert result.returncode == 0 and "1 taken" in result.stdout
    entry = next(e for e in read_po(sample / "locales" / "it" / f"{ITEM}.po").entries
                 if e.msgid.startswith("The OSCE Month of Borders was opened"))
    assert entry.fuzzy and entry.msgstr == "Il Mese delle frontiere dell’OSCE è stato avviato."
    assert entry.previous_msgid is not None and "was launched in September" in entry.previous_msgid


def test_a_translation_edited_in_the_catalog_since_the_export_is_kept_unless_overwrite(sample: Path,
                                                                                      tmp_path: Path) -> None:
    exported = _export(sample, "fr", tmp_path / "fr.xlf")
    _edit_target(exported, "The OSCE Month of Borders was launched", "Traduction de l’outil.")
    catalog = sample / "locales" / "fr" / f"{ITEM}.po"
    _set_msgstr(catalog, "The OSCE Month of Borders was launched", "Édité dans Poedit après l’export.")
    edited = catalog.read_bytes()
    kept = run_cli(sample, "import", str(exported))
    assert kept.returncode == 0 and "0 taken" in kept.stdout and "newer translation" in kept.stdout
    assert catalog.read_bytes() == edited
    forced = run_cli(sample, "import", "--overwrite", str(exported))
    assert forced.returncode == 0 and "1 taken" in forced.stdout
    assert any(e.msgstr == "Traduction de l’outil." for e in read_po(catalog).entries)


def test_without_its_export_mark_a_changed_translation_counts_as_newer_than_the_tools(sample: Path,
                                                                                    tmp_path: Path) -> None:
    exported = _export(sample, "fr", tmp_path / "fr.xlf")
    _edit_target(exported, "The OSCE Month of Borders was launched", "Traduction de l’outil.")
    exported.write_text(re.sub(r' nw:exported="[0-9a-f]+"', "", exported.read_text(encoding="utf-8")),
                        encoding="utf-8")  # a tool that drops attributes it does not know
    kept = run_cli(sample, "import", str(exported))
    assert kept.returncode == 0 and "0 taken" in kept.stdout and "newer translation" in kept.stdout
    assert run_cli(sample, "import", "--overwrite", str(exported)).returncode == 0
    assert any(e.msgstr == "Traduction de l’outil." for e in read_po(sample / "locales" / "fr" / f"{ITEM}.po").entries)


def test_a_returned_po_file_is_taken_back_by_its_name_and_language(sample: Path, tmp_path: Path) -> None:
    returned = tmp_path / "back" / f"{ITEM}.po"
    returned.parent.mkdir()
    shutil.copy(sample / "locales" / "de" / f"{ITEM}.po", returned)
    entry = next(e for e in read_po(returned).entries if e.msgstr and not e.fuzzy and "<" not in e.msgid)
    _set_msgstr(returned, entry.msgid, f"NEU {entry.msgstr}")
    result = run_cli(sample, "import", str(returned))
    assert result.returncode == 0 and "1 taken" in result.stdout, result.stdout + result.stderr
    assert any(e.msgstr.startswith("NEU ") for e in read_po(sample / "locales" / "de" / f"{ITEM}.po").entries)


@pytest.mark.parametrize("content, problem", [
    ("<xliff version='1.2'><file", "not well-formed XML"),
    ("<tmx version='1.4'/>", "not an XLIFF 1.x document"),
    ("<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' version='1.2'><file original='../../../etc/x.po' "
     "source-language='en' target-language='xx' datatype='po'><body/></file></xliff>", "not a catalog of this project"),
])
def test_a_bad_file_gets_one_line_and_changes_nothing(sample: Path, tmp_path: Path, content: str, problem: str) -> None:
    before = _catalog_bytes(sample)
    bad = tmp_path / "bad.xlf"
    bad.write_text(content, encoding="utf-8")
    result = run_cli(sample, "import", str(bad))
    assert result.returncode == 1 and result.stderr.startswith(f"error: {bad}") and problem in result.stderr
    assert result.stderr.count("\n") == 1
    assert _catalog_bytes(sample) == before
