"""Bad input and faults, as a table: every case in tests/data/faults/*.toml is one mistake a user or the system
can make. A case edits a copy of a small, built project, runs one command, and the table says what must come
of it: the exit status, exactly one `error: <file>[:<line>]: <problem>; <fix>` line (or none), no traceback, and,
when the command refuses, every file under locales/ and output/ byte for byte as it was.

Edits (each a table in the case's `edit` list, applied in order):
  {file, text}            write the file (UTF-8)          {file, latin1}   write it encoded as Latin-1
  {file, append}          add text at the end              {file, prepend}  add text at the start
  {file, replace=[a, b]}  replace a by b (a must be there) {file, remove}   delete the file or folder
  {folder}                a folder where the path was      {file, entry=[msgid, msgstr]} set one msgstr
"""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from conftest import DATA, ROOT, run_cli

CASES = sorted((DATA / "faults").glob("*.toml"))
ERROR_LINE = re.compile(r"error: (?P<where>[^\n]+?): (?P<problem>[^\n]+); (?P<fix>[^\n]+)")
LOCALES = ("fr", "de")


def _cases() -> list[pytest.param]:
    params = []
    for path in CASES:
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample item, its layout and real translations in two locales, extracted and built once."""
    root = tmp_path_factory.mktemp("built")
    settings = (ROOT / "workflow.toml").read_text(encoding="utf-8")
    settings = re.sub(r"target_locales = \[[^\]]*\]", 'target_locales = ["fr", "de"]', settings)
    (root / "workflow.toml").write_text(settings, encoding="utf-8")
    shutil.copytree(ROOT / "source", root / "source")
    for locale in LOCALES:
        shutil.copytree(ROOT / "locales" / locale, root / "locales" / locale)
    assert run_cli(root, "extract").returncode == 0
    assert run_cli(root, "build").returncode == 0
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for folder in ("locales", "output") for p in sorted((root / folder).rglob("*")) if p.is_file()}


def _apply(root: Path, edit: dict) -> None:
    path = root / edit.get("file", edit.get("folder", ""))
    if "folder" in edit:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        path.mkdir(parents=True)
    elif "remove" in edit:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif "text" in edit:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edit["text"], encoding="utf-8")
    elif "latin1" in edit:
        path.write_bytes(edit["latin1"].encode("latin-1"))
    elif "append" in edit or "prepend" in edit:
        text = path.read_text(encoding="utf-8")
        path.write_text(edit.get("prepend", "") + text + edit.get("append", ""), encoding="utf-8")
    elif "replace" in edit:
        old, new = edit["replace"]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the case's edit does not apply: {old!r} is not in {path.name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    elif "entry" in edit:
        _set_msgstr(path, *edit["entry"])
    else:
        raise AssertionError(f"unknown edit {edit}")


def _set_msgstr(path: Path, msgid_start: str, msgstr: str) -> None:
    """Give the first entry whose msgid starts with `msgid_start` this msgstr (written as PO escapes say)."""
    from workflow.po.reader import read_po

    catalog = read_po(path)
    entry = next(e for e in catalog.entries if e.msgid.startswith(msgid_start) and not e.obsolete)
    text = path.read_text(encoding="utf-8")
    start = text.index(f'msgid "{_escape(entry.msgid)[:30]}')
    at = text.index("\nmsgstr ", start) + 1
    end = text.find("\n\n", at)
    end = len(text) if end < 0 else end
    path.write_text(text[:at] + f'msgstr "{msgstr}"' + text[end:], encoding="utf-8")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _run_in_process(root: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command line's `main`, in this process: a hundred cases cost no interpreter start each."""
    from workflow.cli import main

    capsys.readouterr()
    code = main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", _cases())
def test_fault(case: dict, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True)
    for edit in case.get("edit", []):
        _apply(root, edit)
    before = _files(root)
    if case.get("subprocess"):
        result = run_cli(root, *case["run"])
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        code, out, err = _run_in_process(root, case["run"], capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == case.get("exit", 1), (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if "error" in case:
        assert len(errors) == 1, err
        line = ERROR_LINE.fullmatch(errors[0])
        assert line, f"not `error: <file>[:<line>]: <problem>; <fix>`: {errors[0]}"
        assert re.search(case["error"], errors[0]), errors[0]
        if "where" in case:
            assert line.group("where").endswith(case["where"]), errors[0]
    else:
        assert not errors, err
    for pattern in case.get("stdout", []):
        assert re.search(pattern, out), out
    if case.get("exit", 1) != 0:
        assert _files(root) == before, "a refused command changed files"
    leftovers = [p for p in root.rglob("*.tmp")]
    assert not leftovers, f"temp files left: {leftovers}"


def test_the_table_is_large_enough() -> None:
    assert len(_cases()) >= 100
