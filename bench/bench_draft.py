"""Benchmark: a `workflow draft` pass against deep-translator's own sequential `translate_batch`.

    python3 run.py bench-draft [--units 1000] [--latency 0.05] [--concurrency 16] [--memory 100000]

Both talk to the same local LibreTranslate-compatible server (tests/libre_server.py) on 127.0.0.1, which
waits `latency` seconds before every answer, as a real service would. Times deep-translator's
`LibreTranslator.translate_batch` over the units, then `workflow draft` over a catalog holding the same
units, then a second `workflow draft` (which must send nothing). Prints the ratio and the request counts.

Then the fuzzy memory lookup: a memory of `--memory` segments (a TMX written here, taken in with
`workflow tm import`) whose sentences are near but not equal to the units, and `workflow draft --engine
memory` over the same catalog, which finds a fuzzy match for each unit; timed whole, and the lookups alone
in this process (the index built once, then a lookup per unit), beside rapidfuzz's extractOne over the whole
memory for the same units (what the length window saves).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from common import measure, print_rows  # noqa: E402  (the bench folder is not a package)
from libre_server import LibreServer  # noqa: E402

TOPICS = ["border security", "media freedom", "election observation", "cyber security", "gender equality",
          "arms control", "the rule of law", "migration", "youth participation", "policing"]


def sentence(number: int) -> str:
    return (f"Report {number} describes how the mission supported {TOPICS[number % len(TOPICS)]} "
            f"in region {number // len(TOPICS)} during the spring session.")


def near(number: int) -> str:
    """A memory sentence near `sentence(number)` (one word changed: about 0.9 alike)."""
    return sentence(number).replace("spring session", "autumn session")


def fuzzy_memory(folder: Path, texts: list[str], size: int) -> None:
    """Time the fuzzy lookups of a draft pass against a memory of `size` segments."""
    from workflow.exchange.tmx import MemoryUnit, write_tmx
    from workflow.mt.memory import TranslationMemory

    memory_file = folder / "big-memory.tmx"
    pairs = [(near(n), f"Le rapport {n} décrit le travail de la mission, session d’automne.") for n in range(size)]
    memory_file.write_bytes(write_tmx((MemoryUnit(s, t, "fr") for s, t in pairs), "en"))
    workflow = [sys.executable, "-m", "workflow", "--root", str(folder)]
    imported, _ = measure(workflow + ["tm", "import", str(memory_file)], folder)
    for path in (folder / "locales" / "fr").glob("*.po"):  # the engine's drafts of the first part go
        path.unlink()
    measure(workflow + ["extract"], folder)
    drafted, peak = measure(workflow + ["draft", "--locale", "fr", "--engine", "memory"], folder)
    start = time.perf_counter()
    index = TranslationMemory((s, t, "m") for s, t in pairs)
    built = time.perf_counter() - start
    start = time.perf_counter()
    found = sum(index.fuzzy(text, 0.75) is not None for text in texts)
    lookups = time.perf_counter() - start
    from rapidfuzz import fuzz, process

    sources = [s for s, _ in pairs]
    sample = texts[:100]
    start = time.perf_counter()
    for text in sample:
        process.extractOne(text, sources, scorer=fuzz.ratio, score_cutoff=75)
    whole = (time.perf_counter() - start) * len(texts) / len(sample)
    print(f"\nfuzzy memory: {size:,} segments, {len(texts)} units, {found} fuzzy matches")
    print_rows(("run", "seconds", "peak MiB"),
               [("workflow tm import (parse, map, write)", imported, 0.0),
                ("workflow draft --engine memory (whole pass)", drafted, peak / 1024),
                ("  index built (in process)", built, 0.0),
                (f"  {len(texts)} fuzzy lookups (in process)", lookups, 0.0),
                (f"  extractOne over the whole memory (from {len(sample)})", whole, 0.0)])
    print(f"length-windowed lookups {whole / lookups:.1f}x faster than scanning the whole memory")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server waits per request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--memory", type=int, default=100_000, help="segments of the fuzzy-memory benchmark")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "workflow-bench-draft")
    args = parser.parse_args()
    folder = args.dir
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "source").mkdir(parents=True)
    texts = [sentence(n) for n in range(args.units)]
    body = "\n".join(f"<p>{text}</p>" for text in texts)
    (folder / "source" / "units.html").write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    os.environ.setdefault("LIBRE_API_KEY", "local-bench-key")
    with LibreServer() as server:
        server.behaviour.latency = args.latency
        (folder / "workflow.toml").write_text(
            f'[project]\nname = "Bench"\ntarget_locales = ["fr"]\nsegmentation = "block"\n'
            f'[draft]\nengine = "libre"\nconcurrency = {args.concurrency}\n[draft.libre]\nurl = "{server.url}"\n',
            encoding="utf-8")
        workflow = [sys.executable, "-m", "workflow", "--root", str(folder)]
        measure(workflow + ["extract"], folder)

        from deep_translator import LibreTranslator

        baseline = LibreTranslator(source="en", target="fr", api_key=os.environ["LIBRE_API_KEY"],
                                   custom_url=server.url)
        start = time.perf_counter()
        baseline.translate_batch(texts)
        theirs = time.perf_counter() - start
        theirs_requests = server.behaviour.requests

        server.behaviour.requests = 0
        ours, peak = measure(workflow + ["draft", "--locale", "fr"], folder)
        ours_requests = server.behaviour.requests
        server.behaviour.requests = 0
        again, _ = measure(workflow + ["draft", "--locale", "fr", "--refresh-drafts"], folder)
        again_requests = server.behaviour.requests
    print(f"{args.units} unique units, server latency {args.latency * 1000:.0f} ms per request, "
          f"workflow concurrency {args.concurrency}")
    print_rows(("run", "seconds", "requests"),
               [("deep-translator translate_batch (sequential)", theirs, theirs_requests),
                ("workflow draft", ours, ours_requests),
                ("workflow draft --refresh-drafts, second run", again, again_requests)])
    print(f"peak memory of the draft pass: {peak / 1024:.1f} MiB")
    print(f"speed-up over translate_batch: {theirs / ours:.1f}x; requests on the second run: {again_requests}")
    fuzzy_memory(folder, texts, args.memory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
