"""`workflow draft`: fill untranslated units of a locale from translation memory, then a machine engine.

Order of work: exact matches from the project's own reviewed translations in the locale (translation
memory); then each distinct source text once, from the answer cache (SQLite under .workflow/) or from the
engine. Engine answers are drafts: `#, fuzzy` with `# machine draft: <engine> <date>`. A unit that has a
translation, fuzzy or not, is never overwritten (earlier machine drafts only with --refresh-drafts).

Placeholders are protected before sending and checked after; a draft whose placeholders differ is retried
once with another protection, then left untranslated and reported. Requests run concurrently (bounded),
retry with exponential backoff and jitter on transient failures, and a circuit breaker stops the pass after
repeated failures. Results are written after every batch, atomically, under the project lock.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from workflow.errors import WorkflowError
from workflow.fsio import write_atomic
from workflow.lock import writes_project
from workflow.mt.engines import ENGINE_NAMES, Engine, KeyRefused, PermanentError, TransientError, make_engine
from workflow.po import MACHINE_DRAFT, MEMORY_MATCH, Catalog, Entry, is_machine_draft, read_po, serialize
from workflow.segment import PLACEHOLDER_RE, boundaries, catalog_paths, placeholder_problem, unfit_character
from workflow.settings import MIN_SIMILARITY, Settings

MEMORY_NOTE = f"{MEMORY_MATCH}:"


@dataclass(frozen=True, slots=True)
class DraftOptions:
    """How a pass talks to its engine; defaults are sane for public APIs, settings can change them."""

    engine: str = "pseudo"
    engine_options: dict[str, object] = field(default_factory=dict)
    timeout: float = 20.0
    retries: int = 4
    backoff: float = 0.5            # seconds before the first retry; doubles each time, with jitter
    backoff_max: float = 30.0
    concurrency: int = 8
    batch_size: int = 50            # units written to the catalogs together
    breaker: int = 5                # units failing in a row before the pass stops
    min_similarity: float = MIN_SIMILARITY  # a memory match at least this alike fills a unit as fuzzy


def draft_options(settings: Settings, engine: str | None) -> DraftOptions:
    """Options from `[draft]` in the settings (and `[draft.<engine>]` for the engine), overridden by --engine."""
    table = settings.draft
    name = engine or str(table.get("engine", "pseudo"))
    if name not in ENGINE_NAMES:
        raise WorkflowError(settings.root / "workflow.toml", None, f"unknown engine {name!r}",
                            "use one of " + ", ".join(ENGINE_NAMES))
    engine_table = table.get(name, {})
    numbers: dict[str, float] = {}
    for key, default in (("timeout", 20.0), ("retries", 4), ("backoff", 0.5), ("backoff_max", 30.0),
                         ("concurrency", 8), ("batch_size", 50), ("breaker", 5)):
        value = table.get(key, default)
        if not isinstance(value, (int, float)) or value < 0:
            raise WorkflowError(settings.root / "workflow.toml", None, f"[draft] {key} must be a number >= 0",
                                f"write {key} = {default}")
        numbers[key] = value
    return DraftOptions(name, dict(engine_table) if isinstance(engine_table, dict) else {},
                        float(numbers["timeout"]), int(numbers["retries"]), float(numbers["backoff"]),
                        float(numbers["backoff_max"]), max(1, int(numbers["concurrency"])),
                        max(1, int(numbers["batch_size"])), max(1, int(numbers["breaker"])),
                        settings.min_similarity)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A unit left untranslated, and why."""

    msgid: str
    reason: str


@dataclass(frozen=True, slots=True)
class DraftProgress:
    """Where a pass stands, for a progress bar."""

    done: int
    total: int
    chars_sent: int
    chars_total: int
    elapsed: float


@dataclass(frozen=True, slots=True)
class DraftReport:
    """What a pass did."""

    locale: str
    engine: str
    needed: int                    # distinct units without a translation when the pass started
    from_memory: int
    from_cache: int
    from_engine: int
    rejected: tuple[Rejection, ...]
    chars_sent: int
    requests: int
    files_written: tuple[str, ...]
    dry_run: bool = False
    to_send: int = 0               # distinct units the engine would receive (dry run) or was asked for
    chars_to_send: int = 0
    stopped: str = ""              # why the pass stopped early, if it did
    warnings: tuple[str, ...] = ()
    from_imported: int = 0         # exact matches from imported memories (memory/*.tmx)
    from_fuzzy: int = 0            # fuzzy matches of any memory, filled as fuzzy
    chars_saved: int = 0           # characters the memories kept from the engine

    @property
    def not_sent(self) -> int:
        """Units the engine was to receive but never did, because the pass stopped first."""
        return 0 if self.dry_run else max(0, self.to_send - self.from_engine - len(self.rejected))


