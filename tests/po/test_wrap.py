"""Line breaking as gettext 0.22 and as gettext 0.23 write it (`[po] wrap`), against real msgcat output.

The installed msgcat is compared in the mode of its version elsewhere (test_pofile); here the other mode is
checked against golden files made by a real gettext 0.23.1 (Debian 13's package; see
tests/data/wrap-0.23/README.md), and against any other msgcat named in WORKFLOW_TEST_MSGCAT.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import DATA, ROOT, copy_sample, corpus_files, msgcat, need_corpus, other_msgcats, run_cli, wrap_of

from workflow.errors import WorkflowError
from workflow.po.reader import parse_po, read_po
from workflow.po.writer import serialize
from workflow.settings import load_settings

GOLDEN = DATA / "wrap-0.23"
INPUTS = sorted(path for path in GOLDEN.glob("*.po") if not path.name.endswith(".expect.po"))


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_the_0_23_mode_writes_what_gettext_0_23_wrote(path: Path) -> None:
    expected = path.with_suffix(".expect.po").read_bytes()
    catalog = parse_po(path.read_bytes(), path)
    assert serialize(catalog, "0.23") == expected
    # The two versions really differ on these files, so the comparison above tells the modes apart.
    assert serialize(catalog, "0.22") != expected


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_the_installed_gettext_agrees_in_its_own_mode(path: Path, gettext_tools: None) -> None:
    assert serialize(parse_po(path.read_bytes(), path), wrap_of()) == msgcat(path)


def test_the_0_23_mode_matches_gettext_0_23_on_the_real_corpus() -> None:
    need_corpus("python-docs-fr")
    digests = dict(line.split("  ")[::-1] for line in (GOLDEN / "python-docs-fr.sha256").read_text().splitlines())
    files = corpus_files("python-docs-fr", "*.po")
    assert {path.name for path in files} <= digests.keys()
    wrong = [path.name for path in files
             if hashlib.sha256(serialize(read_po(path), "0.23")).hexdigest() != digests[path.name]]
    assert wrong == []
    # gettext 0.23 rewraps most of these files: the digests are not those of the files as they are.
    same = [path.name for path in files if hashlib.sha256(path.read_bytes()).hexdigest() == digests[path.name]]
    assert len(same) < len(files) / 2


@pytest.mark.parametrize("tool", other_msgcats() or [None])
def test_another_gettext_named_for_the_tests_agrees_in_its_mode(tool: str | None) -> None:
    if tool is None:
        pytest.skip("WORKFLOW_TEST_MSGCAT names no other msgcat (a gettext 0.23 beside an older one, say)")
    files = [*INPUTS, *corpus_files("python-docs-fr", "*.po"), *sorted((ROOT / "locales").rglob("*.po"))]
    wrong = [path.name for path in files if serialize(read_po(path), wrap_of(tool)) != msgcat(path, tool)]
    assert wrong == []


# A sentence that gettext 0.22 and 0.23 wrap differently in a catalog: 0.22 may end a line after "ODIHR.",
# 0.23 keeps "ODIHR.gov" whole.
SENTENCE = ("Read more: the delegates’ reports are on the OSCE.org portal and the ODIHR.gov pages of the Office "
            "for Democratic Institutions and Human Rights.")


def _project(tmp_path: Path, wrap: str | None) -> Path:
    root = copy_sample(tmp_path / "project", catalogs=False, locales=())
    source = root / "source" / "month-of-borders-2025.html"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("<p>The Month of Borders was organized", f"<p>{SENTENCE}</p><p>The Month of "
                                   "Borders was organized", 1), encoding="utf-8")
    if wrap is not None:
        with (root / "workflow.toml").open("a", encoding="utf-8") as settings:
            settings.write(f'\n[po]\nwrap = "{wrap}"\n')
    return root


def test_extract_and_draft_write_catalogs_in_the_chosen_mode(tmp_path: Path) -> None:
    root = _project(tmp_path, "0.23")
    assert run_cli(root, "extract").returncode == 0
    template = root / "locales" / "templates" / "month-of-borders-2025.pot"
    assert b"ODIHR.gov" in template.read_bytes()
    assert template.read_bytes() == serialize(read_po(template), "0.23") != serialize(read_po(template), "0.22")
    assert run_cli(root, "draft", "--locale", "fr", "--engine", "pseudo").returncode == 0
    french = root / "locales" / "fr" / "month-of-borders-2025.po"
    assert french.read_bytes() == serialize(read_po(french), "0.23")
    # Back to the default: the next extract rewraps every catalog, and keeps every translation.
    settings = root / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('wrap = "0.23"', 'wrap = "0.22"'),
                        encoding="utf-8")
    drafted = [(entry.msgid, entry.msgstr, entry.fuzzy) for entry in read_po(french).entries]
    assert run_cli(root, "extract").returncode == 0
    assert template.read_bytes() == serialize(read_po(template), "0.22") != serialize(read_po(template), "0.23")
    assert french.read_bytes() == serialize(read_po(french), "0.22")
    assert [(entry.msgid, entry.msgstr, entry.fuzzy) for entry in read_po(french).entries] == drafted


def test_the_default_is_gettext_0_22(tmp_path: Path) -> None:
    assert load_settings(_project(tmp_path, None)).wrap == "0.22"


@pytest.mark.parametrize("value", ['"0.21"', "0.23", '"latest"'])
def test_a_wrap_mode_that_is_not_one_of_the_two_is_refused_with_its_line(tmp_path: Path, value: str) -> None:
    root = _project(tmp_path, None)
    with (root / "workflow.toml").open("a", encoding="utf-8") as settings:
        settings.write(f"\n[po]\nwrap = {value}\n")
    line = (root / "workflow.toml").read_text(encoding="utf-8").splitlines().index(f"wrap = {value}") + 1
    with pytest.raises(WorkflowError) as error:
        load_settings(root)
    assert error.value.line == line and "wrap" in error.value.message and '"0.22"' in error.value.message


def test_the_golden_files_were_made_from_their_inputs() -> None:
    # Each expected file is its input rewrapped: same entries, same strings.
    for path in INPUTS:
        ours, theirs = read_po(path), read_po(path.with_suffix(".expect.po"))
        assert [(e.msgctxt, e.msgid, e.msgstr) for e in ours.entries] == \
            [(e.msgctxt, e.msgid, e.msgstr) for e in theirs.entries]
