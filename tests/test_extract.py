"""`workflow extract` end to end: idempotence, bad input, and files that are never half-written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ITEM, copy_sample, run_cli, wrap_of

from workflow import fsio
from workflow.extract import extract
from workflow.settings import SITE_CATALOG, load_settings
from workflow.po.reader import read_po
from workflow.segment.source import parse_html


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted((root / "locales").rglob("*")) if p.is_file()}


def test_extract_writes_every_catalog_and_msgfmt_accepts_them(project: Path, gettext_tools: None) -> None:
    with (project / "workflow.toml").open("a", encoding="utf-8") as settings:
        settings.write(f'\n[po]\nwrap = "{wrap_of()}"\n')  # catalogs as the installed gettext writes them
    result = run_cli(project, "extract")
    assert result.returncode == 0, result.stderr
    files = sorted((project / "locales").rglob("*.po*"))
    assert len(files) == 34  # item and site catalog: a template and 16 target locales each
    for path in files:
        check = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert check.returncode == 0 and check.stderr == "", (path, check.stderr)
        assert subprocess.run(["msgcat", "-w", "79", str(path)], capture_output=True).stdout == path.read_bytes()
    serbian = read_po(project / "locales" / "sr-Latn" / f"{ITEM}.po")
    assert serbian.header_value("Language") == "sr_Latn"
    assert serbian.header_value("Plural-Forms", ).startswith("nplurals=3;")
    assert read_po(project / "locales" / "ar" / f"{ITEM}.po").header_value("Plural-Forms").startswith("nplurals=6;")


def test_second_run_changes_no_byte(project: Path) -> None:
    assert run_cli(project, "extract").returncode == 0
    before = _snapshot(project)
    result = run_cli(project, "extract")
    assert result.returncode == 0
    assert "0 files written" in result.stdout
    assert _snapshot(project) == before


def test_glossary_notes_name_countries_in_the_target_language(project: Path) -> None:
    assert run_cli(project, "extract", "--locale", "ru", "--locale", "uk").returncode == 0
    russian = (project / "locales" / "ru" / f"{ITEM}.po").read_text(encoding="utf-8")
    ukrainian = (project / "locales" / "uk" / f"{ITEM}.po").read_text(encoding="utf-8")
    template = (project / "locales" / "templates" / f"{ITEM}.pot").read_text(encoding="utf-8")
    assert "#. glossary: Ukraine = Украина" in russian
    assert "#. glossary: Ukraine = Україна" in ukrainian
    assert "#. glossary: Slovenia = Словения" in russian
    assert "glossary" not in template


def test_malformed_html_is_parsed_with_a_warning(project: Path) -> None:
    (project / "source" / "broken.html").write_text(
        "<html><body>\n<p>First paragraph.\n<p>Second <b>bold <i>crossed</b> text.</i>\n</div></body></html>\n",
        encoding="utf-8")
    result = run_cli(project, "extract", "--item", "broken", "--locale", "fr")
    assert result.returncode == 0, result.stderr
    assert "source/broken.html:4: warning: malformed HTML repaired" in result.stderr
    msgids = [e.msgid for e in read_po(project / "locales" / "fr" / "broken.po").entries]
    assert "First paragraph." in msgids


def test_repairs_are_reported_for_the_file_that_needed_them_only(tmp_path: Path) -> None:
    # One parser serves every file of a process: a repaired file's warnings must not follow the next file.
    _, broken = parse_html("<html><body><p>a <b>b <i>c</b> d</i></p></body></html>", tmp_path / "broken.html")
    _, clean = parse_html("<!DOCTYPE html><html><body><p>fine</p></body></html>", tmp_path / "clean.html")
    assert broken and all("broken.html" in warning.path for warning in broken)
    assert clean == ()


def test_declared_encoding_is_honoured(project: Path) -> None:
    html = ('<html><head><meta charset="windows-1250"><title>Test</title></head>'
            "<body><p>Aleška Simkić spoke in Ljubljana.</p></body></html>")
    (project / "source" / "cp1250.html").write_bytes(html.encode("windows-1250"))
    assert run_cli(project, "extract", "--item", "cp1250", "--locale", "fr").returncode == 0
    msgids = [e.msgid for e in read_po(project / "locales" / "templates" / "cp1250.pot").entries]
    assert "Aleška Simkić spoke in Ljubljana." in msgids


BAD_SOURCES = {
    "empty": (b"", "the file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "the file is binary"),
    "badutf8": (b"<html><body>\n<p>Caf\xe9 \xff\xfe</p></body></html>", "source/badutf8.html:2: bytes that are not valid utf-8"),
}


@pytest.fixture()
def extracted(project: Path) -> Path:
    assert run_cli(project, "extract").returncode == 0
    return project


def _assert_one_error_and_nothing_touched(result: subprocess.CompletedProcess[str], before: dict,
                                          root: Path, expected: str) -> None:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0]
    assert "; " in lines[0]  # the fix follows the problem
    assert _snapshot(root) == before


@pytest.mark.parametrize("name", sorted(BAD_SOURCES))
def test_bad_source_stops_with_one_error_line(name: str, extracted: Path) -> None:
    data, expected = BAD_SOURCES[name]
    (extracted / "source" / f"{name}.html").write_bytes(data)
    before = _snapshot(extracted)
    _assert_one_error_and_nothing_touched(run_cli(extracted, "extract"), before, extracted, expected)


@pytest.mark.parametrize("item", ["../escape", "a/b", "..", "Bad Name"])
def test_bad_item_id_is_refused(item: str, extracted: Path) -> None:
    before = _snapshot(extracted)
    result = run_cli(extracted, "extract", "--item", item)
    _assert_one_error_and_nothing_touched(result, before, extracted, "invalid item id")


def test_bad_source_file_name_is_refused(extracted: Path) -> None:
    (extracted / "source" / "Bad Name.html").write_text("<p>x</p>", encoding="utf-8")
    before = _snapshot(extracted)
    _assert_one_error_and_nothing_touched(run_cli(extracted, "extract"), before, extracted, "invalid item id")


def test_po_syntax_error_leaves_every_file_untouched(extracted: Path) -> None:
    po = extracted / "locales" / "de" / f"{ITEM}.po"
    lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
    broken_line = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[broken_line] = 'msgstr "Unvollständig\n'
    po.write_text("".join(lines), encoding="utf-8")
    # The source changes too, so a run that ignored the error would rewrite files.
    source = extracted / "source" / f"{ITEM}.html"
    source.write_text(source.read_text(encoding="utf-8").replace("News Item", "News item"), encoding="utf-8")
    before = _snapshot(extracted)
    result = run_cli(extracted, "extract")
    _assert_one_error_and_nothing_touched(result, before, extracted,
                                          f"locales/de/{ITEM}.po:{broken_line + 1}: syntax error")


def test_unknown_locale_in_settings_is_named(project: Path) -> None:
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"fr",', '"xx-Nowhere",'), encoding="utf-8")
    result = run_cli(project, "extract")
    assert result.returncode == 1
    assert "workflow.toml" in result.stderr and "xx-Nowhere" in result.stderr


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "fr.po"
    target.write_bytes(b"translator's work\n")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        fsio.write_atomic(target, b"new content\n")
    assert target.read_bytes() == b"translator's work\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fr.po"]


def test_atomic_write_skips_identical_content(tmp_path: Path) -> None:
    target = tmp_path / "fr.po"
    assert fsio.write_atomic(target, b"a\n") is True
    stamp = target.stat().st_mtime_ns
    assert fsio.write_atomic(target, b"a\n") is False
    assert target.stat().st_mtime_ns == stamp


def test_staged_file_keeps_the_translators_permissions_and_skips_a_name_in_use(tmp_path: Path) -> None:
    target = tmp_path / "fr.po"
    target.write_bytes(b"old\n")
    target.chmod(0o600)  # a translator's choice
    # The next three temp names this process would use are taken (as by a killed run): staging moves past them.
    number = next(fsio._numbers)
    taken = [tmp_path / f".fr.po.{fsio._RUN}-{os.getpid()}-{number + n}.tmp" for n in (1, 2, 3)]
    for path in taken:
        path.write_bytes(b"left behind")
    staged = fsio.stage(target, b"new\n")
    assert staged is not None
    temp, _ = staged
    name = os.path.basename(temp)
    assert name == f".fr.po.{fsio._RUN}-{os.getpid()}-{number + 4}.tmp" and fsio.is_temp_name(name)
    assert [path.read_bytes() for path in taken] == [b"left behind"] * 3
    fsio.commit([staged])
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("size", [0, 1, 4096, 70_000])
def test_read_file_gives_every_byte_and_the_status_of_the_file_read(tmp_path: Path, size: int) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
    data, status = fsio.read_file(path)
    assert data == path.read_bytes() and status.st_size == size
    assert status.st_mtime_ns == path.stat().st_mtime_ns
    with pytest.raises(FileNotFoundError):
        fsio.read_file(tmp_path / "missing")


def test_files_for_a_new_folder_are_staged_in_a_fresh_folder_renamed_into_place_whole(tmp_path: Path) -> None:
    staged = [fsio.stage(tmp_path / "fr" / name, name.encode()) for name in ("a.po", "b.po")]
    assert all(staged) and not (tmp_path / "fr").exists()
    fresh = {os.path.dirname(temp) for temp, _ in staged}  # type: ignore[misc]
    name = os.path.basename(fresh.pop())
    assert len(fresh) == 0 and fsio.is_temp_name(name) and fsio.is_fresh_folder_name(name)
    fsio.commit(staged)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fr"]  # no fresh folder left behind
    assert {p.name: p.read_bytes() for p in (tmp_path / "fr").iterdir()} == {"a.po": b"a.po", "b.po": b"b.po"}


def test_a_fresh_folder_whose_folder_appeared_meanwhile_is_moved_file_by_file(tmp_path: Path) -> None:
    staged = [fsio.stage(tmp_path / "fr" / "a.po", b"new a"), fsio.stage(tmp_path / "state", b"state")]
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "other.po").write_bytes(b"another run's file")
    fsio.commit(staged)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fr", "state"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "fr").iterdir()} == {
        "a.po": b"new a", "other.po": b"another run's file"}


def test_the_last_staged_file_goes_last_even_from_a_fresh_folder(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "en").mkdir()
    order: list[str] = []
    for name in ("rename", "replace"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda src, dst, real=real: (order.append(os.path.basename(dst)),
                                                                   real(src, dst))[1])
    staged = [fsio.stage(tmp_path / "fr" / "a.html", b"a"), fsio.stage(tmp_path / "en" / "a.html", b"a"),
              fsio.stage(tmp_path / "de" / "a.html", b"a"), fsio.stage(tmp_path / "out" / "state", b"s")]
    fsio.commit(staged)  # type: ignore[arg-type]
    assert order[-1] == "out" and sorted(order) == ["a.html", "de", "fr", "out"]
    assert (tmp_path / "out" / "state").read_bytes() == b"s"


def test_a_later_batch_never_commits_what_a_killed_worker_left_in_a_fresh_folder(tmp_path: Path) -> None:
    staged = [fsio.stage(tmp_path / "fr" / "a.html", b"first batch")]
    orphan = Path(os.path.dirname(staged[0][0])) / "b.html"  # type: ignore[index]
    orphan.write_bytes(b"staged by a worker that was killed before it could report it")
    fsio.discard(staged)  # type: ignore[arg-type]
    assert orphan.exists()  # not this batch's file to remove; a later clean-up takes it when it is stale
    fsio.commit([fsio.stage(tmp_path / "fr" / "a.html", b"second batch")])  # type: ignore[list-item]
    assert {p.name: p.read_bytes() for p in (tmp_path / "fr").iterdir()} == {"a.html": b"second batch"}


def test_discarding_removes_the_fresh_folder_and_makes_no_target_folder(tmp_path: Path) -> None:
    staged = [fsio.stage(tmp_path / "fr" / "a.po", b"a"), fsio.stage(tmp_path / "fr" / "b.po", b"b")]
    fsio.discard(staged)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_discarding_finds_what_workers_staged_whose_names_never_came_back(tmp_path: Path) -> None:
    """A worker stopped by Ctrl-C has staged files the main process never heard of: discarding the batch with
    the folders its workers stage in removes them, beside existing files and in fresh folders alike, and
    nothing else (a user's files, another batch's temp files)."""
    existing = tmp_path / "fr"
    existing.mkdir()
    (existing / "a.po").write_bytes(b"translator's")
    (existing / ".notes.tmp").write_bytes(b"a user's own")
    other_batch = existing / ".b.po.0123456789ab-1-1.tmp"
    other_batch.write_bytes(b"another run's, removed when stale")
    known = fsio.stage(existing / "b.po", b"reported")
    unreported = [fsio.stage(existing / "a.po", b"new"), fsio.stage(tmp_path / "de" / "a.po", b"new")]
    assert None not in unreported and known is not None
    fsio.discard([known], [existing, tmp_path / "de", tmp_path / "missing"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fr"]
    assert {p.name: p.read_bytes() for p in existing.iterdir()} == {
        "a.po": b"translator's", ".notes.tmp": b"a user's own", other_batch.name: b"another run's, removed when stale"}


def test_help_describes_extract(project: Path) -> None:
    result = run_cli(project, "extract", "--help")
    assert result.returncode == 0
    assert "--item" in result.stdout and "obsolete" in result.stdout


@pytest.mark.parametrize("argv", [
    ["build", "--force", "-j", "2", "--format", "json"], ["--root", "build", "build", "--item", "a", "--item", "b"],
    ["extract", "--locale", "fr", "-v"], ["draft", "--locale", "fr", "--engine", "pseudo", "--dry-run"],
    ["check", "--strict"], ["status", "--format", "html"], ["bundle", "--name", "x"], ["verify", "b.zip"], ["run"]])
def test_a_command_line_parses_the_same_with_only_its_command_set_up(argv: list[str]) -> None:
    from workflow.cli import build_parser

    every_command = build_parser(["--help"])  # names no command: all are set up
    only_one = build_parser(argv)
    assert len(only_one._subparsers._group_actions[0].choices) == 1  # type: ignore[union-attr]
    assert vars(only_one.parse_args(argv)) == vars(every_command.parse_args(argv))


def test_temp_files_left_by_a_killed_run_are_cleaned_up(project: Path) -> None:
    assert run_cli(project, "extract", "--locale", "fr").returncode == 0
    folder = project / "locales" / "fr"
    stale = folder / f".{ITEM}.po.abc123.tmp"
    fresh = folder / f".{ITEM}.po.def456.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"in flight")
    locales = project / "locales"
    stale_folder, fresh_folder = locales / ".de.0a1b2c3d4e5f.tmp", locales / ".it.3d4e5f6a7b8c.tmp"
    users_folder = locales / ".notes.tmp"  # not a name a run gives: never removed
    for folder_made in (stale_folder, fresh_folder, users_folder):
        folder_made.mkdir()
        (folder_made / f"{ITEM}.po").write_bytes(b"staged")
    old = time.time() - 2 * fsio.STALE_AFTER
    for path in (stale, stale_folder, users_folder):
        os.utime(path, (old, old))
    (project / ".workflow" / "extract-running").touch()  # what a run killed outright leaves
    assert run_cli(project, "extract", "--locale", "fr").returncode == 0
    assert not stale.exists() and not stale_folder.exists()
    assert fresh.exists() and fresh_folder.exists()  # they may belong to a run that is still going
    assert (users_folder / f"{ITEM}.po").exists()


def test_a_source_linked_to_nothing_is_named_not_skipped(project: Path) -> None:
    odd = project / "source" / "lost-item.html"
    odd.symlink_to(project / "nowhere" / "lost-item.html")
    for command in ("extract", "build"):
        result = run_cli(project, command)
        assert result.returncode == 1, result.stderr
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith("error: ") and "lost-item.html" in line and "fix or remove it" in line
    assert not (project / "locales").exists()


def test_the_summary_of_a_large_extract_adds_up_its_items(tmp_path: Path) -> None:
    """Past ten items the report sums each locale's counts instead of listing every catalog; the sums (made in
    one pass over the state) equal the per-item lines of --verbose, on a run that wrote every file and on one
    that wrote none."""
    root = copy_sample(tmp_path, locales=("fr", "de"))
    settings = root / "workflow.toml"
    settings.write_text(re.sub(r"(?m)^target_locales = .*$", 'target_locales = ["fr", "de"]',
                               settings.read_text(encoding="utf-8")), encoding="utf-8")
    for number in range(11):  # twelve items, each with the sample's translations (so counts other than "new")
        shutil.copy(root / "source" / f"{ITEM}.html", root / "source" / f"copy-{number}.html")
        for locale in ("fr", "de"):
            shutil.copy(root / "locales" / locale / f"{ITEM}.po", root / "locales" / locale / f"copy-{number}.po")
    (root / "locales" / "fr" / "copy-0.po").unlink()  # and one catalog to start afresh (its counts all "new")
    first = run_cli(root, "extract")
    second = run_cli(root, "extract")
    listing = run_cli(root, "extract", "--verbose")
    assert first.returncode == second.returncode == listing.returncode == 0, first.stderr
    sources = len(list((root / "source").glob("*.html")))
    line = re.compile(r"^  (\w+) +(?:\S+\.po: )?(\d+) kept, (\d+) carried over, (\d+) fuzzy, (\d+) new, (\d+) obsolete",
                      re.M)
    sums: dict[str, list[int]] = {}
    for locale, *counts in line.findall(listing.stdout):
        sums[locale] = [a + int(b) for a, b in zip(sums.get(locale, [0] * 5), counts)]
    units = sum(int(n) for n in re.findall(r"^\S+: (\d+) units", listing.stdout, re.M))
    # A template and two catalogs per source (the layout's site catalog too), but for the six the sample came
    # with (its item's and the site's), which are already as the extract would write them.
    for run, written in ((first, 3 * sources - 6), (second, 0)):
        totals = {locale: [int(n) for n in counts] for locale, *counts in line.findall(run.stdout)}
        assert totals == sums and set(totals) == {"fr", "de"}
        assert sums["fr"][0] > 0 and sums["fr"][3] > 0
        assert f"extract: {sources} sources, {units} units, {written} files written" in run.stdout


def test_an_extract_reads_ahead_the_files_of_the_items_it_works_on(project: Path,
                                                                   read_ahead_asked: list[str]) -> None:
    asked = read_ahead_asked
    settings = load_settings(project)
    extract(settings, workers=1)
    catalogs = [SITE_CATALOG, *(path.stem for path in (project / "source").glob("*.html") if path.stem != "_layout")]
    sources = {SITE_CATALOG: "_layout"}
    assert sorted(asked) == sorted([str(project / "source" / f"{sources.get(c, c)}.html") for c in catalogs]
                                   + [str(project / "locales" / "templates" / f"{c}.pot") for c in catalogs]
                                   + [str(project / "locales" / locale / f"{c}.po") for c in catalogs
                                      for locale in settings.target_locales])
    asked.clear()
    extract(settings, workers=1)  # nothing changed: nothing to read
    assert asked == []
