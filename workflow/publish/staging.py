"""The build's files on their way to `output/`: staged beside their targets, committed together at the end.

A page, index or asset is staged only when its bytes differ from the file there now (see `fsio.stage`).
Temp files and fresh folders a killed build left behind are found in the listing of `output/` and removed
once they are an hour old.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflow.fsio import Staged, is_temp_name, remove_if_stale, remove_stale_temps, stage
from workflow.settings import Settings


def stage_into(staged: list[Staged], path: Path, data: bytes) -> None:
    """Stage a file of the build (unless it already holds these bytes); the build commits them all at once."""
    entry = stage(path, data)
    if entry is not None:
        staged.append(entry)


def stage_assets(settings: Settings, output: Path, staged: list[Staged]) -> None:
    """The project's `source/assets/` as `output/assets/`."""
    source = settings.source_dir / "assets"
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            stage_into(staged, output / "assets" / path.relative_to(source), path.read_bytes())


def remove_stale_build_temps(output: Path, existing: set[str]) -> None:
    """Temp files that a killed build left among the pages (found in the listing already made), fresh folders
    it left in output/, and its temp files in the assets."""
    for name in [name for name in existing if "/." in name and is_temp_name(name.split("/", 1)[1])]:
        if remove_if_stale(output / name):
            existing.discard(name)
    try:
        for name in os.listdir(output):
            if is_temp_name(name):
                remove_if_stale(output / name)
    except FileNotFoundError:
        return
    remove_stale_temps(output / "assets")


def existing_pages(output: Path, locales: tuple[str, ...]) -> set[str]:
    """"<locale>/<name>" of every file in the locales' output folders: one listing instead of a stat per page."""
    found = set()
    for locale in locales:
        try:
            found.update(f"{locale}/{name}" for name in os.listdir(output / locale))
        except FileNotFoundError:
            pass
    return found
