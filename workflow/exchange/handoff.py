"""`workflow export --format xliff` and `workflow import`: work handed to CAT tools, and taken back.

Taken back by the build's rule: a translation whose placeholders do not match its unit's source is rejected
with the reason. A unit whose source changed since the export goes to the most similar unit of the catalog
now (at least `[draft] min_similarity` alike, placeholders matching), as fuzzy, with the exported source as
`#|` previous msgid. A translation the catalog holds that is newer than the returned file's (edited after the
export) is not overwritten without `overwrite`. Every catalog is checked first and then written together,
so a bad file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.exchange.xliff import NEW, TRANSLATED, read_xliff, text_digest, write_xliff
from workflow.fsio import Staged, commit, discard, stage, write_atomic
from workflow.lock import writes_project
from workflow.po import MACHINE_DRAFT, MEMORY_MATCH, Catalog, Entry, read_po, serialize
from workflow.po.reader import parse_po
from workflow.segment import catalog_paths, placeholder_problem
from workflow.settings import Settings, relative

_REVIEWED = {TRANSLATED, "final", "signed-off"}


@dataclass(frozen=True, slots=True)
class XliffExportReport:
    path: str
    catalogs: int
    units: dict[str, int]  # state → units


def export_xliff(settings: Settings, locale: str, items: tuple[str, ...] = (), output: Path | None = None
                 ) -> XliffExportReport:
    """Write the locale's catalogs as one XLIFF 1.2 file (to `output`, or exports/<locale>.xlf)."""
    settings.chosen_locales((locale,))
    catalogs, counts = [], {}
    for path in catalog_paths(settings, locale, items):
        entries = tuple(e for e in read_po(path).entries if not e.obsolete and e.msgid and e.msgid_plural is None)
        catalogs.append((relative(path, settings.root), entries))
        for entry in entries:
            state = NEW if not entry.msgstr else "fuzzy" if entry.fuzzy else TRANSLATED
            counts[state] = counts.get(state, 0) + 1
    path = output if output is not None else settings.root / "exports" / f"{locale}.xlf"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, write_xliff(catalogs, settings.source_locale, locale))
    return XliffExportReport(relative(path.resolve(), settings.root), len(catalogs), counts)


@dataclass(frozen=True, slots=True)
class Returned:
    """One unit as a tool returned it, for any file format."""

    context: str | None
    source: str
    target: str
    fuzzy: bool
    exported: str | None  # digest of the translation the export held (XLIFF), None when unknown
    line: int | None


@dataclass
class ImportReport:
    taken: list[tuple[str, str]] = field(default_factory=list)            # (catalog, source)
    rejected: list[tuple[str, int | None, str]] = field(default_factory=list)  # (file, line, reason)
    skipped: list[tuple[str, int | None, str]] = field(default_factory=list)
    unchanged: int = 0
    written: list[str] = field(default_factory=list)


def _language_of(catalog: Catalog) -> str:
    return (catalog.header_value("Language") or "").replace("_", "-")


def _returned_po(settings: Settings, file: Path) -> list[tuple[Path, list[Returned], bool | None]]:
    """A PO file back from a tool: its catalog (by its name and Language header) and its units, and whether
    it is older than the catalog (by PO-Revision-Date)."""
    returned = parse_po(file.read_bytes(), file)
    locale = _language_of(returned) or file.parent.name
    if locale not in settings.target_locales:
        raise WorkflowError(file, None, f"its Language {locale or '(none)'!r} is not a target locale",
                            "set the Language header to one of " + ", ".join(settings.target_locales))
    target = settings.po_path(locale, file.stem)
    if not target.exists():
        raise WorkflowError(file, None, f"no catalog {relative(target, settings.root)} to take it into",
                            "keep the file's name as exported (<item>.po), or run `workflow extract` first")
    current = read_po(target)
    older = (returned.header_value("PO-Revision-Date") or "") < (current.header_value("PO-Revision-Date") or "")
    units = [Returned(e.msgctxt, e.msgid, e.msgstr, e.fuzzy, None, e.line) for e in returned.entries
             if not e.obsolete and e.msgid and e.msgstr and e.msgid_plural is None]
    return [(target, units, older)]


