"""The PO layer: lossless reading, msgcat-identical writing, clear syntax errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib
import pytest
from conftest import DATA, ROOT, corpus_files, msgcat, need_corpus, wrap_of

from workflow.errors import WorkflowError
from workflow.po.entries import Catalog, Entry
from workflow.po.reader import _parse_lines, _plain_matches, parse_po, translation_table
from workflow.po.writer import serialize

PO_CORPUS = corpus_files("python-docs-fr", "*.po")


@pytest.mark.parametrize("path", PO_CORPUS, ids=lambda p: p.name)
def test_canonical_corpus_files_round_trip_byte_for_byte(path: Path, gettext_tools: None) -> None:
    data = path.read_bytes()
    ours = serialize(parse_po(data, path), wrap_of())
    expected = msgcat(path)
    # Whatever the file looked like, we write what msgcat writes; canonical files come back unchanged.
    assert ours == expected
    if expected == data:
        assert ours == data


def test_corpus_has_canonical_files() -> None:
    need_corpus("python-docs-fr")
    # Written by translators' tools through gettext 0.21/0.22's line breaking: our writer in that mode gives
    # most of them back byte for byte (gettext 0.23 would rewrap 56 of these 60).
    canonical = [p for p in PO_CORPUS if serialize(parse_po(p.read_bytes(), p), "0.22") == p.read_bytes()]
    assert len(canonical) >= 50


@pytest.mark.parametrize("path", PO_CORPUS, ids=lambda p: p.name)
def test_corpus_state_survives_and_agrees_with_polib(path: Path) -> None:
    catalog = parse_po(path.read_bytes(), path)
    again = parse_po(serialize(catalog), path)
    assert again.entries == catalog.entries
    assert again.header == catalog.header
    reference = polib.pofile(str(path), wrapwidth=79)
    theirs = {(e.msgctxt, e.msgid): e for e in reference if not e.obsolete}
    ours = {e.key: e for e in catalog.entries if not e.obsolete}
    assert set(ours) == set(theirs)
    for key, entry in ours.items():
        other = theirs[key]
        assert entry.msgstr == other.msgstr
        assert entry.fuzzy == other.fuzzy
        assert entry.previous_msgid == other.previous_msgid
        assert "\n".join(entry.translator_comments) == other.tcomment
    obsolete_theirs = {(e.msgctxt, e.msgid) for e in reference.obsolete_entries()}
    assert {e.key for e in catalog.entries if e.obsolete} == obsolete_theirs


def test_corpus_features_are_present_and_kept() -> None:
    need_corpus("python-docs-fr")
    seen = {"fuzzy": 0, "obsolete": 0, "comments": 0, "obsolete_previous": 0}
    for path in PO_CORPUS:
        catalog = parse_po(path.read_bytes(), path)
        text = serialize(catalog).decode()
        seen["fuzzy"] += sum(e.fuzzy for e in catalog.entries)
        seen["obsolete"] += sum(e.obsolete for e in catalog.entries)
        seen["comments"] += sum(bool(e.translator_comments) for e in catalog.entries)
        if "#~| msgid" in path.read_text(encoding="utf-8"):
            seen["obsolete_previous"] += 1
            assert "#~| msgid" in text  # polib loses these (its issue 158); we must not
    assert all(count > 0 for name, count in seen.items() if name != "obsolete_previous"), seen


WRAP_CASES = [
    "short",
    "A sentence that is long enough to need wrapping because it runs past seventy-nine columns easily.",
    "See https://www.osce.org/files/f/documents/very/long/path/to/a/document/with-no-spaces-at-all.pdf now.",
    "Line one\nLine two that is quite long and will have to be wrapped at some point past the edge\n",
    'Quotes "inside" and a backslash \\ and a tab\tare escaped, then the text goes on and on and on.',
    "Speakers included <a1>Matti Sarasmaa</a1>, <em1>Permanent Secretary</em1> from the Finnish Ministry.",
    "Организация по безопасности и сотрудничеству в Европе отметила двадцатилетие концепции.",
    "أطلقت منظمة الأمن والتعاون في أوروبا شهر الحدود في سبتمبر بسلسلة من الفعاليات الرفيعة المستوى لإحياء.",
    "国際連合の安全保障と協力に関する会議は国境管理の二十周年を記念して一連の高官級行事を開催しました。終わり。",
    "money ‘quoted’ — a dash, approximately 27 million euros (TNTD/BSMU) and co-operation between OSCE-Led teams",
    "x" * 100,
    "ends with newline inside a long enough string that it must wrap somewhere around here ok\n",
    "\n",
]


def test_writer_wraps_exactly_like_msgcat(tmp_path: Path, gettext_tools: None) -> None:
    entries = []
    for index, text in enumerate(WRAP_CASES):
        entries.append(Entry(msgid=text, msgstr=text[::-1] if "\n" not in text else text,
                             extracted_comments=(f"case {index}",),
                             references=tuple(f"source/some-long-item-name-{n}.html:{n * 17}" for n in range(6))))
        entries.append(Entry(msgid=f"old {text}", msgstr=f"vieux {text}", obsolete=True,
                             previous_msgid=f"older {text}", flags=("fuzzy",)))
        entries.append(Entry(msgid=f"changed {text}", msgstr=f"traduit {text}", flags=("fuzzy",),
                             previous_msgid=f"previous {text}", msgctxt="context"))
    catalog = Catalog(header=(("Content-Type", "text/plain; charset=UTF-8"),
                              ("X-Long-Header", "a header value that is long enough to wrap " * 3)),
                      entries=tuple(entries))
    path = tmp_path / "cases.po"
    path.write_bytes(serialize(catalog, wrap_of()))
    assert msgcat(path) == path.read_bytes()


@pytest.mark.parametrize("case", sorted((DATA / "bad-po").glob("*.po")), ids=lambda p: p.stem)
def test_syntax_errors_name_the_line_and_the_fix(case: Path) -> None:
    expected_line = int(case.stem.split("-line")[1])
    with pytest.raises(WorkflowError) as error:
        parse_po(case.read_bytes(), case)
    assert error.value.line == expected_line
    assert error.value.fix
    assert f"{case}:{expected_line}:" in error.value.message


@pytest.mark.parametrize("case", sorted((DATA / "bad-po").glob("*.po")), ids=lambda p: p.stem)
def test_gettext_also_refuses_the_bad_po_files(case: Path, gettext_tools: None) -> None:
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(case)], capture_output=True)
    assert result.returncode != 0


def test_fuzzy_on_empty_msgstr_is_dropped_like_gettext() -> None:
    catalog = Catalog(entries=(Entry(msgid="a", flags=("fuzzy",)),))
    assert b"#, fuzzy" not in serialize(catalog)


def test_previous_msgids_survive_active_and_obsolete(gettext_tools: None) -> None:
    # The French corpus has no #| lines, so this file written in gettext's own style has them.
    path = DATA / "previous.po"
    data = path.read_bytes()
    catalog = parse_po(data, path)
    assert serialize(catalog) == data
    assert serialize(catalog, wrap_of()) == msgcat(path)
    fuzzy = [e for e in catalog.entries if e.previous_msgid]
    assert {e.obsolete for e in fuzzy} == {True, False}
    assert all(e.fuzzy for e in fuzzy)


def _general(data: bytes, path: Path | str = "<po>") -> Catalog:
    """The line-by-line reader alone, as the reference for the fast paths."""
    return _parse_lines(data.decode("utf-8").removeprefix("\ufeff"), str(path))


def _table_of(catalog: Catalog) -> dict:
    return {e.key: (e.msgstr, e.fuzzy) for e in catalog.entries if not e.obsolete and e.msgstr}


def _reader_cases() -> list[Path]:
    ours = sorted(ROOT.glob("locales/**/*.po")) + [DATA / "previous.po"]
    return PO_CORPUS + ours


@pytest.mark.parametrize("path", _reader_cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_readers_agree_with_the_general_reader(path: Path) -> None:
    data = path.read_bytes()
    reference = _general(data, path)
    catalog = parse_po(data, path)
    assert catalog == reference
    assert [e.line for e in catalog.entries] == [e.line for e in reference.entries]
    assert translation_table(data, path) == _table_of(reference)


def test_fast_reader_takes_most_files() -> None:
    # Files with only plain entries skip the general reader; the others (obsolete entries, #| lines) use it.
    plain = [p for p in _reader_cases() if _plain_matches(p.read_text(encoding="utf-8")) is not None]
    assert len(plain) >= 10
    assert _plain_matches((DATA / "previous.po").read_text(encoding="utf-8")) is None


EDGE_CASES = {
    "escapes": 'msgid "tab\\there"\nmsgstr "a \\"quote\\" \\\\ and \\x41\\101"\n',
    "hex escape at a line end": 'msgid "x"\nmsgstr ""\n"\\x4"\n"1"\n',
    "continuation lines": 'msgid ""\n"one "\n"two"\nmsgstr ""\n"un "\n"deux"\n',
    "context": 'msgctxt "menu"\nmsgid "Open"\nmsgstr "Ouvrir"\n\nmsgid "Open"\nmsgstr "Ouvrez"\n',
    "comments of every kind": '# translator\n#\n#  two spaces\n#. extracted\n#.\n#: a.html:1 b.html:2\n'
                              '#: c.html:3\n#, fuzzy, c-format\nmsgid "a"\nmsgstr "b"\n',
    "comments out of order": '#. extracted\n# translator\nmsgid "a"\nmsgstr "b"\n',
    "trailing spaces": '# note   \nmsgid "a"  \nmsgstr "b"\n',
    "crlf": 'msgid "a"\r\nmsgstr "b"\r\n',
    "no final newline": 'msgid "a"\nmsgstr "b"',
    "blank lines": '\n\n\nmsgid "a"\nmsgstr "b"\n\n\n\nmsgid "c"\nmsgstr ""\n',
    "indented": '  msgid "a"\n  msgstr "b"\n',
    "second empty msgid": 'msgid "a"\nmsgstr "b"\n\nmsgid ""\nmsgstr "x"\n',
    "obsolete comment": '#~ # kept\n#~ msgid "gone"\n#~ msgstr "parti"\n',
    "plural": 'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] "plusieurs"\n',
    "fuzzy drafts": '#, fuzzy\nmsgid "a"\nmsgstr "b"\n\n#, python-format\nmsgid "c"\nmsgstr "d"\n',
}
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.mark.parametrize("body", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_fast_readers_agree_on_edge_cases(body: str) -> None:
    for text in (body, HEADER + body):
        data = text.encode("utf-8")
        try:
            reference = _general(data)
        except WorkflowError as refused:  # (a second empty msgid after the header: msgfmt refuses it too)
            for read in (parse_po, translation_table):
                with pytest.raises(WorkflowError) as error:
                    read(data)
                assert error.value.message == refused.message
            continue
        assert parse_po(data) == reference
        assert [e.line for e in parse_po(data).entries] == [e.line for e in reference.entries]
        assert translation_table(data) == _table_of(reference)


@pytest.mark.parametrize("case", sorted((DATA / "bad-po").glob("*.po")), ids=lambda p: p.stem)
def test_translation_table_reports_errors_like_the_reader(case: Path) -> None:
    with pytest.raises(WorkflowError) as expected:
        parse_po(case.read_bytes(), case)
    with pytest.raises(WorkflowError) as error:
        translation_table(case.read_bytes(), case)
    assert error.value.message == expected.value.message


def test_a_nul_byte_is_refused_with_its_line() -> None:
    # gettext reads on past it (its strings end at the NUL), so this case is not among the bad-po files.
    data = (HEADER + 'msgid "Hello"\nmsgstr "Привет\0"\n').encode()
    for read in (parse_po, translation_table):
        with pytest.raises(WorkflowError) as error:
            read(data, "ru/item.po")
        assert error.value.line == HEADER.count("\n") + 2
        assert "NUL" in error.value.message and error.value.fix


def test_hex_escape_beyond_unicode_is_a_clear_error() -> None:
    data = (HEADER + 'msgid "a"\nmsgstr "b \\x110000"\n').encode()
    with pytest.raises(WorkflowError) as error:
        parse_po(data, "fr/item.po")
    assert error.value.line == 6
    assert "fr/item.po:6:" in error.value.message and error.value.fix


def test_translator_comment_of_an_obsolete_entry_reads_like_msgcat(gettext_tools: None, tmp_path: Path) -> None:
    path = tmp_path / "obsolete.po"
    path.write_text(HEADER + '#~ # kept\n#~ msgid "gone"\n#~ msgstr "parti"\n', encoding="utf-8")
    (entry,) = parse_po(path.read_bytes(), path).entries
    assert entry.translator_comments == ("kept",)
    assert serialize(parse_po(path.read_bytes(), path), wrap_of()) == msgcat(path)
