"""Benchmark: a `workflow draft` pass against deep-translator's own sequential `translate_batch`.

    python3 run.py bench-draft [--units 1000] [--latency 0.05] [--concurrency 16]

Both talk to the same local LibreTranslate-compatible server (tests/libre_server.py) on 127.0.0.1, which
waits `latency` seconds before every answer, as a real service would. Times deep-translator's
`LibreTranslator.translate_batch` over the units, then `workflow draft` over a catalog holding the same
units, then a second `workflow draft` (which must send nothing). Prints the ratio and the request counts.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server waits per request")
    parser.add_argument("--concurrency", type=int, default=16)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
