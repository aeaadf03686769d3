"""Benchmark: `workflow extract` against Translate Toolkit's `html2po --pot` on the same generated items.

    python3 run.py bench [--items N] [--repeat R]

Generates N synthetic news items (default 1,000) shaped like the sample, then times, in one run and on the
same files: html2po --pot (one template per item), our extract writing templates only, and our extract
writing templates plus catalogs for the sample's 16 target locales. Each tool runs as its own process, the
tools taking turns round after round; peak memory is that process's maximum resident set size. Prints the
ratios.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import best_in_turns, empty_trash, generate, print_rows, set_aside, settings  # noqa: E402  (the bench folder is not a package)

ROOT = HERE.parent
BIN = Path(sys.executable).parent

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000, help="number of generated news items (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best time counts (default 3)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "workflow-bench",
                        help="where the corpus and outputs go (default: the system temp folder)")
    args = parser.parse_args()
    html2po = shutil.which("html2po", path=str(BIN)) or shutil.which("html2po")
    if html2po is None:
        raise SystemExit("html2po not found: run `python3 run.py bench`, which installs Translate Toolkit")
    folder = generate(args.dir / str(args.items), args.items)
    locales = ["fr", "de", "it", "es", "ru", "uk", "sr-Latn", "mk", "sq", "tr", "kk", "ky", "uz", "mn", "ar", "he"]
    trash = folder.parent / f"{folder.name}-trash"

    def clean_tt() -> None:
        set_aside(folder / "tt-pot", trash)

    def clean_ours(locale_list: list[str]) -> None:
        set_aside(folder / "locales", trash)
        settings(folder, locale_list)

    workflow = [sys.executable, "-m", "workflow", "--root", str(folder), "extract"]
    runs = best_in_turns(args.repeat, [
        ("html2po --pot", clean_tt, [[html2po, "--pot", "--progress=none", "-i", "source", "-o", "tt-pot"]]),
        ("workflow extract (templates)", lambda: clean_ours([]), [workflow]),
        (f"workflow extract (templates + {len(locales)} locales)", lambda: clean_ours(locales), [workflow]),
    ], folder)

    empty_trash(trash)
    units = sum(1 for _ in (folder / "locales" / "templates").glob("*.pot"))
    ours_entries = sum(p.read_text(encoding="utf-8").count("\nmsgid ") - 1
                       for p in (folder / "locales" / "templates").glob("*.pot"))
    tt_entries = sum(p.read_text(encoding="utf-8").count("\nmsgid ") - 1 for p in (folder / "tt-pot").rglob("*.pot"))
    print(f"corpus: {args.items} generated news items in {folder}; best of {args.repeat} runs")
    print(f"templates: ours {units} files, {ours_entries} entries (sentences, placeholders); "
          f"html2po {tt_entries} entries (blocks)")
    print_rows(("tool", "seconds", "peak MiB"), [(name, seconds, rss / 1024) for name, (seconds, rss) in runs.items()])
    base = runs["html2po --pot"][0]
    for name, (seconds, _) in runs.items():
        if name != "html2po --pot":
            print(f"speed-up of {name} over html2po --pot: {base / seconds:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
