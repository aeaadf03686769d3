"""Updating catalogs after the source changes: nothing a translator wrote is lost, and we keep at least
as much as `msgmerge --previous` does on the same files."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, run_cli

from workflow.po.entries import Catalog, Entry
from workflow.po.merge import invisible_key, merge_entries
from workflow.po.reader import read_po
from workflow.po.writer import serialize

REWORDED_OLD = "They also explored opportunities for future co-operation between the OSCE and national border services."
REWORDED_NEW = "They also explored new opportunities for future co-operation between the OSCE and national border services."
INSERTED = "<p>The Month was attended by more than 300 participants from 40 countries.</p>"
DELETED = ("The Month of Borders was organized by the 2025 OSCE Finnish Chairpersonship and the United Kingdom 2025 "
           "Chair of the OSCE Security Committee, in co-operation with the OSCE TNTD/BSMU.")
INVISIBLE_OLD = "The event also featured a panel discussion with the speakers on illicit trafficking"
COMMENTED = "The opening session of the OSCE Month of Borders, Vienna, <date1/>."


def _paragraphs(html: str) -> tuple[str, list[str], str]:
    marker = '<div class="body" data-slot="body">'
    start = html.index(marker) + len(marker)
    end = html.index("</div>", start)
    body = html[start:end]
    parts = [p + "</p>" for p in body.split("</p>")[:-1]]
    return html[:start], [p.strip() for p in parts], body[body.rindex("</p>") + 4:] + html[end:]


def _join(head: str, paragraphs: list[str], tail: str) -> str:
    return head + "\n" + "\n".join("        " + p for p in paragraphs) + tail


def insert_paragraph(html: str) -> str:
    head, paragraphs, tail = _paragraphs(html)
    return _join(head, paragraphs[:1] + [INSERTED] + paragraphs[1:], tail)


def reword_sentence(html: str) -> str:
    assert REWORDED_OLD in html
    return html.replace(REWORDED_OLD, REWORDED_NEW)


def delete_sentence(html: str) -> str:
    assert DELETED in html
    return html.replace(DELETED + " ", "")


def reorder_paragraphs(html: str) -> str:
    head, paragraphs, tail = _paragraphs(html)
    paragraphs[2], paragraphs[3] = paragraphs[3], paragraphs[2]
    return _join(head, paragraphs, tail)


def invisible_change(html: str) -> str:
    # Curly to straight apostrophes, a no-break space and a line break inside a sentence.
    changed = html.replace("OSCE’s continued commitment", "OSCE's continued commitment")
    return changed.replace(INVISIBLE_OLD, INVISIBLE_OLD.replace("panel discussion", "panel\u00a0discussion")
                           .replace("with the speakers", "with the\n          speakers"))


def all_edits(html: str) -> str:
    for edit in (insert_paragraph, reword_sentence, delete_sentence, reorder_paragraphs, invisible_change):
        html = edit(html)
    return html


EDITS = [insert_paragraph, reword_sentence, delete_sentence, reorder_paragraphs, invisible_change, all_edits]


def _translate(entry: Entry) -> Entry:
    return replace(entry, msgstr=f"[fr] {entry.msgid}")


@pytest.fixture()
def translated(project: Path) -> Path:
    """The sample project with a complete French catalog, a translator comment and one fuzzy entry."""
    assert run_cli(project, "extract", "--locale", "fr").returncode == 0
    po = project / "locales" / "fr" / f"{ITEM}.po"
    catalog = read_po(po)
    entries = []
    for index, entry in enumerate(catalog.entries):
        entry = _translate(entry)
        if entry.msgid == COMMENTED:
            entry = replace(entry, translator_comments=("Keep the colon: the CMS adds the value after it.",))
        if index == 3:
            entry = entry.with_fuzzy(True)
        entries.append(entry)
    po.write_bytes(serialize(replace(catalog, entries=tuple(entries))))
    return project


def _translated_count(catalog: Catalog) -> int:
    return sum(1 for e in catalog.entries if not e.obsolete and e.has_translation)


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__)
def test_update_keeps_at_least_what_msgmerge_keeps(edit, translated: Path, tmp_path: Path,
                                                    gettext_tools: None) -> None:
    po = translated / "locales" / "fr" / f"{ITEM}.po"
    old_po = tmp_path / "old.po"
    shutil.copy(po, old_po)
    old = read_po(old_po)
    source = translated / "source" / f"{ITEM}.html"
    source.write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")

    result = run_cli(translated, "extract", "--locale", "fr")
    assert result.returncode == 0, result.stderr
    ours = read_po(po)
    theirs_path = tmp_path / "msgmerge.po"
    subprocess.run(["msgmerge", "--quiet", "--previous", "-o", str(theirs_path), str(old_po),
                    str(translated / "locales" / "templates" / f"{ITEM}.pot")], check=True)
    theirs = read_po(theirs_path)

    assert _translated_count(ours) >= _translated_count(theirs)
    assert [e.key for e in ours.entries if not e.obsolete] == [e.key for e in theirs.entries if not e.obsolete]
    # Nothing lost: every old translation is still in the file, active or obsolete.
    assert {e.msgstr for e in old.entries} <= {e.msgstr for e in ours.entries}
    by_key = ours.by_key()
    commented = by_key[(None, COMMENTED)]
    assert commented.translator_comments == ("Keep the colon: the CMS adds the value after it.",)
    assert commented.msgstr == f"[fr] {COMMENTED}"
    was_fuzzy = [e for e in old.entries if e.fuzzy]
    assert was_fuzzy and all(by_key[e.key].fuzzy for e in was_fuzzy if e.key in by_key)
    # Unchanged sentences keep their translation wherever they moved, unfuzzied.
    for entry in old.entries:
        if entry.key in by_key and not entry.fuzzy:
            assert by_key[entry.key].msgstr == entry.msgstr and not by_key[entry.key].fuzzy
    # msgmerge passes the same files through gettext's own checks.
    subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], check=True)


def test_reworded_sentence_is_fuzzy_with_previous_msgid(translated: Path) -> None:
    source = translated / "source" / f"{ITEM}.html"
    source.write_text(reword_sentence(source.read_text(encoding="utf-8")), encoding="utf-8")
    assert run_cli(translated, "extract", "--locale", "fr").returncode == 0
    entry = read_po(translated / "locales" / "fr" / f"{ITEM}.po").by_key()[(None, REWORDED_NEW)]
    assert entry.fuzzy
    assert entry.previous_msgid == REWORDED_OLD
    assert entry.msgstr == f"[fr] {REWORDED_OLD}"
    text = (translated / "locales" / "fr" / f"{ITEM}.po").read_text(encoding="utf-8")
    assert "#| msgid" in text


def test_deleted_sentence_becomes_obsolete_with_its_translation(translated: Path) -> None:
    source = translated / "source" / f"{ITEM}.html"
    source.write_text(delete_sentence(source.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_cli(translated, "extract", "--locale", "fr")
    assert "1 obsolete" in result.stdout
    catalog = read_po(translated / "locales" / "fr" / f"{ITEM}.po")
    obsolete = [e for e in catalog.entries if e.obsolete]
    assert [e.msgid for e in obsolete] == [DELETED]
    assert obsolete[0].msgstr == f"[fr] {DELETED}"


def test_invisible_change_carries_over_unfuzzied(translated: Path, tmp_path: Path, gettext_tools: None) -> None:
    po = translated / "locales" / "fr" / f"{ITEM}.po"
    old_po = tmp_path / "old.po"
    shutil.copy(po, old_po)
    source = translated / "source" / f"{ITEM}.html"
    source.write_text(invisible_change(source.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_cli(translated, "extract", "--locale", "fr")
    assert "2 carried over" in result.stdout
    catalog = read_po(po)
    changed = [e for e in catalog.entries if not e.obsolete and "\u00a0discussion" in e.msgid]
    assert len(changed) == 1 and not changed[0].fuzzy
    assert changed[0].msgstr.startswith("[fr] The event also featured a panel discussion")
    subprocess.run(["msgmerge", "--quiet", "--previous", "-o", str(tmp_path / "mm.po"), str(old_po),
                    str(translated / "locales" / "templates" / f"{ITEM}.pot")], check=True)
    theirs = read_po(tmp_path / "mm.po").by_key()[changed[0].key]
    assert theirs.fuzzy  # msgmerge makes the translator review an invisible change; we do not


def test_merge_is_idempotent() -> None:
    template = (Entry("One."), Entry("Two."), Entry("Three."))
    old = Catalog(entries=(Entry("One.", "Un."), Entry("Gone sentence.", "Phrase partie.")))
    first, _ = merge_entries(template, old)
    second, stats = merge_entries(template, Catalog(entries=first))
    assert second == first
    assert stats.obsolete == 0


def test_invisible_key_ignores_only_invisible_differences() -> None:
    assert invisible_key("the OSCE’s\u00a0work  here") == invisible_key("the OSCE's work here")
    assert invisible_key("“quoted”") == invisible_key('"quoted"')
    assert invisible_key("the OSCE’s work") != invisible_key("the OSCE work")


def test_a_kept_entry_takes_every_field_from_the_template_or_the_translation() -> None:
    from dataclasses import fields

    # Every field of an entry comes from one side; a field added to Entry must be placed here and in merge.
    from_template = {"msgid", "msgctxt", "references", "extracted_comments", "obsolete", "line"}
    from_translation = {"msgstr", "msgid_plural", "msgstr_plural", "translator_comments", "flags",
                        "previous_msgctxt", "previous_msgid", "previous_msgid_plural"}
    assert {field.name for field in fields(Entry)} == from_template | from_translation
    template = Entry(msgid="Borders", msgctxt="menu", extracted_comments=("<li> element",),
                     references=("source/item.html:12",), line=0)
    old = Entry(msgid="Borders", msgstr="Frontières", msgctxt="menu", translator_comments=("checked by AB",),
                extracted_comments=("an old note",), references=("source/item.html:9",),
                flags=("fuzzy", "no-wrap"), previous_msgctxt="nav", previous_msgid="Border",
                previous_msgid_plural="Borders", line=40)
    (kept,), stats = merge_entries((template,), Catalog(entries=(old,)), {template.key: ("glossary: x = y",)})
    assert stats.kept == 1
    for name in from_template - {"extracted_comments"}:
        assert getattr(kept, name) == getattr(template, name), name
    assert kept.extracted_comments == ("<li> element", "glossary: x = y")
    for name in from_translation:
        assert getattr(kept, name) == getattr(old, name), name


def test_a_new_entry_with_glossary_notes_is_the_template_entry_with_them() -> None:
    from dataclasses import fields

    template = Entry(msgid="One border", msgid_plural="{n} borders", msgstr_plural=("", ""),
                     msgctxt="menu", extracted_comments=("<li> element",), references=("source/item.html:12",),
                     flags=("no-wrap",), line=7)
    plain = Entry(msgid="Nothing to note", references=("source/item.html:13",))
    merged, stats = merge_entries((template, plain), None, {template.key: ("glossary: x = y",)})
    assert stats.new == 2
    noted, untouched = merged
    assert untouched is plain  # nothing to add: shared with the template
    assert noted.extracted_comments == ("<li> element", "glossary: x = y")
    for field in fields(Entry):
        if field.name != "extracted_comments":
            assert getattr(noted, field.name) == getattr(template, field.name), field.name
