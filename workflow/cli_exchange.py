"""The command line of the exchange with CAT tools: `tm`, `export` and `import` (parse, call, print).

Kept beside cli.py, which registers these commands and maps their errors to exit statuses like every other's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workflow.settings import load_settings

EXIT_OK, EXIT_ERROR = 0, 1


def _tm(args: argparse.Namespace) -> int:
    from workflow.exchange import tm_export, tm_import, tm_list

    settings = load_settings(args.root)
    if args.action == "export":
        report = tm_export(settings, args.locale, tuple(args.item or ()), args.output, args.fuzzy, args.drafts,
                           inline=args.placeholders == "inline")
        left = "; ".join(f"{count} {why}" for why, count in sorted(report.left_out.items()))
        print(f"tm export: {report.units} translations -> {report.path}" + (f" (left out: {left})" if left else ""))
    elif args.action == "import":
        report = tm_import(settings, args.file, args.locale, wait_for_lock=args.wait)
        for line, reason in report.skipped[:20]:
            print(f"skipped  {args.file}{f':{line}' if line else ''}: {reason}")
        units = ", ".join(f"{count} {language}" for language, count in sorted(report.units.items()))
        print(f"tm import: {units} -> {report.path}{' (replaced)' if report.replaced else ''}; "
              f"{len(report.skipped)} segments skipped")
    else:
        memories = tm_list(settings)
        for memory in memories:
            units = ", ".join(f"{count} {language}" for language, count in sorted(memory.units.items()))
            print(f"{memory.name:<24} {memory.path}: {units}")
        print(f"tm list: {len(memories)} memories")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from workflow.exchange.handoff import export_xliff

    settings = load_settings(args.root)
    report = export_xliff(settings, args.locale, tuple(args.item or ()), args.output)
    states = ", ".join(f"{count} {state}" for state, count in sorted(report.units.items()))
    print(f"export: {report.catalogs} catalogs ({states}) -> {report.path}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from workflow.exchange.handoff import import_files

    settings = load_settings(args.root)
    report = import_files(settings, tuple(args.file), overwrite=args.overwrite, wait_for_lock=args.wait)
    for catalog, msgid in report.taken if args.verbose or len(report.taken) <= 40 else ():
        print(f"taken    {catalog}: {msgid[:70]!r}")
    for file, line, reason in report.rejected:
        print(f"rejected {file}{f':{line}' if line else ''}: {reason}")
    for file, line, reason in report.skipped:
        print(f"skipped  {file}{f':{line}' if line else ''}: {reason}")
    for path in report.written:
        print(f"written  {path}")
    print(f"import: {len(report.taken)} taken, {len(report.rejected)} rejected, {len(report.skipped)} skipped, "
          f"{report.unchanged} unchanged")
    return EXIT_ERROR if report.rejected else EXIT_OK


def _what_and_where(command: argparse.ArgumentParser, suffix: str) -> None:
    """--locale, --item and -o of the two exports."""
    command.add_argument("--locale", required=True, metavar="L", help="target locale (BCP 47)")
    command.add_argument("--item", action="append", metavar="ID", help="only this item; repeatable")
    command.add_argument("-o", "--output", type=Path, metavar="FILE",
                         help=f"where to write (default exports/L.{suffix})")


def add_tm(commands: argparse._SubParsersAction, wait_option) -> None:  # type: ignore[no-untyped-def]
    tm_cmd = commands.add_parser(
        "tm", help="translation memory as TMX: export the project's, import an external one, list them",
        description="`tm export --locale L` writes TMX 1.4b of the locale's reviewed translations (placeholders as "
                    "<bpt>/<ept>/<ph>, the item, place and provenance as properties; fuzzy entries and machine "
                    "drafts only when asked). `tm import FILE.tmx` keeps an external memory under memory/ for "
                    "`workflow draft` (its exact and fuzzy matches); segments whose inline codes do not map to "
                    "placeholders are skipped and counted. `tm list` shows the memories.")
    actions = tm_cmd.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write a locale's translations as TMX")
    _what_and_where(export, "tmx")
    export.add_argument("--fuzzy", action="store_true", help="include fuzzy entries that are not machine drafts")
    export.add_argument("--drafts", action="store_true", help="include machine drafts")
    export.add_argument("--placeholders", choices=("inline", "text"), default="inline",
                        help="inline: TMX inline elements (default); text: as written in the catalogs (TMX "
                             "level 1), which OmegaT matches its own tags against")
    imported = actions.add_parser("import", help="keep an external TMX memory in the project")
    imported.add_argument("file", type=Path, help="the .tmx file")
    imported.add_argument("--locale", metavar="L", help="only this target locale (default: every target locale)")
    wait_option(imported)
    actions.add_parser("list", help="the memories the project holds")
    tm_cmd.set_defaults(handler=_tm)


def add_export(commands: argparse._SubParsersAction) -> None:
    export_cmd = commands.add_parser(
        "export", help="write a locale's catalogs as XLIFF 1.2 for CAT tools",
        description="Write every catalog of a locale (or of the chosen items) as one XLIFF 1.2 file: placeholders "
                    "as <g>/<x> inline codes, notes, locations, and states from the PO (untranslated: new; "
                    "fuzzy: needs-review-translation; translated: translated, approved). Bring it back with "
                    "`workflow import`.")
    export_cmd.add_argument("--format", choices=("xliff",), default="xliff", help="file format (XLIFF 1.2)")
    _what_and_where(export_cmd, "xlf")
    export_cmd.set_defaults(handler=_export)


def add_import(commands: argparse._SubParsersAction, wait_option) -> None:  # type: ignore[no-untyped-def]
    import_cmd = commands.add_parser(
        "import", help="take translations back from XLIFF or PO files a CAT tool returned",
        description="Merge the translations of returned XLIFF files (from `workflow export`) or PO files into the "
                    "catalogs. A translation whose placeholders do not match its source is rejected with the "
                    "reason (exit status 1); a unit whose source changed since the export becomes fuzzy on the "
                    "closest unit now; a translation edited in the catalog since the export is kept unless "
                    "--overwrite. Nothing is written when a file cannot be read.")
    import_cmd.add_argument("file", type=Path, nargs="+", help=".xlf, .xliff or .po files")
    import_cmd.add_argument("--overwrite", action="store_true",
                            help="replace translations edited in the catalogs since the export")
    import_cmd.add_argument("-v", "--verbose", action="store_true", help="a line per unit taken even for many")
    wait_option(import_cmd)
    import_cmd.set_defaults(handler=_import)