# ------------------------------------------------------------------------------------------ cache


class AnswerCache:
    """Every accepted engine answer, so a rerun sends nothing it already has (SQLite, committed per answer)."""

    def __init__(self, path: Path, repair: bool = True) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.warning = ""
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError as exc:
            if not repair:  # (a dry run changes nothing: it reads an empty cache instead)
                self.warning = f"{path.name} is damaged ({exc}); the next pass sets it aside and begins anew"
                self._db = self._open(Path(":memory:"))
                return
            # Only answers already written to catalogs are lost with it: set aside, for a look, and begun anew.
            aside = path.with_name(f"{path.name}.damaged-{dt.datetime.now():%Y%m%d-%H%M%S}")
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{path}{suffix}").exists():
                    os.replace(f"{path}{suffix}", f"{aside}{suffix}")
            self.warning = (f"{path.name} was damaged ({exc}); set aside as {aside.name}, a new cache was begun "
                            "(answers already in the catalogs are kept)")
            self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS answers (engine TEXT, source TEXT, target TEXT, text TEXT, "
                       "translation TEXT, created TEXT, PRIMARY KEY (engine, source, target, text))")
            db.execute("SELECT count(*) FROM answers").fetchone()
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    def get(self, engine: str, source: str, target: str, text: str) -> str | None:
        row = self._db.execute("SELECT translation FROM answers WHERE engine=? AND source=? AND target=? AND text=?",
                               (engine, source, target, text)).fetchone()
        return row[0] if row else None

    def put(self, engine: str, source: str, target: str, text: str, translation: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                         (engine, source, target, text, translation, dt.date.today().isoformat()))
        self._db.commit()

    def close(self) -> None:
        self._db.close()


# ------------------------------------------------------------------------------------------ placeholders

# Two ways to hide placeholders from an engine; the second is tried when the first comes back changed.
_PROTECTIONS = (("⟦", "⟧"), ("[[", "]]"))


def protect(text: str, style: int) -> tuple[str, list[str]]:
    """Replace placeholders by numbered markers the engine leaves alone."""
    opening, closing = _PROTECTIONS[style]
    tokens: list[str] = []

    def marker(match: re.Match[str]) -> str:
        tokens.append(match.group(0))
        return f"{opening}{len(tokens)}{closing}"

    return PLACEHOLDER_RE.sub(marker, text), tokens


def unprotect(text: str, tokens: list[str], style: int) -> str | None:
    """Put placeholders back; None when a marker is missing, duplicated or unknown."""
    opening, closing = _PROTECTIONS[style]
    pattern = re.compile(re.escape(opening) + r"\s*(\d+)\s*" + re.escape(closing))
    seen: list[int] = []

    def back(match: re.Match[str]) -> str:
        number = int(match.group(1))
        seen.append(number)
        return tokens[number - 1] if 0 < number <= len(tokens) else match.group(0)

    restored = pattern.sub(back, text)
    if sorted(seen) != list(range(1, len(tokens) + 1)):
        return None
    return restored


