"""`workflow tm`: the project's translations as TMX for CAT tools, and external memories taken in for drafts.

Exported: every reviewed translation of a locale (fuzzy entries and machine drafts only when asked), with the
item, the unit's place and its provenance. Imported: a TMX file of any tool becomes `memory/<name>.tmx`,
rewritten by this tool with only the segments whose inline codes map to placeholders (the others are counted
and named by line); `workflow draft` takes its exact and fuzzy matches from there after the project's own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.exchange.tmx import MemoryRead, MemoryUnit, read_tmx, write_tmx
from workflow.fsio import write_atomic
from workflow.lock import writes_project
from workflow.po import MACHINE_DRAFT, Entry, is_machine_draft, read_po
from workflow.segment import catalog_paths, placeholder_problem
from workflow.settings import Settings, relative

MEMORY_DIR = "memory"


@dataclass(frozen=True, slots=True)
class TmExportReport:
    path: str
    units: int
    left_out: dict[str, int]  # why → how many entries (fuzzy, machine draft, placeholders differ)


@dataclass(frozen=True, slots=True)
class TmImportReport:
    name: str
    path: str
    units: dict[str, int]               # target language → units taken
    skipped: tuple[tuple[int | None, str], ...]
    replaced: bool


@dataclass(frozen=True, slots=True)
class MemoryInfo:
    name: str
    path: str
    units: dict[str, int]   # target language → units


def _origin(comments: tuple[str, ...], fuzzy: bool) -> str:
    draft = next((c for c in comments if c.startswith(MACHINE_DRAFT)), "")
    return draft or ("fuzzy" if fuzzy else "reviewed")


def _why_left_out(entry: Entry, include_fuzzy: bool, include_drafts: bool, locale: str) -> str:
    if is_machine_draft(entry):
        return "" if include_drafts else "machine draft"
    if entry.fuzzy and not include_fuzzy:
        return "fuzzy"
    if placeholder_problem(entry.msgid, entry.msgstr, locale, entry.extracted_comments):
        return "placeholders differ from the source"
    return ""


def export_units(settings: Settings, locale: str, items: tuple[str, ...] = (), include_fuzzy: bool = False,
                 include_drafts: bool = False) -> tuple[list[MemoryUnit], dict[str, int]]:
    """The locale's translations as memory units, and how many entries were left out, by reason."""
    units: list[MemoryUnit] = []
    left_out: dict[str, int] = {}
    for path in catalog_paths(settings, locale, items):
        for entry in read_po(path).entries:
            if entry.obsolete or not entry.msgid or not entry.msgstr or entry.msgid_plural is not None:
                continue
            why = _why_left_out(entry, include_fuzzy, include_drafts, locale)
            if why:
                left_out[why] = left_out.get(why, 0) + 1
                continue
            props = [("x-item", path.stem), ("x-catalog", relative(path, settings.root))]
            if entry.references:
                props.append(("x-reference", entry.references[0]))
            if entry.msgctxt is not None:
                props.append(("x-context", entry.msgctxt))
            props.append(("x-origin", _origin(entry.translator_comments, entry.fuzzy)))
            units.append(MemoryUnit(entry.msgid, entry.msgstr, locale, tuple(props)))
    return units, left_out


def tm_export(settings: Settings, locale: str, items: tuple[str, ...] = (), output: Path | None = None,
              include_fuzzy: bool = False, include_drafts: bool = False, inline: bool = True) -> TmExportReport:
    """Write the locale's reviewed translations as TMX 1.4b (to `output`, or exports/<locale>.tmx), the
    placeholders as inline elements (or, `inline` False, as text)."""
    settings.chosen_locales((locale,))
    units, left_out = export_units(settings, locale, items, include_fuzzy, include_drafts)
    path = output if output is not None else settings.root / "exports" / f"{locale}.tmx"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, write_tmx(units, settings.source_locale, inline))
    return TmExportReport(relative(path.resolve(), settings.root), len(units), left_out)


def memory_name(file: Path) -> str:
    """The name an imported memory is kept under: its file name, in letters, digits, '.', '_' and '-'."""
    return re.sub(r"[^a-z0-9._-]+", "-", file.stem.lower()).strip(".-") or "memory"


@writes_project
def tm_import(settings: Settings, file: Path, locale: str | None = None) -> TmImportReport:
    """Take a TMX file into the project as memory/<name>.tmx, with the segments that serve `locale` (or every
    target locale) and whose inline codes map to placeholders."""
    locales = settings.chosen_locales((locale,)) if locale else settings.chosen_locales()
    found: MemoryRead = read_tmx(file, locales, settings.source_locale)
    if not found.units:
        languages = ", ".join(sorted(found.languages)) or "none"
        raise WorkflowError(file, None, f"no segment for {', '.join(locales)} that can be used "
                            f"(languages in the file: {languages}; {len(found.skipped)} segments skipped)",
                            "export the memory for one of the project's target languages, or pass --locale")
    name = memory_name(file)
    target = settings.root / MEMORY_DIR / f"{name}.tmx"
    replaced = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    units = [MemoryUnit(u.source, u.target, u.language, (*u.props, ("x-file", file.name))) for u in found.units]
    write_atomic(target, write_tmx(units, settings.source_locale))
    counts = dict(Counter(unit.language for unit in found.units))
    return TmImportReport(name, relative(target, settings.root), counts, tuple(found.skipped), replaced)


def memory_files(settings: Settings) -> list[Path]:
    folder = settings.root / MEMORY_DIR
    return sorted(folder.glob("*.tmx")) if folder.is_dir() else []


def tm_list(settings: Settings) -> list[MemoryInfo]:
    """The memories the project holds, with their units by language."""
    listed = []
    for path in memory_files(settings):
        counts = dict(Counter(unit.language for unit in read_tmx(path, (), settings.source_locale).units))
        listed.append(MemoryInfo(path.stem, relative(path, settings.root), counts))
    return listed


def imported_units(settings: Settings, locale: str) -> list[tuple[MemoryUnit, str]]:
    """Every imported memory's units for `locale`, with the memory's path (for the draft's note)."""
    return [(unit, relative(path, settings.root)) for path in memory_files(settings)
            for unit in read_tmx(path, (locale,), settings.source_locale).units]
