"""Incremental extract: after every step of scripted edits, the files are those a forced extract writes; a
translator's edit is never overwritten; an interrupted extract is recovered from."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample

from workflow import extract_state
from workflow.extract import extract
from workflow.extract_state import STATE_FILE
from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.settings import load_settings

Step = Callable[[Path], None]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "locales").rglob("*")) if p.is_file()}


def _extract(root: Path, force: bool = False) -> int:
    return extract(load_settings(root), workers=1, force=force).files_written


def _forced_twin(root: Path, tmp: Path) -> dict[str, bytes]:
    """What a forced extract writes over the same files."""
    twin = tmp / "twin"
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(root, twin)
    _extract(twin, force=True)
    return _files(twin)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _translate_first(root: Path, locale: str, text: str) -> None:
    path = root / "locales" / locale / f"{ITEM}.po"
    po = read_po(path)
    first = next(e for e in po.entries if not e.obsolete and e.msgid)
    path.write_bytes(serialize(replace(po, entries=tuple(replace(e, msgstr=text) if e is first else e
                                                          for e in po.entries))))


def _settings_edit(old: str, new: str) -> Step:
    return lambda root: _edit(root / "workflow.toml", old, new)


STEPS: list[tuple[str, Step]] = [
    ("nothing changed", lambda root: None),
    ("a source sentence edited", lambda root: _edit(root / "source" / f"{ITEM}.html", "Border", "Frontier")),
    ("a catalog translated by hand", lambda root: _translate_first(root, "de", "Von Hand übersetzt.")),
    ("a catalog deleted", lambda root: (root / "locales" / "it" / f"{ITEM}.po").unlink()),
    ("a source touched, bytes the same", lambda root: (root / "source" / f"{ITEM}.html").touch()),
    ("an item added", lambda root: shutil.copy(root / "source" / f"{ITEM}.html", root / "source" / "second-item.html")),
    ("a locale added", _settings_edit('target_locales = ["fr",', 'target_locales = ["fr", "pl",')),
    ("the layout edited", lambda root: _edit(root / "source" / "_layout.html", "Issued on:", "Published on:")),
    ("a settings change", _settings_edit('segmentation = "sentence"', 'segmentation = "block"')),
    ("an item removed", lambda root: (root / "source" / "second-item.html").unlink()),
    ("a locale removed", _settings_edit('target_locales = ["fr", "pl",', 'target_locales = ["fr",')),
    ("a template edited by hand", lambda root: _edit(root / "locales" / "templates" / f"{ITEM}.pot",
                                                     'msgstr ""', 'msgstr "x"')),
]


def test_incremental_extract_equals_a_forced_one_after_every_edit(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "project")
    _extract(root)
    for name, step in STEPS:
        step(root)
        _extract(root)
        assert _files(root) == _forced_twin(root, tmp_path), name
    assert (root / STATE_FILE).exists()


def test_nothing_changed_reads_no_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_sample(tmp_path / "project")
    _extract(root)
    read: list[str] = []
    import workflow.extract as extracting

    real = extracting._stage_item
    monkeypatch.setattr(extracting, "_stage_item", lambda *args: read.append(args[-1].catalog) or real(*args))
    assert _extract(root) == 0 and read == []
    _edit(root / "source" / f"{ITEM}.html", "Border", "Frontier")
    assert _extract(root) > 0 and read == [ITEM]


def test_a_translators_edit_between_extracts_is_kept(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "project")
    _extract(root)
    _translate_first(root, "fr", "Traduit entre deux extractions.")
    report = extract(load_settings(root), workers=1)
    assert "Traduit entre deux extractions." in (root / "locales" / "fr" / f"{ITEM}.po").read_text(encoding="utf-8")
    french = next(result for item in report.items if item.item == ITEM for result in item.locales
                  if result.locale == "fr")
    assert french.stats.kept > 0
    # The source changes too: the edit is merged, not lost, and the report counts it as kept.
    _edit(root / "source" / f"{ITEM}.html", "Border", "Frontier")
    _extract(root)
    assert "Traduit entre deux extractions." in (root / "locales" / "fr" / f"{ITEM}.po").read_text(encoding="utf-8")


def test_the_report_of_a_skipped_item_is_the_last_extracts(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "project")
    first = extract(load_settings(root), workers=1)
    second = extract(load_settings(root), workers=1)
    forced = extract(load_settings(root), workers=1, force=True)
    assert second.files_written == forced.files_written == 0
    assert [(i.item, i.units, i.entries, i.template, [(r.locale, r.path, r.stats) for r in i.locales])
            for i in second.items] == \
        [(i.item, i.units, i.entries, i.template, [(r.locale, r.path, r.stats) for r in i.locales])
         for i in forced.items]
    assert len(first.items) == len(second.items)


def test_an_extract_killed_before_saving_its_state_is_recovered(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_sample(tmp_path / "project")
    _extract(root)
    _edit(root / "source" / f"{ITEM}.html", "Border", "Frontier")

    def killed(self, path: Path) -> None:
        raise KeyboardInterrupt  # the files are in place, the state is the one before

    monkeypatch.setattr(extract_state.ExtractState, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        _extract(root)
    monkeypatch.undo()
    _translate_first(root, "ru", "Правка после сбоя.")
    _extract(root)
    assert _files(root) == _forced_twin(root, tmp_path)
    assert not (root / ".workflow" / "extract-running").exists()
    assert "Правка после сбоя." in (root / "locales" / "ru" / f"{ITEM}.po").read_text(encoding="utf-8")


def test_a_damaged_state_means_a_full_extract(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "project")
    _extract(root)
    (root / STATE_FILE).write_bytes(b"\x00not a state")
    _edit(root / "source" / f"{ITEM}.html", "Border", "Frontier")
    _extract(root)
    assert _files(root) == _forced_twin(root, tmp_path)
    assert re.search(rb"Frontier", (root / "locales" / "templates" / f"{ITEM}.pot").read_bytes())


def test_temp_files_of_a_killed_extract_are_removed_by_the_next(tmp_path: Path) -> None:
    import os
    import time

    root = copy_sample(tmp_path / "project")
    _extract(root)
    # A run killed outright (no handler runs) leaves its marker and its temp files.
    stale = root / "locales" / "fr" / f".{ITEM}.po.0123456789ab.tmp"
    stale.write_bytes(b"half a catalog")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    _extract(root)
    assert stale.exists()  # without the marker, an extract with nothing to do looks nowhere
    (root / ".workflow" / "extract-running").touch()
    _extract(root)
    assert not stale.exists() and not (root / ".workflow" / "extract-running").exists()
