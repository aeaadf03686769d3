"""A round trip through a real CAT tool: OmegaT (Debian's package) translates an untranslated catalog from
our TMX in its console mode, and what it wrote comes back with `workflow import`; OmegaT's own TMX imports."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample, run_cli

from workflow.exchange.tmx import read_tmx
from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.segment import placeholder_problem

OMEGAT = shutil.which("omegat")
pytestmark = pytest.mark.skipif(OMEGAT is None, reason="OmegaT is not installed (`python3 run.py test` installs "
                                                        "Debian's omegat package as root)")

PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
 <project version="1.0">
  <source_dir>__DEFAULT__</source_dir>
  <target_dir>__DEFAULT__</target_dir>
  <tm_dir>__DEFAULT__</tm_dir>
  <glossary_dir>__DEFAULT__</glossary_dir>
  <glossary_file>__DEFAULT__</glossary_file>
  <dictionary_dir>__DEFAULT__</dictionary_dir>
  <source_lang>en</source_lang>
  <target_lang>fr</target_lang>
  <source_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</source_tok>
  <target_tok>org.omegat.tokenizer.LuceneFrenchTokenizer</target_tok>
  <sentence_seg>false</sentence_seg>
  <support_default_translations>true</support_default_translations>
  <remove_tags>false</remove_tags>
 </project>
</omegat>
"""


def _omegat_project(folder: Path, catalog: Path, memory: Path) -> Path:
    for name in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "omegat.project").write_text(PROJECT, encoding="utf-8")
    shutil.copy(catalog, folder / "source" / catalog.name)
    shutil.copy(memory, folder / "tm" / "auto" / memory.name)
    return folder


def _translate(project: Path, config: Path) -> None:
    result = subprocess.run([OMEGAT, str(project), "--mode=console-translate", "--quiet", f"--config-dir={config}"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture()
def untranslated(tmp_path: Path) -> tuple[Path, dict]:
    """The sample with its French catalog of ITEM emptied, and the translations it had."""
    root = copy_sample(tmp_path / "project")
    catalog = root / "locales" / "fr" / f"{ITEM}.po"
    before = read_po(catalog)
    translations = {e.key: e.msgstr for e in before.entries if e.translated and not e.obsolete}
    catalog.write_bytes(serialize(replace(before, entries=tuple(
        e if e.obsolete else replace(e, msgstr="", flags=()) for e in before.entries))))
    return root, translations


@pytest.mark.parametrize("placeholders", ["text", "inline"])
def test_omegat_fills_an_untranslated_catalog_from_our_tmx_and_it_comes_back_intact(
        untranslated: tuple[Path, dict], tmp_path: Path, placeholders: str) -> None:
    root, translations = untranslated
    memory = tmp_path / "fr.tmx"
    # The memory holds every French translation of the sample (the other item's too).
    full = copy_sample(tmp_path / "full", every_item=True)
    assert run_cli(full, "tm", "export", "--locale", "fr", "--placeholders", placeholders, "-o", str(memory)
                   ).returncode == 0
    catalog = root / "locales" / "fr" / f"{ITEM}.po"
    empty = read_po(catalog)
    project = _omegat_project(tmp_path / "omegat", catalog, memory)
    _translate(project, tmp_path / "omegat-config")
    filled = {e.key: e.msgstr for e in read_po(project / "target" / catalog.name).entries if e.msgstr}
    assert filled  # OmegaT found matches in our memory
    # What OmegaT wrote that keeps every placeholder; the rest must be refused, not published broken.
    intact = {key: msgstr for key, msgstr in filled.items()
              if placeholder_problem(key[1], msgstr, "fr", next(e.extracted_comments for e in empty.entries
                                                                if e.key == key)) is None}
    assert intact == filled  # OmegaT keeps the placeholders it fills
    tagged = [key for key in filled if "<" in key[1]]
    if placeholders == "text":
        # Its tags are our placeholders written as text: every unit, placeholders or not, is matched.
        assert tagged and len(filled) >= len(translations) - 1
    else:
        # OmegaT reads other tools' inline elements as no text at all (TMX level 1): a unit with placeholders
        # finds no match and stays untranslated. That is why `--placeholders text` exists.
        assert not tagged and len(filled) < len(translations)
    result = run_cli(root, "import", str(project / "target" / catalog.name))
    rejected = len(filled) - len(intact)
    assert result.returncode == (1 if rejected else 0), result.stdout + result.stderr
    assert f"{len(intact)} taken, {rejected} rejected, 0 skipped" in result.stdout
    assert result.stdout.count("is missing; keep every placeholder") + result.stdout.count("date written out") \
        == rejected
    after = read_po(catalog)
    for before_entry, entry in zip(empty.entries, after.entries):
        if entry.key in intact:
            assert entry.msgstr == translations[entry.key] and not entry.fuzzy
            assert replace(entry, msgstr="") == before_entry  # notes, references, comments as they were
        else:
            assert entry == before_entry  # nothing else changed


def test_a_tmx_written_by_omegat_imports_with_its_tags_as_our_placeholders(untranslated: tuple[Path, dict],
                                                                         tmp_path: Path) -> None:
    root, translations = untranslated
    memory = tmp_path / "fr.tmx"
    assert run_cli(copy_sample(tmp_path / "full"), "tm", "export", "--locale", "fr", "--placeholders", "text",
                   "-o", str(memory)).returncode == 0
    project = _omegat_project(tmp_path / "omegat", root / "locales" / "fr" / f"{ITEM}.po", memory)
    _translate(project, tmp_path / "omegat-config")
    written = next(project.glob("*-level2.tmx"))
    units = read_tmx(written, ("fr",), "en").units
    assert any("<a1>" in unit.source and "<a1>" in unit.target for unit in units)
    result = run_cli(root, "tm", "import", str(written))
    assert result.returncode == 0 and "0 segments skipped" in result.stdout, result.stdout + result.stderr
    assert run_cli(root, "draft", "--locale", "fr", "--engine", "memory", "--item", ITEM).returncode == 0
    after = {e.key: e.msgstr for e in read_po(root / "locales" / "fr" / f"{ITEM}.po").entries if e.msgstr}
    assert after and all(after[key] == translations[key] for key in after)
    assert len(after) == len(units)