def _returned_xliff(settings: Settings, file: Path, report: ImportReport) -> list[tuple[Path, list[Returned], None]]:
    found = []
    for part in read_xliff(file):
        locale = part.locale
        item = Path(part.original).name.removesuffix(".po")
        if locale not in settings.target_locales or not item:
            raise WorkflowError(file, None, f"a <file> for {locale!r} ({part.original!r}) is not a catalog of "
                                "this project", "import only files exported from this project")
        target = settings.po_path(locale, item)
        if not target.exists():
            raise WorkflowError(file, None, f"no catalog {relative(target, settings.root)} to take it into",
                                "run `workflow extract` first")
        for line, reason in part.refused:
            report.rejected.append((str(file), line, reason))
        units = [Returned(u.context, u.source, u.target or "", u.state not in _REVIEWED, u.exported, u.line)
                 for u in part.units if u.target]
        found.append((target, units, None))
    return found


@writes_project
def import_files(settings: Settings, files: tuple[Path, ...], overwrite: bool = False) -> ImportReport:
    """Take translations back from XLIFF or PO files into the project's catalogs."""
    min_similarity = settings.min_similarity
    report = ImportReport()
    work: dict[Path, list[tuple[Path, list[Returned], bool | None]]] = {}
    for file in files:
        if not file.is_file():
            raise WorkflowError(file, None, "no such file", "give the path of a returned .xlf, .xliff or .po file")
        parts = _returned_po(settings, file) if file.suffix == ".po" else _returned_xliff(settings, file, report)
        work[file] = parts
    catalogs: dict[Path, tuple[Catalog, list[Entry]]] = {}  # each catalog read once, with its entries as merged
    changed: set[Path] = set()
    for file, parts in work.items():
        for target, units, older in parts:
            if target not in catalogs:
                catalog = read_po(target)
                catalogs[target] = (catalog, list(catalog.entries))
            if _merge(settings, file, target, catalogs[target][1], units, older, overwrite, min_similarity, report):
                changed.add(target)
    staged: list[Staged] = []
    try:
        for target in sorted(changed):
            catalog, entries = catalogs[target]
            entry = stage(target, serialize(replace(catalog, entries=tuple(entries)), settings.wrap))
            if entry is not None:
                staged.append(entry)
                report.written.append(relative(target, settings.root))
        commit(staged)
    except BaseException:
        discard(staged)
        raise
    return report


def _closest(entries: list[Entry], unit: Returned, min_similarity: float) -> int | None:
    """The index of the catalog entry most like a unit whose source is no longer in the catalog."""
    from rapidfuzz import fuzz, process

    choices = {index: entry.msgid for index, entry in enumerate(entries) if not entry.obsolete and entry.msgid}
    best = process.extractOne(unit.source, choices, scorer=fuzz.ratio, score_cutoff=min_similarity * 100)
    return best[2] if best else None


def _merge(settings: Settings, file: Path, target: Path, entries: list[Entry], units: list[Returned],
           older: bool | None, overwrite: bool, min_similarity: float, report: ImportReport) -> bool:
    """Merge one catalog's returned units into `entries`; True when an entry changed."""
    locale = target.parent.name
    where = {entry.key: index for index, entry in enumerate(entries) if not entry.obsolete}
    changed = False
    for unit in units:
        index = where.get((unit.context, unit.source))
        moved = index is None
        if moved:
            index = _closest(entries, unit, min_similarity)
            if index is None:
                report.skipped.append((str(file), unit.line, f"its source is no longer in {target.name}: "
                                       f"{unit.source[:60]!r}"))
                continue
        current = entries[index]
        problem = placeholder_problem(current.msgid, unit.target, locale, current.extracted_comments)
        if problem:
            report.rejected.append((str(file), unit.line, f"{problem}: {unit.source[:60]!r}"))
            continue
        fuzzy = unit.fuzzy or moved
        if current.msgstr == unit.target and current.fuzzy == fuzzy:
            report.unchanged += 1
            continue
        # The catalog's translation is newer when it is not the one exported (XLIFF), or when the catalog was
        # revised after the returned file (PO); an XLIFF unit that lost its export mark counts as older.
        exported = unit.exported is not None and text_digest(current.msgstr) == unit.exported
        newer = current.msgstr and current.msgstr != unit.target and (older if older is not None else not exported)
        if newer and not overwrite:
            report.skipped.append((str(file), unit.line, f"{target.name} has a newer translation (kept; "
                                   f"--overwrite replaces it): {unit.source[:60]!r}"))
            continue
        comments = tuple(c for c in current.translator_comments if not c.startswith((MACHINE_DRAFT, MEMORY_MATCH)))
        flags = tuple(f for f in current.flags if f != "fuzzy") + (("fuzzy",) if fuzzy else ())
        entries[index] = replace(current, msgstr=unit.target, flags=flags, translator_comments=comments,
                                 previous_msgid=unit.source if moved else current.previous_msgid)
        report.taken.append((relative(target, settings.root), current.msgid))
        changed = True
    return changed
