"""Shared by the benchmarks: synthetic news items shaped like the sample, settings, and process timing."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

SUBJECTS = ["The OSCE Secretariat", "The Chairpersonship", "The Mission to Serbia", "The Programme Office in Astana",
            "Ambassador Neil Holland", "The Conflict Prevention Centre", "Amb. Alena Kupchyna", "Participants",
            "The Transnational Threats Department", "Experts from the U.S. Department of State"]
VERBS = ["discussed", "reviewed", "highlighted", "launched", "supported", "addressed", "presented", "examined"]
OBJECTS = ["border security and management", "the protection of cultural property", "cyber/ICT security",
           "approx. 27 million euros in seized assets", "the rule of law", "media freedom", "gender equality",
           "co-operation between national border services", "No. 3 of the Ministerial Council decisions",
           "the use of biometrics in travel document security"]
PLACES = ["Ukraine", "Kazakhstan", "Slovenia", "Malta", "Spain", "Moldova", "Georgia", "Mongolia", "Albania",
          "North Macedonia", "Tajikistan", "Uzbekistan"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def sentence(rng: random.Random) -> str:
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS)]
    obj = rng.choice(OBJECTS)
    kind = rng.random()
    if kind < 0.25:
        obj = f'<a href="/topics/{rng.randrange(1000)}">{obj}</a>'
    elif kind < 0.4:
        obj = f"<em>{obj}</em>"
    parts.append(obj)
    if rng.random() < 0.5:
        parts.append(f"in {rng.choice(PLACES)}")
    if rng.random() < 0.3:
        parts.append(f"on {rng.randrange(1, 28)} {rng.choice(MONTHS)}")
    if rng.random() < 0.2:
        parts.append(f"with support from {rng.choice(PLACES)} and {rng.choice(PLACES)}")
    return " ".join(parts) + rng.choice([".", ".", ".", "!"])


def item_html(index: int, rng: random.Random) -> str:
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} ({index})"
    body = "\n".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randrange(2, 6)))}</p>" for _ in range(rng.randrange(5, 10)))
    states = "\n".join(f'<li><a href="/states/{p.lower()}">{p}</a></li>' for p in PLACES)
    day = 1 + index % 28
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="description" content="{sentence(rng).replace('<', '').replace('>', '')}"></head>
<body><main><article>
<h1>{title}</h1>
<p class="lead">{sentence(rng)} {sentence(rng)}</p>
<dl><dt>Issued on:</dt><dd><time datetime="2025-10-{day:02d}">{day} October 2025</time></dd>
<dt>Issued by:</dt><dd><a href="/secretariat">OSCE Secretariat</a></dd></dl>
<figure><img src="/img/{index}.jpg" alt="{rng.choice(SUBJECTS)} at a meeting"><figcaption>{sentence(rng)}</figcaption></figure>
{body}
</article>
<aside><h2>Participating States</h2><ul>{states}</ul></aside>
</main></body></html>
"""


def generate(folder: Path, count: int) -> Path:
    """Write `count` items (deterministic for a given count) and a project settings file."""
    source = folder / "source"
    if source.is_dir() and len(list(source.glob("*.html"))) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    source.mkdir(parents=True)
    rng = random.Random(count)
    for index in range(count):
        (source / f"news-{index:05d}.html").write_text(item_html(index, rng), encoding="utf-8")
    return folder




PEAK = Path(__file__).resolve().parent / "peak.py"


def measure(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one process (with the workers it waited for), started from a small
    launcher (see peak.py) so that the figure is the command's own, not this script's.

    Untimed first: what earlier steps left unwritten is flushed, so that no run pays for another's files. Our
    commit flushes the disk and would write them out too; a tool that never flushes would share the disk
    with their write-back (`bench-scale` writes 850 MB of pseudo-translated catalogs just before `po2html`)."""
    os.sync()
    process = subprocess.run([sys.executable, "-S", str(PEAK), *command], cwd=cwd, capture_output=True)
    if process.returncode != 0:
        error = process.stderr.decode(errors="replace")
        raise SystemExit(f"{command[0]} failed ({process.returncode}): {error[-2000:]}")
    seconds, peak = process.stdout.decode().split()[-2:]
    return float(seconds), int(peak)


def best_in_turns(repeat: int, plan: list[tuple[str, Callable[[], None] | None, list[list[str]]]],
                  cwd: Path) -> dict[str, tuple[float, int]]:
    """Run every entry of the plan (name, preparation, commands timed together) once per round, `repeat`
    rounds; each entry's best time and its peak RSS (KiB).

    The tools take turns rather than each running all its rounds in a row: this machine's speed drifts by a
    third from minute to minute, and taking turns lets every tool meet the same slow and fast stretches.
    """
    results: dict[str, list[tuple[float, int]]] = {name: [] for name, _, _ in plan}
    for _ in range(repeat):
        for name, prepare, commands in plan:
            if prepare is not None:
                prepare()
            seconds, peak = 0.0, 0
            for command in commands:
                elapsed, rss = measure(command, cwd)
                seconds, peak = seconds + elapsed, max(peak, rss)
            results[name].append((seconds, peak))
    return {name: (min(r[0] for r in runs), max(r[1] for r in runs)) for name, runs in results.items()}


def settings(folder: Path, locales: list[str]) -> None:
    quoted = ", ".join(f'"{locale}"' for locale in locales)
    (folder / "workflow.toml").write_text(f'[project]\nname = "Bench"\ntarget_locales = [{quoted}]\n')




def print_rows(header: tuple[str, str, str], rows: list[tuple[str, float, float]], width: int = 50) -> None:
    """A results table: a name, seconds, and a third figure (peak MiB or request count)."""
    print(f"{header[0]:<{width}} {header[1]:>8} {header[2]:>9}")
    for name, seconds, figure in rows:
        shown = f"{figure:9.1f}" if isinstance(figure, float) else f"{figure:9d}"
        print(f"{name:<{width}} {seconds:8.2f} {shown}")


def set_aside(path: Path, trash: Path) -> None:
    """Move a previous run's output into `trash` instead of deleting it before the next timed run.

    On some disks (ext4 mounted with `discard`, for one) deleting thousands of files makes the files created
    in the following seconds several times slower to create, so the timed run would pay for the clean-up of
    the run before it. `trash` is deleted once every run is timed (`empty_trash`).
    """
    if path.exists():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


def empty_trash(trash: Path) -> None:
    shutil.rmtree(trash, ignore_errors=True)
