"""Benchmark: how the daily loop's cost grows with the number of items, for our tool and Translate Toolkit.

    python3 run.py bench-scale [--items 1000,4000] [--locales fr,de,...] [--repeat R]

For each item count N (generated items shaped like the sample, every catalog translated by the same
pseudo-translation), times, in one run:

- ours: `workflow extract` into an empty project (first); then, once every catalog is translated and merged
  (untimed), again with nothing changed and again after one source changed; `workflow build` into an empty output folder (full, with its peak memory) and after one catalog
  changed;
- Translate Toolkit, the same steps where it has them: `html2po --pot` (templates), `pot2po` per locale (the
  catalogs updated from the templates: a first extract's second half), `po2html` per locale (the pages), each
  right after our step it is compared with.

Prints a row per N, the ratios, the cost per catalog and per page, and for two or more N how each step grows
(the exponent k of time ∝ N^k fitted between the smallest and the largest N: 1 is linear, 0 is flat).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_build import fill  # noqa: E402  (the bench folder is not a package)
from common import empty_trash, generate, measure, set_aside, settings  # noqa: E402

BIN = Path(sys.executable).parent
# The sample's 16 target locales.
LOCALES = "fr,de,it,es,ru,uk,sr-Latn,mk,sq,tr,kk,ky,uz,mn,ar,he"
STEPS = ("extract, first", "extract, nothing changed", "extract, one source changed", "build, full",
         "build peak MiB", "build, one catalog changed", "extract peak MiB")


def _fill_all(catalogs: Path, locales: list[str]) -> None:
    """Translate every catalog under catalogs/<locale>/ (in worker processes: this script stays small, and
    the machine's cores help)."""
    jobs = [(path, locale) for locale in locales for path in (catalogs / locale).glob("*.po")]
    with ProcessPoolExecutor() as pool:
        list(pool.map(_fill_one, jobs, chunksize=64))


def _fill_one(job: tuple[Path, str]) -> None:
    fill(*job)


def _best(repeat: int, command: list[str], cwd: Path, before=None) -> tuple[float, int]:
    """Best time and the largest peak (KiB) of `repeat` runs, each after `before` (untimed)."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(measure(command, cwd))
    return min(r[0] for r in runs), max(r[1] for r in runs)


def _edit_source(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    marker = "<p>An added sentence"
    count = text.count(marker)
    path.write_text(text.replace("</article>", f"{marker} number {count + 1}.</p></article>", 1), encoding="utf-8")


def _edit_catalog(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "[', 'msgstr "·[', 1) if 'msgstr "·[' not in text
                    else text.replace('msgstr "·[', 'msgstr "[', 1), encoding="utf-8")


def _workflow(folder: Path) -> list[str]:
    return [sys.executable, "-m", "workflow", "--root", str(folder)]


def ours_first_extract(folder: Path, repeat: int, trash: Path) -> dict[str, float]:
    """A first extract (templates and every catalog) into an empty project, and its peak memory."""
    def empty_project() -> None:
        for name in ("locales", ".workflow", "output"):
            set_aside(folder / name, trash)

    first, peak = _best(repeat, _workflow(folder) + ["extract"], folder, empty_project)
    return {"extract, first": first, "extract peak MiB": peak / 1024}


def ours_daily_extract(folder: Path, locales: list[str], repeat: int) -> dict[str, float]:
    """Extracts of the daily loop, once every catalog came back translated."""
    workflow = _workflow(folder)
    _fill_all(folder / "locales", locales)
    # Every catalog came back translated: the extract after that merges them all (as after translators
    # returned their files), untimed; the next one has nothing to do.
    measure(workflow + ["extract"], folder)
    unchanged, _ = _best(repeat, workflow + ["extract"], folder)
    one_source, _ = _best(repeat, workflow + ["extract"], folder,
                          lambda: _edit_source(folder / "source" / "news-00007.html"))
    return {"extract, nothing changed": unchanged, "extract, one source changed": one_source}


def ours_full_build(folder: Path, repeat: int, trash: Path) -> dict[str, float]:
    full, peak = _best(repeat, _workflow(folder) + ["build"], folder, lambda: set_aside(folder / "output", trash))
    return {"build, full": full, "build peak MiB": peak / 1024}


def ours_rebuild(folder: Path, locales: list[str], repeat: int) -> dict[str, float]:
    one_catalog, _ = _best(repeat, _workflow(folder) + ["build"], folder,
                           lambda: _edit_catalog(folder / "locales" / locales[0] / "news-00011.po"))
    return {"build, one catalog changed": one_catalog}


def _toolkit() -> dict[str, str]:
    tool = {name: shutil.which(name, path=str(BIN)) or shutil.which(name) for name in ("html2po", "pot2po", "po2html")}
    if not all(tool.values()):
        raise SystemExit("Translate Toolkit not found: run `python3 run.py bench-scale`, which installs it")
    return tool  # type: ignore[return-value]


def theirs_extract(folder: Path, locales: list[str], repeat: int, trash: Path) -> dict[str, float]:
    """Translate Toolkit's first extract: templates (html2po --pot), then catalogs from them (pot2po)."""
    tool = _toolkit()
    pot, _ = _best(repeat, [tool["html2po"], "--progress=none", "--pot", "-i", "source", "-o", "tt-pot"], folder,
                   lambda: set_aside(folder / "tt-pot", trash))
    update = 0.0
    (folder / "tt-po").mkdir(exist_ok=True)
    for locale in locales:  # catalogs from the templates, as a first extract makes them
        seconds, _ = _best(repeat, [tool["pot2po"], "--progress=none", "-i", "tt-pot", "-o", f"tt-po/{locale}"],
                           folder, lambda: set_aside(folder / "tt-po" / locale, trash))
        update += seconds
    return {"html2po --pot": pot, "pot2po, every locale": update}


def theirs_pages(folder: Path, locales: list[str], repeat: int, trash: Path) -> dict[str, float]:
    """Translate Toolkit's pages (po2html), from the same pseudo-translation as ours."""
    tool = _toolkit()
    _fill_all(folder / "tt-po", locales)
    pages = 0.0
    (folder / "tt-out").mkdir(exist_ok=True)
    for locale in locales:
        seconds, _ = _best(repeat, [tool["po2html"], "--progress=none", "-t", "source", "-i", f"tt-po/{locale}",
                                    "-o", f"tt-out/{locale}"], folder,
                           lambda: set_aside(folder / "tt-out" / locale, trash))
        pages += seconds
    return {"po2html, every locale": pages}


def measure_count(folder: Path, locales: list[str], repeat: int, baseline: bool) -> dict[str, float]:
    """Every step for one item count. The steps compared run one right after the other (our first extract,
    then Translate Toolkit's; our full build, then po2html): this machine's speed drifts over the minutes a
    large count takes, and steps timed far apart would meet different stretches of it. What earlier runs
    left is deleted only at the end: deleting thousands of files slows the creation of the next ones."""
    trash = folder.parent / f"{folder.name}-trash"
    row = ours_first_extract(folder, repeat, trash)
    if baseline:
        row.update(theirs_extract(folder, locales, repeat, trash))
    row.update(ours_daily_extract(folder, locales, repeat))
    row.update(ours_full_build(folder, repeat, trash))
    if baseline:
        row.update(theirs_pages(folder, locales, repeat, trash))
    row.update(ours_rebuild(folder, locales, repeat))
    empty_trash(trash)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", default="1000,4000", help="comma-separated item counts (default 1000,4000)")
    parser.add_argument("--locales", default=LOCALES, help="comma-separated target locales (default the sample's 16)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step; the best time counts (default 1)")
    parser.add_argument("--no-baseline", action="store_true", help="time our tool only")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "workflow-bench-scale")
    args = parser.parse_args()
    counts = sorted(int(n) for n in args.items.split(",") if n)
    locales = [locale for locale in args.locales.split(",") if locale]
    if not args.no_baseline:
        _toolkit()  # missing: said before anything is timed
    table: dict[int, dict[str, float]] = {}
    for count in counts:
        folder = generate(args.dir / str(count), count)
        settings(folder, locales)
        with (folder / "workflow.toml").open("a", encoding="utf-8") as handle:
            handle.write('\n[publishing]\nbase_url = "https://news.example.org"\n')
        table[count] = measure_count(folder, locales, args.repeat, not args.no_baseline)
        _print(table, locales)
    return 0


