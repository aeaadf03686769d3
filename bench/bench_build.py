"""Benchmark: `workflow build` against Translate Toolkit's `po2html` on the same items and translations.

    python3 run.py bench-build [--items N] [--locales fr,de,ru,ar,kk] [--repeat R]

Generates N synthetic news items (default 1,000); each tool extracts its own catalogs (html2po for
po2html, `workflow extract` for us) and both get the same pseudo-translation of every entry ("[xx] " and
the source, placeholders kept). Then, in one run, it times po2html over every locale against a full
`workflow build`, both writing every page into an empty output folder; `workflow build --force` over the
last output (which rewrites no unchanged file); and a `workflow build` after one item's catalog changed.
The tools take turns round after round. Prints the ratios.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import best_in_turns, empty_trash, generate, measure, print_rows, set_aside, settings  # noqa: E402  (the bench folder is not a package)

from workflow.po.reader import read_po  # noqa: E402
from workflow.po.writer import serialize

BIN = Path(sys.executable).parent


def pseudo(locale: str, msgid: str) -> str:
    return f"[{locale}] {msgid}" if msgid else msgid


def fill(path: Path, locale: str) -> None:
    """Translate every entry of a catalog with the shared pseudo-translation."""
    catalog = read_po(path)
    entries = tuple(replace(e, msgstr=pseudo(locale, e.msgid)) for e in catalog.entries)
    path.write_bytes(serialize(replace(catalog, entries=entries)))


def prepare_ours(folder: Path, locales: list[str]) -> None:
    settings(folder, locales)
    with (folder / "workflow.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[publishing]\nbase_url = "https://news.example.org"\n')
    if not (folder / "locales" / locales[-1]).is_dir():
        measure([sys.executable, "-m", "workflow", "--root", str(folder), "extract"], folder)
        for locale in locales:
            for path in (folder / "locales" / locale).glob("*.po"):
                fill(path, locale)


def prepare_theirs(folder: Path, locales: list[str], html2po: str) -> None:
    templates = folder / "tt-pot"
    if not templates.is_dir():
        measure([html2po, "--progress=none", "--pot", "-i", "source", "-o", str(templates)], folder)
    for locale in locales:
        target = folder / "tt-po" / locale
        if target.is_dir():
            continue
        target.mkdir(parents=True)
        for pot in templates.glob("*.pot"):
            po = target / (pot.stem + ".po")
            shutil.copy(pot, po)
            fill(po, locale)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--locales", default="fr,de,ru,ar,kk", help="comma-separated target locales (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best time counts (default 3)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "workflow-bench-build")
    args = parser.parse_args()
    po2html = shutil.which("po2html", path=str(BIN)) or shutil.which("po2html")
    html2po = shutil.which("html2po", path=str(BIN)) or shutil.which("html2po")
    if not po2html or not html2po:
        raise SystemExit("Translate Toolkit not found: run `python3 run.py bench-build`, which installs it")
    locales = [locale for locale in args.locales.split(",") if locale]
    folder = generate(args.dir / str(args.items), args.items)
    prepare_ours(folder, locales)
    prepare_theirs(folder, locales, html2po)

    trash = folder.parent / f"{folder.name}-trash"

    def fresh_tt_out() -> None:
        set_aside(folder / "tt-out", trash)
        for locale in locales:
            (folder / "tt-out" / locale).mkdir(parents=True)

    workflow = [sys.executable, "-m", "workflow", "--root", str(folder), "build"]
    changed = folder / "locales" / locales[0] / "news-00007.po"

    def touch_one() -> None:
        catalog = read_po(changed)
        first = catalog.entries[0]
        flipped = first.msgstr + " ·" if not first.msgstr.endswith(" ·") else first.msgstr[:-2]
        changed.write_bytes(serialize(replace(catalog, entries=(replace(first, msgstr=flipped),
                                                                *catalog.entries[1:]))))

    # In each round: po2html, then our full build into an empty folder, --force over that output, and a
    # rebuild after one change (each needs the one before it).
    runs = best_in_turns(args.repeat, [
        ("po2html", fresh_tt_out,
         [[po2html, "--progress=none", "-t", "source", "-i", f"tt-po/{locale}", "-o", f"tt-out/{locale}"]
          for locale in locales]),
        ("full", lambda: set_aside(folder / "output", trash), [workflow]),
        ("forced", None, [workflow + ["--force"]]),
        ("rebuild", touch_one, [workflow]),
    ], folder)
    theirs, full, forced, rebuild = runs["po2html"], runs["full"], runs["forced"], runs["rebuild"]
    empty_trash(trash)
    pages = len(list((folder / "output").glob("*/news-*.html")))
    tt_pages = len(list((folder / "tt-out").rglob("*.html")))
    print(f"corpus: {args.items} generated items x {len(locales)} locales ({','.join(locales)}) in {folder}; "
          f"best of {args.repeat}")
    print(f"pages: ours {pages} (plus the source locale, indexes, sitemap), po2html {tt_pages}")
    print_rows(("run", "seconds", "peak MiB"),
               [(name, seconds, rss / 1024) for name, (seconds, rss) in (
                   ("po2html, every locale, into empty folders", theirs),
                   ("workflow build, into an empty output folder", full),
                   ("workflow build --force, over the last output", forced),
                   ("workflow build after one catalog changed", rebuild))])
    print(f"speed-up of a full build over po2html: {theirs[0] / full[0]:.1f}x "
          f"(--force over the last output: {theirs[0] / forced[0]:.1f}x)")
    print(f"rebuild after one change: {rebuild[0] / full[0]:.1%} of a full build")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
