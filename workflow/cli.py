"""Command line: parse, call one library function, print its report; errors become exit codes here only."""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from workflow import __version__
from workflow.errors import WorkflowError, os_error
from workflow.lock import ProjectBusy
from workflow.settings import load_settings

# Each command imports only the stages it runs: `extract` never loads the build, draft or bundle code
# (nor requests, ICU or Babel's date tables), which keeps a run on a few files quick to start.
if TYPE_CHECKING:
    from workflow.extract import ExtractReport
    from workflow.mt import DraftProgress, DraftReport
    from workflow.publish import BuildReport

# One table for every command (`workflow --help` and the README show it).
EXIT_OK = 0
EXIT_ERROR = 1        # bad input, or problems found (check errors, verify): the message names file, place, fix
EXIT_USAGE = 2        # wrong command line (argparse's own convention)
EXIT_NOT_MET = 3      # --strict: a page held back (build) or warnings (check)
EXIT_STOPPED = 4      # draft: the engine kept failing, refused the key, or the character budget ran out
EXIT_BUSY = 5         # another command holds the project lock (rerun with --wait to queue)
EXIT_INTERNAL = 70    # a bug: one line, the traceback with --debug
EXIT_INTERRUPTED = 130
EXIT_TABLE = ("Exit status: 0 success; 1 bad input or problems found (check errors, verify); 2 usage error; "
              "3 --strict and not met (build: a page held back; check: warnings); 4 draft stopped early; "
              "5 another command is writing to the project; 70 internal error; 130 interrupted.")


def _print_extract(report: ExtractReport, verbose: bool) -> None:
    for warning in report.warnings:
        print(warning, file=sys.stderr)
    # A line per catalog helps on a handful of items; on a thousand it buries the summary.
    detailed = verbose or len(report.items) <= 10
    for item in report.items if detailed else ():
        state = "written" if item.template_written else "unchanged"
        print(f"{item.item}: {item.units} units, {item.entries} entries -> {item.template} ({state})")
        for result in item.locales:
            state = "written" if result.written else "unchanged"
            print(f"  {result.locale:<8} {result.path}: {result.stats.describe()} ({state})")
    for locale, stats in report.totals if not detailed else ():
        print(f"  {locale:<8} {stats.describe()}")
    print(f"extract: {len(report.items)} sources, {report.units} units, {report.files_written} files written")


def _extract(args: argparse.Namespace) -> int:
    from workflow.extract import extract

    settings = load_settings(args.root)
    report = extract(settings, tuple(args.item or ()), tuple(args.locale or ()), workers=args.jobs,
                     force=args.force, wait_for_lock=args.wait)
    _print_extract(report, args.verbose)
    return EXIT_OK


def _print_build(report: BuildReport, verbose: bool) -> None:
    counts: dict[str, int] = {}
    detailed = verbose or len(report.pages) <= 40
    for page in report.pages:
        counts[page.status] = counts.get(page.status, 0) + 1
        if page.status == "held back" and detailed:
            print(f"held back  {page.path}: {page.reason}")
        elif page.status == "built" and detailed:
            print(f"built      {page.path} ({page.reason})")
        for fallback in page.fallbacks:
            print(f"  fallback {page.locale} line {fallback.line}: {fallback.reason}: {fallback.msgid[:60]!r}")
    for site in report.site_fallbacks:
        print(f"  fallback {site.locale} site chrome line {site.line}: {site.reason}: {site.msgid[:60]!r}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    print(f"build: {summary}; {len(report.indexes)} indexes; {report.sitemap}")


def _build(args: argparse.Namespace) -> int:
    from workflow.publish import build

    settings = load_settings(args.root)
    report = build(settings, tuple(args.item or ()), tuple(args.locale or ()), force=args.force, workers=args.jobs,
                   wait_for_lock=args.wait)
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_build(report, args.verbose)
    if args.strict and report.held_back:
        return EXIT_NOT_MET
    return EXIT_OK


class _ProgressBar:
    """Units, characters, rate and ETA: redrawn in place on a terminal, a plain line now and then otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_line = 0.0
        self.open_line = False

    def close(self) -> None:
        """End the bar's line when a pass stopped before its last unit."""
        if self.open_line:
            print(file=sys.stderr)
            self.open_line = False

    def __call__(self, state: DraftProgress) -> None:
        rate = state.done / state.elapsed if state.elapsed > 0 else 0.0
        eta = (state.total - state.done) / rate if rate > 0 else 0.0
        text = (f"{state.done}/{state.total} units, {state.chars_sent:,} chars sent, "
                f"{rate:.1f} units/s, ETA {eta:.0f}s")
        if self.tty:
            width = 24
            filled = int(width * state.done / state.total) if state.total else width
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}", end="", file=sys.stderr, flush=True)
            self.open_line = True
            if state.done == state.total:
                self.close()
        elif state.done == state.total or state.elapsed - self.last_line >= 5:
            self.last_line = state.elapsed
            print(f"draft: {text}", file=sys.stderr, flush=True)


