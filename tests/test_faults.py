"""Bad input and faults, as a table: every case in tests/data/faults/*.toml is one mistake a user or the system
can make. A case edits a copy of a small, built project, runs one command, and the table says what must come
of it: the exit status, exactly one `error: <file>[:<line>]: <problem>; <fix>` line (or none), no traceback, and,
when the command refuses, every file under locales/ and output/ byte for byte as it was.

Edits (each a table in the case's `edit` list, applied in order):
  {file, text}            write the file (UTF-8)          {file, latin1}   write it encoded as Latin-1
  {file, append}          add text at the end              {file, prepend}  add text at the start
  {file, replace=[a, b]}  replace a by b (a must be there) {file, remove}   delete the file or folder
  {folder}                a folder where the path was      {file, entry=[msgid, lines]} an entry's msgstr lines
  {file, nested=N}        an item with its text N elements deep  {file, bytes}  write these bytes (hex)

Faults of the system, run for real where this machine allows it and skipped with the reason otherwise:
  tmpfs = [folder, size]  the folder on a tmpfs that small (a full disk; needs root)
  fsize = N               the command runs with a file-size limit of N KiB (RLIMIT_FSIZE)
  readonly = [folders]    those folders read-only, the command run as a user they bind (nobody, when root)
  closed_stdout = true    the command's standard output is a pipe nobody reads from
  subprocess = true       the command in a process of its own (in this process otherwise: a case costs less)
"""

from __future__ import annotations

import os
import pwd
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import DATA, ROOT, copy_sample, run_cli

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
    copy_sample(root, locales=LOCALES)
    (root / "workflow.toml").write_text(settings, encoding="utf-8")
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
    elif "nested" in edit:  # a news item whose one paragraph is inside that many elements
        depth = edit["nested"]
        path.write_text('<html lang="en"><head><title>Deep</title></head><body><div data-slot="body">'
                        + "<div>" * depth + "<p>Deep text here.</p>" + "</div>" * depth + "</div></body></html>",
                        encoding="utf-8")
    elif "bytes" in edit:
        path.write_bytes(bytes.fromhex(edit["bytes"]))
    else:
        raise AssertionError(f"unknown edit {edit}")


def _set_msgstr(path: Path, msgid_start: str, lines: str) -> None:
    """Replace the msgstr part of the first active entry whose msgid starts with `msgid_start` by `lines`, as
    written (PO syntax, escapes and all: `msgstr "…"`, or `msgstr[0] "…"`)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f'\nmsgid "{_escape(msgid_start)}') + 1
    at = text.index("\nmsgstr", start) + 1
    end = text.find("\n\n", at)
    end = len(text) if end < 0 else end
    path.write_text(text[:at] + lines + text[end:], encoding="utf-8")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _run_in_process(root: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command line's `main`, in this process: a hundred cases cost no interpreter start each."""
    from workflow.cli import main

    capsys.readouterr()
    try:
        code = main(["--root", str(root), *args])
    except SystemExit as exit:  # argparse ends a usage error so
        code = exit.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    return code, out, err


def _run_as_the_system_allows(root: Path, case: dict) -> tuple[int, str, str]:
    """The command in a process of its own, under the case's limits."""
    kwargs: dict[str, object] = {}
    if "fsize" in case:
        limit = case["fsize"] * 1024
        kwargs["preexec_fn"] = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if "readonly" in case:
        if os.geteuid() == 0:  # root writes through any permission: the command runs as an ordinary user
            try:
                pwd.getpwnam("nobody")
            except KeyError:
                pytest.skip("no user 'nobody' to run the command as")
            subprocess.run(["chown", "-R", "nobody", str(root)], check=True)
            kwargs["user"] = "nobody"
        for folder in case["readonly"]:
            for path in [root / folder, *(root / folder).rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
    command = [sys.executable, "-m", "workflow", "--root", str(root), *_args(root, case)]
    if case.get("closed_stdout"):  # a reader that went away before the first line: `workflow status | head -0`
        read, write = os.pipe()
        os.close(read)
        try:
            result = subprocess.run(command, stdout=write, stderr=subprocess.PIPE, text=True, cwd=root, **kwargs)
        finally:
            os.close(write)
        return result.returncode, "", result.stderr
    result = subprocess.run(command, capture_output=True, text=True, cwd=root, **kwargs)  # type: ignore[call-overload]
    return result.returncode, result.stdout, result.stderr


def _args(root: Path, case: dict) -> list[str]:
    """The case's command line, {root} standing for the project's folder."""
    return [arg.replace("{root}", str(root)) for arg in case["run"]]


@contextmanager
def _small_disk(root: Path, case: dict) -> Iterator[None]:
    """The case's folder on a tmpfs of the case's size, holding what the folder held."""
    if "tmpfs" not in case:
        yield
        return
    folder, size = root / case["tmpfs"][0], case["tmpfs"][1]
    saved = root / ".saved"
    if folder.exists():
        shutil.move(folder, saved)
    else:
        saved.mkdir()
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        shutil.copytree(saved, folder, dirs_exist_ok=True)
        shutil.rmtree(saved)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("case", _cases())
def test_fault(case: dict, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Not under pytest's own temp folder, which no other user may enter (the permission cases need one).
    base = Path(tempfile.mkdtemp(prefix="fault-"))
    base.chmod(0o755)
    try:
        _run_case(case, built, base / "project", capsys)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=False)
        shutil.rmtree(base, ignore_errors=True)


def _run_case(case: dict, built: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(built, root, symlinks=True)
    for edit in case.get("edit", []):
        _apply(root, edit)
    with _small_disk(root, case):
        _check_case(case, root, capsys)


def _check_case(case: dict, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _files(root)
    if case.get("subprocess") or "fsize" in case or "readonly" in case or "closed_stdout" in case:
        code, out, err = _run_as_the_system_allows(root, case)
    else:
        code, out, err = _run_in_process(root, _args(root, case), capsys)
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
    if case.get("exit", 1) != 0 and not case.get("writes"):  # (build --strict writes, then says "not met")
        assert _files(root) == before, "a refused command changed files"
    leftovers = [p for p in root.rglob("*.tmp")]
    assert not leftovers, f"temp files left: {leftovers}"


def test_the_table_is_large_enough() -> None:
    assert len(_cases()) >= 100
