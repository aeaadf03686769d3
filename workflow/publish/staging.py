"""The build's files on their way to `output/`: staged beside their targets, committed together at the end.

A page, index or asset is staged only when its bytes differ from the file there now (see `fsio.stage`).
Temp files and fresh folders a killed build left behind are found in the listing of `output/` and removed
once they are an hour old.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from workflow.fsio import Staged, StagedFiles, is_temp_name, remove_if_stale, remove_stale_temps, stage
from workflow.publish.item_files import FILES
from workflow.publish.state import BuildState
from workflow.settings import Settings


def stage_into(staged: list[Staged] | StagedFiles, path: Path, data: bytes | Iterable[bytes]) -> None:
    """Stage a file of the build (unless it already holds these bytes); the build commits them all at once."""
    entry = stage(path, data)
    if entry is not None:
        staged.append(entry)


def stage_assets(settings: Settings, output: Path, staged: StagedFiles) -> None:
    """The project's `source/assets/` as `output/assets/`."""
    source = settings.source_dir / "assets"
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            stage_into(staged, output / "assets" / path.relative_to(source), path.read_bytes())


def stage_item_files(settings: Settings, state: BuildState, output: Path,
                     references: dict[str, tuple[str, int]], staged: StagedFiles) -> tuple[list[str], list[Path]]:
    """The files published pages refer to (path under source/ → the source that refers to it first, and the
    line), copied to output/files/ when new or changed (assets are copied whole by `stage_assets`). The
    warnings for files that are missing, and the copies no published page refers to any more."""
    warnings = []
    for path, (source, line) in sorted(references.items()):
        origin = settings.source_dir / path
        if not origin.is_file():
            warnings.append(f"{source}:{line}: {path} is referenced but missing from source/; add the file or "
                            "fix the reference (the page links to it as it is)")
            continue
        if path.startswith("assets/"):
            continue
        key = f"{FILES}/{path}"
        digest = state.digest_of(origin)
        target = output / key
        if state.pages.get(key) != digest or not target.is_file():
            stage_into(staged, target, origin.read_bytes())
            state.pages[key] = digest
    stale = [key for key in state.pages if key.startswith(f"{FILES}/") and key[len(FILES) + 1:] not in references]
    for key in stale:
        del state.pages[key]
    return warnings, [output / key for key in stale]


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