def _print(table: dict[int, dict[str, float]], locales: list[str]) -> None:
    columns = [name for name in (*STEPS, "html2po --pot", "pot2po, every locale", "po2html, every locale")
               if all(name in row for row in table.values())]
    print(f"\n{len(locales)} locales; seconds unless stated")
    print("| items | catalogs | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 2) + "|")
    for count, row in table.items():
        print(f"| {count:,} | {count * len(locales):,} | " + " | ".join(
            f"{row[name]:.0f}" if "MiB" in name else f"{row[name]:.2f}" for name in columns) + " |")
    for count, row in table.items():
        catalogs = count * len(locales)
        pages = count * (len(locales) + 1)
        line = (f"{count:,} items: extract {row['extract, first'] / catalogs * 1000:.2f} ms per catalog "
                f"(nothing changed: {row['extract, nothing changed'] / catalogs * 1e6:.1f} µs), build "
                f"{row['build, full'] / pages * 1000:.2f} ms per page")
        if "po2html, every locale" in row:
            tt_extract = row["html2po --pot"] + row["pot2po, every locale"]
            line += (f"; a first extract (templates and catalogs) {tt_extract / row['extract, first']:.1f}x faster "
                     f"than html2po --pot + pot2po, a full build {row['po2html, every locale'] / row['build, full']:.1f}x "
                     "faster than po2html")
        print(line)
    if len(table) > 1:
        low, high = min(table), max(table)
        growth = ", ".join(f"{name} N^{math.log(table[high][name] / table[low][name]) / math.log(high / low):.2f}"
                           for name in columns if table[low][name] > 0)
        print(f"growth from {low:,} to {high:,} items: {growth}")
        for name in ("build peak MiB", "extract peak MiB"):
            print(f"{name}: {table[high][name] / table[low][name]:.2f}x at {high:,} items of its figure at {low:,}")


if __name__ == "__main__":
    raise SystemExit(main())