def _print_draft(report: DraftReport) -> None:
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.dry_run:
        print(f"dry run, {report.locale}: {report.needed} units need a translation; "
              f"{report.from_memory + report.from_imported} from translation memory, {report.from_fuzzy} fuzzy "
              f"memory matches, {report.from_cache} from the cache; {report.engine} would receive "
              f"{report.to_send} units, {report.chars_to_send:,} characters. Nothing was sent or written.")
        return
    for rejection in report.rejected:
        print(f"rejected: {rejection.reason}: {rejection.msgid[:70]!r}")
    for path in report.files_written:
        print(f"written  {path}")
    not_sent = f", {report.not_sent} not sent (the pass stopped)" if report.not_sent else ""
    print(f"draft {report.locale} with {report.engine}: {report.needed} units needed; {report.from_memory} from "
          f"the project's memory, {report.from_imported} from imported memories, {report.from_fuzzy} fuzzy "
          f"memory matches ({report.chars_saved:,} characters saved), {report.from_cache} from the cache, "
          f"{report.from_engine} from the engine, {len(report.rejected)} rejected{not_sent}; "
          f"{report.chars_sent:,} characters sent in {report.requests} requests")
    if report.stopped:
        print(f"stopped: {report.stopped}", file=sys.stderr)


def _draft(args: argparse.Namespace) -> int:
    from workflow.mt import draft

    settings = load_settings(args.root)
    bar = _ProgressBar()
    try:
        report = draft(settings, args.locale, args.engine, tuple(args.item or ()), dry_run=args.dry_run,
                       refresh=args.refresh_drafts, max_chars=args.max_chars,
                       progress=None if args.dry_run else bar, wait_for_lock=args.wait)
    finally:
        bar.close()
    _print_draft(report)
    return EXIT_STOPPED if report.stopped else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from workflow.report import check

    settings = load_settings(args.root)
    report = check(settings, tuple(args.locale or ()), tuple(args.item or ()))
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            print(finding)
        print(f"check: {report.files} files, {report.errors} errors, {report.warnings} warnings")
    if report.errors:
        return EXIT_ERROR
    return EXIT_NOT_MET if args.strict and report.warnings else EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from workflow.job import write_dashboard
    from workflow.report import status, status_table

    settings = load_settings(args.root)
    report = status(settings, tuple(args.locale or ()))
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "html":
        print(f"dashboard: {write_dashboard(settings, report)}")
    else:
        print(status_table(report))
    return EXIT_OK


def _bundle(args: argparse.Namespace) -> int:
    from workflow.publish import bundle

    settings = load_settings(args.root)
    report = bundle(settings, tuple(args.locale or ()), tuple(args.item or ()), args.name, wait_for_lock=args.wait)
    print(f"bundle: {report.path} ({report.files} files, sha256 {report.sha256})")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from workflow.publish import verify

    report = verify(args.bundle)
    for problem in report.problems:
        print(f"{report.path}: {problem}")
    print(f"verify: {report.files} members, {len(report.problems)} problems")
    return EXIT_ERROR if report.problems else EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from workflow.job import run_job

    settings = load_settings(args.root)
    report = run_job(settings, wait_for_lock=args.wait)
    for warning in report.extracted.warnings:
        print(warning, file=sys.stderr)
    published = [p for p in report.built.pages if p.status in ("built", "unchanged")]
    held = report.built.held_back
    print(f"extract: {len(report.extracted.items)} sources, {report.extracted.files_written} catalog files written")
    print(f"build:   {len(published)} pages published, {len(held)} held back "
          f"({', '.join(sorted({p.locale for p in held}))})" if held else
          f"build:   {len(published)} pages published")
    print(f"bundle:  {report.bundled.path} ({report.bundled.files} files)")
    print(f"status:  open {report.dashboard}")
    return EXIT_OK