def split_for_engine(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at sentence boundaries (at spaces when a sentence is longer)."""
    if len(text) <= limit:
        return [text]
    cuts = boundaries(text, [(0, len(text))])
    sentences: list[str] = []
    start = 0
    for _end, gap in cuts:
        sentences.append(text[start:gap])
        start = gap
    sentences.append(text[start:])
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit) + 1 or limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


# ------------------------------------------------------------------------------------------ the pass


class _Breaker:
    """Counts units that failed in a row; opens after `limit` of them and stops the pass."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures = 0
        self.last = ""
        self.tripped = ""  # why it was opened at once, if it was
        self.lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= self.limit

    def record(self, ok: bool, reason: str = "") -> None:
        with self.lock:
            self.failures = 0 if ok else self.failures + 1
            self.last = reason or self.last

    def trip(self, reason: str) -> None:
        """Open at once: nothing later can succeed (the key was refused)."""
        with self.lock:
            self.failures = max(self.failures, self.limit)
            self.last = reason
            self.tripped = reason


class _Stopped(Exception):
    """The breaker opened while this unit waited: it was not sent."""


class _Sender:
    """Sends one unit to the engine: protection, splitting, retries with backoff, the placeholder check."""

    def __init__(self, engine: Engine, options: DraftOptions, breaker: _Breaker,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine = engine
        self.options = options
        self.breaker = breaker
        self.sleep = sleep
        self.requests = 0
        self.chars = 0
        self.lock = threading.Lock()

    def _call(self, text: str) -> str:
        for attempt in range(self.options.retries + 1):
            if self.breaker.open:
                raise _Stopped()
            with self.lock:
                self.requests += 1
                self.chars += len(text)
            try:
                return self.engine.translate(text)
            except TransientError:
                if attempt == self.options.retries:
                    raise
                delay = min(self.options.backoff_max, self.options.backoff * 2 ** attempt)
                self.sleep(delay * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def translate(self, msgid: str) -> tuple[str | None, str]:
        """(draft, "") or (None, reason)."""
        reason = ""
        for style in range(len(_PROTECTIONS)):
            protected, tokens = protect(msgid, style)
            try:
                pieces = [self._call(piece) for piece in split_for_engine(protected, self.engine.max_chars)]
            except _Stopped:
                return None, "not sent: the pass stopped after repeated engine failures"
            except TransientError as exc:
                self.breaker.record(False, str(exc))
                return None, f"engine failed after {self.options.retries + 1} tries: {exc}"
            except KeyRefused as exc:
                self.breaker.trip(str(exc))
                return None, str(exc)
            except PermanentError as exc:  # refused or unusable answers count toward the breaker too
                self.breaker.record(False, f"engine refused: {exc}")
                return None, f"engine refused: {exc}"
            restored = unprotect(" ".join(p.strip() for p in pieces), tokens, style)
            unfit = unfit_character(restored or "")
            if unfit:
                self.breaker.record(False, "answers hold characters no page can")
                return None, f"the answer holds a character no page can: {unfit}"
            self.breaker.record(True)
            if restored is None:
                reason = "the engine changed the placeholders"
                continue
            problem = placeholder_problem(msgid, restored)
            if problem is None:
                return restored, ""
            reason = f"placeholders differ: {problem}"
        return None, reason


def _needs(entry: Entry, refresh: bool) -> bool:
    if entry.obsolete or not entry.msgid:
        return False
    if not entry.msgstr:
        return True
    return refresh and entry.fuzzy and is_machine_draft(entry)


def _memory(settings: Settings, locale: str) -> dict[tuple[str | None, str], tuple[str, str]]:
    """Reviewed (non-fuzzy) translations of every catalog in the locale: key → (msgstr, catalog name)."""
    memory: dict[tuple[str | None, str], tuple[str, str]] = {}
    folder = settings.locales_dir / locale
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else ():
        for entry in read_po(path).entries:
            if entry.translated and not entry.obsolete and entry.key not in memory:
                memory[entry.key] = (entry.msgstr, path.stem)
    return memory


def _from_memories(settings: Settings, locale: str, min_similarity: float,
                   notes: dict[tuple[str | None, str], tuple[str, ...]], fills: dict[tuple[str | None, str], _Fill],
                   project: dict[tuple[str | None, str], tuple[str, str]]) -> tuple[int, int]:
    """Fill what the project's exact matches by key left: exact matches of any memory (the project's
    translations first, then the memories imported under memory/), then fuzzy matches. (exact matches from
    imported memories, fuzzy matches; an exact match of the project's own text in another context counts as
    the project's)"""
    left = [key for key in notes if key not in fills]
    if not left:
        return 0, 0
    from workflow.exchange import imported_units
    from workflow.mt.memory import TranslationMemory

    memory = TranslationMemory([*((key[1], msgstr, f"locales/{locale}/{name}.po")
                                  for key, (msgstr, name) in project.items()),
                                *((unit.source, unit.target, where) for unit, where in imported_units(settings, locale))])
    imported = fuzzy = 0
    for key in left:
        match = memory.exact(key[1], locale, notes[key])
        if match is not None:
            fills[key] = _Fill(match.msgstr, f"{MEMORY_NOTE} {match.where}", False)
            imported += not match.where.startswith("locales/")
            continue
        match = memory.fuzzy(key[1], min_similarity, locale, notes[key])
        if match is not None:
            fills[key] = _Fill(match.msgstr, f"{MEMORY_MATCH} {match.similarity:.0%}: {match.where}", True,
                               match.source)
            fuzzy += 1
    return imported, fuzzy


@dataclass(frozen=True, slots=True)
class _Fill:
    msgstr: str
    comment: str
    fuzzy: bool
    previous: str | None = None     # a fuzzy memory match's source, shown as the #| previous msgid


def _apply(path: Path, fills: dict[tuple[str | None, str], _Fill], by_msgid: dict[str, _Fill],
           refresh: bool, wrap: str) -> bool:
    """Write fills into one catalog (read again from disk first); only units that still need them change."""
    catalog: Catalog = read_po(path)
    changed = False
    entries = []
    for entry in catalog.entries:
        fill = fills.get(entry.key) or by_msgid.get(entry.msgid)
        if fill is not None and _needs(entry, refresh):
            comments = tuple(c for c in entry.translator_comments
                             if not c.startswith(MACHINE_DRAFT) and not c.startswith(MEMORY_MATCH))
            entry = replace(entry, msgstr=fill.msgstr, translator_comments=comments + (fill.comment,))
            if fill.previous is not None:
                entry = replace(entry, previous_msgctxt=None, previous_msgid=fill.previous)
            entry = entry.with_fuzzy(fill.fuzzy)
            changed = True
        entries.append(entry)
    if changed:
        write_atomic(path, serialize(replace(catalog, entries=tuple(entries)), wrap))
    return changed


@writes_project
def draft(settings: Settings, locale: str, engine: str | None = None, items: tuple[str, ...] = (),
          dry_run: bool = False, refresh: bool = False, max_chars: int | None = None,
          progress: Callable[[DraftProgress], None] | None = None,
          make: Callable[[str, str, str, dict[str, object], float], Engine] = make_engine,
          sleep: Callable[[float], None] = time.sleep) -> DraftReport:
    """Run one draft pass for `locale` and say what it did."""
    settings.chosen_locales((locale,))
    options = draft_options(settings, engine)
    return _pass(settings, locale, options, items, dry_run, refresh, max_chars, progress, make, sleep)


def _pass(settings: Settings, locale: str, options: DraftOptions, items: tuple[str, ...], dry_run: bool,
          refresh: bool, max_chars: int | None, progress: Callable[[DraftProgress], None] | None,
          make: Callable[[str, str, str, dict[str, object], float], Engine],
          sleep: Callable[[float], None]) -> DraftReport:
    paths = catalog_paths(settings, locale, items)
    needed: dict[tuple[str | None, str], list[Path]] = {}
    notes: dict[tuple[str | None, str], tuple[str, ...]] = {}
    paths_of_msgid: dict[str, set[Path]] = {}
    for path in paths:
        for entry in read_po(path).entries:
            if _needs(entry, refresh):
                needed.setdefault(entry.key, []).append(path)
                notes.setdefault(entry.key, entry.extracted_comments)
                paths_of_msgid.setdefault(entry.msgid, set()).add(path)
    today = dt.date.today().isoformat()
    memory = _memory(settings, locale)
    fills: dict[tuple[str | None, str], _Fill] = {}
    for key in needed:
        if key in memory:
            fills[key] = _Fill(memory[key][0], f"{MEMORY_NOTE} {memory[key][1]}", False)
    from_imported, from_fuzzy = _from_memories(settings, locale, options.min_similarity, notes, fills, memory)
    from_memory = len(fills) - from_imported - from_fuzzy
    chars_saved = sum(len(PLACEHOLDER_RE.sub("", key[1])) for key in fills)
    remaining = sorted({key[1] for key in needed if key not in fills})  # identical text is sent once
    written: list[str] = []

    def flush(by_msgid: dict[str, _Fill], everything: bool = False) -> None:
        """Write fills into the catalogs that hold their units (each read again, changed, written atomically)."""
        touched = set(paths) if everything else {p for m in by_msgid for p in paths_of_msgid.get(m, ())}
        for path in paths:
            if path in touched and _apply(path, fills, by_msgid, refresh, settings.wrap) and str(path) not in written:
                written.append(str(path))

    if options.engine == "memory" or not remaining:
        if not dry_run:
            flush({}, everything=True)
        return DraftReport(locale, options.engine, len(needed), from_memory, 0, 0, (), 0, 0,
                           tuple(_rel(Path(p), settings) for p in written), dry_run, from_imported=from_imported,
                           from_fuzzy=from_fuzzy, chars_saved=chars_saved)
    cache = AnswerCache(settings.root / ".workflow" / "mt-cache.sqlite3", repair=not dry_run)
    warnings = (cache.warning,) if cache.warning else ()
    try:
        drafts: dict[str, _Fill] = {}
        comment = f"{MACHINE_DRAFT} {options.engine} {today}"
        for msgid in remaining:
            cached = cache.get(options.engine, settings.source_locale, locale, msgid)
            if cached is not None:
                drafts[msgid] = _Fill(cached, comment, True)
        from_cache = len(drafts)
        to_send = [msgid for msgid in remaining if msgid not in drafts]
        chars_total = sum(len(PLACEHOLDER_RE.sub("", m)) for m in to_send)
        if dry_run:
            return DraftReport(locale, options.engine, len(needed), from_memory, from_cache, 0, (), 0, 0, (),
                               True, len(to_send), chars_total, warnings=warnings, from_imported=from_imported,
                               from_fuzzy=from_fuzzy, chars_saved=chars_saved)
        flush(drafts, everything=True)  # memory and cache first: they cost nothing
        engine = make(options.engine, settings.source_locale, locale, options.engine_options, options.timeout)
        breaker = _Breaker(options.breaker)
        sender = _Sender(engine, options, breaker, sleep)
        from_engine, rejected, stopped = _send_all(
            sender, breaker, options, to_send, max_chars, progress,
            lambda msgid, result: cache.put(options.engine, settings.source_locale, locale, msgid, result),
            comment, chars_total, flush)
        if breaker.tripped:
            stopped = f"{breaker.tripped}: finished work is saved and cached"
        elif breaker.open:
            stopped = (f"the engine failed for {breaker.limit} units in a row ({breaker.last}); "
                       "check the engine and rerun: finished work is saved and cached")
        return DraftReport(locale, options.engine, len(needed), from_memory, from_cache, from_engine,
                           tuple(rejected), sender.chars, sender.requests,
                           tuple(_rel(Path(p), settings) for p in written), False, len(to_send), chars_total,
                           stopped, warnings, from_imported, from_fuzzy, chars_saved)
    finally:
        cache.close()


def _send_all(sender: _Sender, breaker: _Breaker, options: DraftOptions, to_send: list[str], max_chars: int | None,
              progress: Callable[[DraftProgress], None] | None, remember: Callable[[str, str], None], comment: str,
              chars_total: int, flush: Callable[[dict[str, _Fill]], None]) -> tuple[int, list[Rejection], str]:
    """Send the units to the engine, `concurrency` at a time, caching each answer (`remember`) and writing
    finished units every `batch_size`; the units drafted, the rejections, and why the pass stopped early."""
    rejected: list[Rejection] = []
    from_engine = 0
    stopped = ""
    started = time.monotonic()
    done = 0
    budget_left = max_chars if max_chars is not None else None
    queue = list(to_send)
    queue.reverse()  # pop() from the end is O(1); the order of sending stays the sorted order
    # A sliding window: new units go out as soon as others come back, and every `batch_size` finished
    # units are written to the catalogs (a crash loses at most the batch not yet written).
    in_flight: dict[Future[tuple[str | None, str]], str] = {}
    batch_fills: dict[str, _Fill] = {}
    finished_in_batch = 0
    with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
        try:
            while queue or in_flight:
                while queue and not stopped and not breaker.open and len(in_flight) < 2 * options.concurrency:
                    size = len(queue[-1])
                    if budget_left is not None and size > budget_left:
                        stopped = f"the character budget (--max-chars {max_chars}) is used up"
                        break
                    if budget_left is not None:
                        budget_left -= size
                    msgid = queue.pop()
                    in_flight[pool.submit(sender.translate, msgid)] = msgid
                if breaker.open or stopped:
                    queue.clear()
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    msgid = in_flight.pop(future)
                    result, reason = future.result()
                    done += 1
                    finished_in_batch += 1
                    if result is not None:
                        remember(msgid, result)
                        batch_fills[msgid] = _Fill(result, comment, True)
                        from_engine += 1
                    else:
                        rejected.append(Rejection(msgid, reason))
                    if progress:
                        progress(DraftProgress(done, len(to_send), sender.chars, chars_total,
                                               time.monotonic() - started))
                if finished_in_batch >= options.batch_size:
                    flush(batch_fills)
                    batch_fills, finished_in_batch = {}, 0
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
    flush(batch_fills)
    return from_engine, rejected, stopped


def _rel(path: Path, settings: Settings) -> str:
    try:
        return path.relative_to(settings.root).as_posix()
    except ValueError:
        return str(path)