def _filters(command: argparse.ArgumentParser, what: str = "locale") -> None:
    """--item and --locale, which most commands take."""
    command.add_argument("--item", action="append", metavar="ID", help="only this item (source/ID.html); repeatable")
    command.add_argument("--locale", action="append", metavar="L", help=f"only this {what} (BCP 47); repeatable")


def _wait_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--wait", action="store_true",
                         help="if another command is writing to the project, wait for it instead of stopping")


def _batch_options(command: argparse.ArgumentParser, unit: str) -> None:
    """-j and -v, for the commands that work through many items."""
    command.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                         help="items processed in parallel (default: one per CPU core)")
    command.add_argument("-v", "--verbose", action="store_true", help=f"a line per {unit} even for large runs")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with the terminal width asked of the system directly: argparse asks
    shutil, whose import (zlib, bz2, lzma) cost every command 2 ms though help is rarely printed."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                width = 80
        super().__init__(prog, width=max(width - 2, 20))


class _Parser(argparse.ArgumentParser):
    """argparse's parser laid out by `_HelpFormatter`; each command's parser is one too (argparse makes a
    command's parser of its parent's class)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        """A usage error as every other error is written: one line, with where to look."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message}; see `{self.prog} --help`\n")


def _positive(text: str) -> int:
    """A whole number of at least 1 (jobs, characters)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _add_extract(commands: argparse._SubParsersAction) -> None:
    extract_cmd = commands.add_parser(
        "extract", help="write templates and update every locale's PO files from source/",
        description="Segment every source/<item>.html into translation units, write "
                    "locales/templates/<item>.pot and create or update locales/<locale>/<item>.po for each "
                    "target locale. Translations are never lost: moved sentences keep theirs, changed ones "
                    "get the closest old translation as fuzzy, removed ones become obsolete (#~). Files are "
                    "written atomically and only when their content changes. Only items whose source, template "
                    "or catalogs changed since the last extract are read (a translator's saved catalog counts: "
                    "it is merged, never overwritten); a change of settings, layout or tool redoes every item.")
    _filters(extract_cmd, "target locale")
    extract_cmd.add_argument("--force", action="store_true",
                             help="read and merge every item, changed or not (the result is the same)")
    _batch_options(extract_cmd, "item and catalog")
    _wait_option(extract_cmd)
    extract_cmd.set_defaults(handler=_extract)


def _add_build(commands: argparse._SubParsersAction) -> None:
    build_cmd = commands.add_parser(
        "build", help="write localized pages, locale indexes and the sitemap to output/",
        description="Reassemble every news item in every locale that passes the publishing threshold "
                    "(title and lead translated, min_translated of the words): output/<locale>/<item>.html, "
                    "output/<locale>/index.html and output/sitemap.xml. Translations are text plus "
                    "placeholders, never HTML; a unit whose placeholders do not match its source falls back "
                    "to the source text, marked lang=<source>. Only pages whose inputs changed are rebuilt.")
    _filters(build_cmd)
    build_cmd.add_argument("--strict", action="store_true",
                           help=f"exit with status {EXIT_NOT_MET} when a page is held back")
    build_cmd.add_argument("--force", action="store_true", help="rebuild every page, changed or not")
    build_cmd.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    _batch_options(build_cmd, "page")
    _wait_option(build_cmd)
    build_cmd.set_defaults(handler=_build)


def _add_draft(commands: argparse._SubParsersAction) -> None:
    from workflow.mt import ENGINE_NAMES

    draft_cmd = commands.add_parser(
        "draft", help="fill untranslated units of a locale from translation memory and a machine engine",
        description="Fill a locale's untranslated units: exact matches from the project's reviewed "
                    "translations first, then from the memories imported with `workflow tm import`, then fuzzy "
                    "matches of any memory at least [draft] min_similarity alike (default 0.75; written as fuzzy "
                    "with '# translation memory 87%: <where>' and the matched source as #| msgid), then each "
                    "distinct text once from the answer cache or the engine. "
                    "Engine output is written as fuzzy with '# machine draft: <engine> <date>'; existing "
                    "translations are never overwritten. Keys come from the environment only. Engines: "
                    + ", ".join(ENGINE_NAMES) + ".")
    draft_cmd.add_argument("--locale", required=True, metavar="L", help="target locale (BCP 47)")
    draft_cmd.add_argument("--engine", choices=ENGINE_NAMES, help="engine (default: [draft] engine in settings)")
    draft_cmd.add_argument("--item", action="append", metavar="ID", help="only this item; repeatable")
    draft_cmd.add_argument("--dry-run", action="store_true",
                           help="say how many units and characters the engine would receive; send nothing")
    draft_cmd.add_argument("--refresh-drafts", action="store_true",
                           help="replace earlier machine drafts too (never human translations)")
    draft_cmd.add_argument("--max-chars", type=_positive, metavar="N", help="send at most N characters in this pass")
    _wait_option(draft_cmd)
    draft_cmd.set_defaults(handler=_draft)


def _add_check(commands: argparse._SubParsersAction) -> None:
    check_cmd = commands.add_parser(
        "check", help="quality checks on every PO file (placeholders, unsafe content, numbers, names, ...)",
        description="Check every catalog. Errors: E100 broken PO syntax, E101 placeholders differ, E102 unsafe "
                    "content (markup, event handlers, script URLs the source does not have), E103 a translation "
                    "for a translate=\"no\" text, E104 a character no page can hold (controls, noncharacters), "
                    "E105 bidirectional controls the source does not have, E106 a placeholder name the source "
                    "does not have. Warnings: W201 numbers differ (the locale's own grouping and "
                    "decimal mark are fine), W202 URLs or e-mail addresses changed, W203 identical to a long "
                    "source, W204 leading or trailing whitespace differs, W205 doubled space, W206 length far "
                    "from the locale's norm, W207 a glossary country name missing, W208 no policy name for a "
                    "country in the locale (CLDR's shows), W209 the profile's name there is provisional. "
                    "Exit status: 0 clean, "
                    f"1 errors, {EXIT_NOT_MET} warnings with --strict.")
    _filters(check_cmd, "target locale")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    check_cmd.add_argument("--strict", action="store_true",
                           help=f"exit with status {EXIT_NOT_MET} when there are warnings")
    check_cmd.set_defaults(handler=_check)


def _add_status(commands: argparse._SubParsersAction) -> None:
    status_cmd = commands.add_parser(
        "status", help="units and words translated, fuzzy, machine drafts and publication, per item and locale",
        description="For every item (and the site catalog) in every target locale: units and words translated, "
                    "fuzzy (and how many are machine drafts), untranslated, and whether the page would be "
                    "published. --format html writes the dashboard output/status.html.")
    status_cmd.add_argument("--locale", action="append", metavar="L", help="only this locale; repeatable")
    status_cmd.add_argument("--format", choices=("text", "json", "html"), default="text", help="report format")
    status_cmd.set_defaults(handler=_status)


def _add_bundle(commands: argparse._SubParsersAction) -> None:
    bundle_cmd = commands.add_parser(
        "bundle", help="pack built pages, assets, indexes, sitemap and a manifest into output/bundles/NAME.zip",
        description="Write a deterministic ZIP of the published pages (after `workflow build`) with manifest.json: "
                    "tool version, source revision, build time (SOURCE_DATE_EPOCH when set), per item its "
                    "title, date, completeness and machine-draft count, and the SHA-256 of every file.")
    _filters(bundle_cmd)
    bundle_cmd.add_argument("--name", default="news", help="archive name (default: news)")
    _wait_option(bundle_cmd)
    bundle_cmd.set_defaults(handler=_bundle)


def _add_verify(commands: argparse._SubParsersAction) -> None:
    verify_cmd = commands.add_parser("verify", help="check a bundle against its manifest",
                                      description="Report changed, missing and extra files and unsafe names; "
                                                  "exit status 1 when anything is wrong.")
    verify_cmd.add_argument("bundle", type=Path, help="the .zip to check")
    verify_cmd.set_defaults(handler=_verify)


def _add_run(commands: argparse._SubParsersAction) -> None:
    run_cmd = commands.add_parser("run", help="the main job: extract, build, bundle, and the status dashboard",
                                  description="Run extract, build and bundle, write output/status.html and "
                                              "print a short summary.")
    _wait_option(run_cmd)
    run_cmd.set_defaults(handler=_run)


def _add_exchange(name: str) -> Callable[[argparse._SubParsersAction], None]:
    """The exchange commands (tm, export, import), whose parsers and reports live in cli_exchange."""
    def add(commands: argparse._SubParsersAction) -> None:
        from workflow import cli_exchange

        if name == "export":
            cli_exchange.add_export(commands)
        else:
            getattr(cli_exchange, f"add_{name}")(commands, _wait_option)
    return add


# The commands in the order `workflow --help` lists them.
_COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "extract": _add_extract, "build": _add_build, "draft": _add_draft, "check": _add_check,
    "status": _add_status, "bundle": _add_bundle, "verify": _add_verify, "run": _add_run,
    "tm": _add_exchange("tm"), "export": _add_exchange("export"), "import": _add_exchange("import")}


def _command_named(argv: Sequence[str]) -> str | None:
    """The command a command line names (the first word that is not an option or --root's value), if known."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in _COMMANDS else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: when it names a command, only that command's options are set up (a command line
    runs one command, and setting up all of them took a noticeable part of a small build); otherwise all."""
    parser = _Parser(
        prog="workflow",
        description="Translate news items: HTML to gettext PO catalogs and back to localized pages.",
        epilog=EXIT_TABLE,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an internal error, print the traceback")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="content root holding workflow.toml, source/ and locales/ (default: .)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = _command_named(sys.argv[1:] if argv is None else argv)
    for name, add in _COMMANDS.items():
        if named is None or name == named:
            add(commands)
    return parser


def run() -> NoReturn:
    """The `workflow` command as a process (console script and `python -m workflow`): `main`, then exit."""
    # A file-size limit (ulimit -f) would kill the process mid-write; ignored, the write fails with EFBIG instead,
    # which the command reports and cleans up after.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    code = main()
    # The process ends here, and quickly: the interpreter's teardown would free every module and object still
    # alive one by one (a site's build state, locale data, parsed pages: about 6 ms of a one-page rebuild, and
    # 15 to 30 ms more if the collector made its last pass over them). Nothing of ours needs it: every file is
    # written and closed, every worker process waited for. The exit handlers that libraries registered still
    # run and the output is flushed; a thread still running (none of ours) gets the ordinary exit instead.
    if threading.active_count() == 1:
        atexit._run_exitfuncs()  # what the ordinary exit would run first (logging flushes its handlers)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BrokenPipeError:
                pass  # a reader that went away (`workflow status | head`): the rest of the report is not wanted
        os._exit(code)
    gc.freeze()  # frozen objects are left out of the collector's last pass
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the command, print its report; the exit status."""
    # A batch job builds many small, acyclic objects; the default collector thresholds make it rescan
    # them over and over (a third of extract's time on 1,000 items).
    gc.set_threshold(100_000, 50, 100)
    # Pages are walked recursively, a frame or two per level of nesting, and the HTML parser takes up to 2048
    # levels (deeper sources are refused): Python's default limit of 1000 frames would stop halfway.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ProjectBusy as exc:
        return _fail(exc.message, EXIT_BUSY)
    except WorkflowError as exc:
        return _fail(exc.message, EXIT_ERROR)
    except BrokenPipeError:
        return _reader_gone()
    except OSError as exc:
        return _fail(os_error(exc).message, EXIT_ERROR)
    except KeyboardInterrupt:
        return _fail("interrupted; files already written are complete, nothing was left half-written",
                     EXIT_INTERRUPTED, prefix="")
    except Exception as exc:  # a bug of ours: one line, and the traceback only when asked for
        if args.debug:
            import traceback

            traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc}; please report it with --debug output",
                     EXIT_INTERNAL, prefix="")


def _fail(message: str, code: int, prefix: str = "error: ") -> int:
    try:
        print(f"{prefix}{message}", file=sys.stderr)
    except BrokenPipeError:
        pass
    return code


def _reader_gone() -> int:
    """The reader of our output went away (`workflow status | head -1`): the rest is not wanted. Standard output
    is pointed at /dev/null so that the final flush does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK
