"""`workflow check`: quality checks on every PO file, each with a code, a severity, the place and a fix."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from babel.numbers import NumberFormatError, parse_decimal

from workflow.errors import WorkflowError
from workflow.po import Catalog, Entry, read_po
from workflow.publish import babel_locale
from workflow.segment import (PLACEHOLDER_RE, countries_in, is_protected, placeholder_problem, protection_of,
                              read_source, source_items, unfit_character)
from workflow.naming import mentions_name
from workflow.segment.placeholders import COUNTRY_LEGEND_RE
from workflow.settings import SITE_CATALOG, Settings

ERROR = "error"
WARNING = "warning"

_MARKUP_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_HANDLER_RE = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_URL_RE = re.compile(r"(?:https?|ftp)://[^\s<>\"'»”)]+|\bjavascript:|\bdata:[a-z]+/|\bwww\.[^\s<>\"'»”)]+", re.IGNORECASE)
# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder text as displayed.
_BIDI_CONTROL_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A number as written in any locale: digit groups joined by single group or decimal marks ("2 000,5").
_NUMBER_RE = re.compile(r"\d+(?:[\u00a0\u202f\u2009 ,.'’٬٫]\d+)*")
# Typical length of a translation relative to English, by language (a long-standing rule of thumb of
# localization teams); a ratio far outside it usually means a truncated or an untranslated string.
LENGTH_NORMS = {"de": 1.3, "fr": 1.25, "it": 1.2, "es": 1.25, "ru": 1.15, "uk": 1.15, "sr": 1.1, "mk": 1.15,
                "sq": 1.2, "bs": 1.1, "tr": 1.1, "kk": 1.2, "ky": 1.2, "uz": 1.2, "tg": 1.2, "mn": 1.2,
                "ar": 0.95, "he": 0.85, "zh": 0.45, "ja": 0.6, "ko": 0.7}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one entry."""

    code: str
    severity: str
    path: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity} {self.code}: {self.message}; {self.fix}"


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every finding, and how many files were checked."""

    findings: tuple[Finding, ...]
    files: int

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {"files": self.files, "errors": self.errors, "warnings": self.warnings,
                "findings": [asdict(f) for f in self.findings]}


def _digits(text: str) -> str:
    """Any script's digits as ASCII (Arabic-Indic, Persian, ...)."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)


def numbers_in(text: str, locale: str) -> list[str]:
    """Numbers of a text as canonical decimals, read with the locale's own group and decimal marks."""
    values = []
    plain = _digits(PLACEHOLDER_RE.sub(" ", text))
    for match in _NUMBER_RE.finditer(plain):
        token = match.group(0).strip(" ,.'’")
        if not token:
            continue
        try:
            value = parse_decimal(token.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " "),
                                  locale=babel_locale(locale), strict=False)
        except NumberFormatError:
            # Not a number in this locale's writing (a list "1, 2" or a range): count its parts.
            values.extend(str(int(part)) for part in re.findall(r"\d+", token))
            continue
        values.append(format(value.normalize(), "f"))
    return sorted(values)


def _source_numbers(msgid: str) -> list[str]:
    return numbers_in(msgid, "en")


def _country_glossary(entry: Entry) -> list[tuple[str, str]]:
    names = []
    for note in entry.extracted_comments:
        if note.startswith("glossary: ") and " = " in note:
            english, local = note[len("glossary: "):].split(" = ", 1)
            names.append((english, local))
    return names


def _protected_texts(settings: Settings, catalog: str) -> set[str]:
    """Texts the source marks as not to be translated (translate="no", notranslate, code, ...)."""
    path = settings.layout_path if catalog == SITE_CATALOG else settings.source_dir / f"{catalog}.html"
    if not path.exists():
        return set()
    page = read_source(path, catalog if catalog == SITE_CATALOG else None)
    protection = protection_of(settings)  # the rules extraction applies: <pre>, classes, other languages, …
    texts = set()
    for node in page.tree.getroot().iter():
        if is_protected(node, protection):
            text = " ".join("".join(node.itertext()).split())
            if text:
                texts.add(text)
    return texts


def check_entry(entry: Entry, locale: str, path: str, protected: set[str] = frozenset()) -> list[Finding]:
    """Every finding for one entry of a catalog in `locale`."""
    if entry.obsolete or not entry.msgid or not entry.msgstr:
        return []
    found: list[Finding] = []
    msgid, msgstr, line = entry.msgid, entry.msgstr, entry.line

    def add(code: str, severity: str, message: str, fix: str) -> None:
        found.append(Finding(code, severity, path, line, message, fix))

    unfit = unfit_character(msgstr)
    problem = None if unfit else placeholder_problem(msgid, msgstr, locale, entry.extracted_comments)
    if unfit:
        add("E104", ERROR, unfit.split(";")[0], "delete the character; the page shows the source text until then")
    elif problem:
        add("E101", ERROR, f"placeholders differ from the source: {problem}",
            "keep exactly the source's placeholders, each once, nested as in the source")
    overrides = sorted({c for c in _BIDI_CONTROL_RE.findall(msgstr)} - set(msgid))
    if overrides:
        add("E105", ERROR, f"bidirectional control U+{ord(overrides[0]):04X} that the source does not have",
            "remove it: the page sets each text's direction itself, and an override can reorder what readers see")
    strangers = sorted(set(PLACEHOLDER_RE.findall(msgstr)) - set(PLACEHOLDER_RE.findall(msgid)))
    if strangers and not problem:
        add("E106", ERROR, f"{strangers[0]} looks like a placeholder, but the source has none of that name",
            "use only the source's placeholders; anything else is shown as text")
    bare = PLACEHOLDER_RE.sub("", msgstr)
    source_bare = PLACEHOLDER_RE.sub("", msgid)
    markup = [m for m in _MARKUP_RE.findall(bare) if m not in source_bare]
    if markup:
        add("E102", ERROR, f"markup in the translation that the source does not have: {markup[0][:40]}",
            "write text and the source's placeholders only; markup is shown as text, never run")
    elif _HANDLER_RE.search(bare) and not _HANDLER_RE.search(source_bare):
        add("E102", ERROR, "an event handler (on...=) in the translation", "remove it")
    new_urls = [u for u in _URL_RE.findall(bare) if u not in source_bare]
    if any(u.lower().startswith(("javascript:", "data:")) for u in new_urls):
        add("E102", ERROR, f"a script or data URL in the translation: {new_urls[0][:40]}", "remove it")
    if " ".join(msgid.split()) in protected:
        add("E103", ERROR, 'the source marks this text translate="no" (or as code), yet it has a translation',
            "empty the msgstr; the text is published as it is")
    if numbers_in(msgstr, locale) != _source_numbers(msgid):
        add("W201", WARNING, f"numbers differ: source {_source_numbers(msgid)}, translation "
                             f"{numbers_in(msgstr, locale)}",
            "check every figure; the locale's own digit grouping and decimal mark are fine")
    source_links = set(_URL_RE.findall(source_bare)) | set(_EMAIL_RE.findall(source_bare))
    target_links = set(_URL_RE.findall(bare)) | set(_EMAIL_RE.findall(bare))
    if source_links != target_links and not any(u.lower().startswith(("javascript:", "data:")) for u in new_urls):
        add("W202", WARNING, f"URLs or e-mail addresses changed: {sorted(source_links ^ target_links)[:2]}",
            "copy addresses from the source exactly")
    if msgstr == msgid and len(msgid) >= 30 and sum(c.isalpha() for c in msgid) >= 20 and not entry.fuzzy:
        add("W203", WARNING, "the translation is identical to a long source text",
            "translate it, or leave the msgstr empty so the source shows with its language marked")
    for where, a, b in (("leading", msgid[: len(msgid) - len(msgid.lstrip())], msgstr[: len(msgstr) - len(msgstr.lstrip())]),
                        ("trailing", msgid[len(msgid.rstrip()):], msgstr[len(msgstr.rstrip()):])):
        if a != b:
            add("W204", WARNING, f"{where} spaces or newlines differ from the source",
                f"match the source's {where} whitespace")
    if "  " in msgstr and "  " not in msgid:
        add("W205", WARNING, "doubled space in the translation", "use one space")
    norm = LENGTH_NORMS.get(locale.split("-")[0], 1.15)
    if len(source_bare) >= 20:
        ratio = len(bare) / len(source_bare)
        if ratio < norm * 0.4 or ratio > norm * 2.5:
            add("W206", WARNING, f"length is {ratio:.1f} times the source's (usual for {locale}: about {norm})",
                "check for a truncated, doubled or untranslated text")
    for english, local in _country_glossary(entry):
        # A name kept in English inside a proper noun ("Heritage Malta") is the translator's call.
        if mentions_name(english, msgid) and not mentions_name(local, msgstr) and english not in msgstr:
            add("W207", WARNING, f"the source mentions {english}, the translation does not name {local}",
                f"use the glossary name {local!r} (inflected as the sentence needs)")
    return found


def _countries_used(entries: list[Entry], listed: dict[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    """Each country a catalog's units name (a country placeholder or a name in the text), then those of the
    layout's country lists (`listed`, for the site catalog), with the file and line that first does ("" for
    the catalog itself)."""
    used: dict[str, tuple[str, int]] = {}
    for entry in entries:
        if entry.obsolete or not entry.msgid:
            continue
        codes = [match.group(2) for note in entry.extracted_comments if (match := COUNTRY_LEGEND_RE.match(note))]
        for code in (*codes, *countries_in(PLACEHOLDER_RE.sub(" ", entry.msgid))):
            used.setdefault(code, ("", entry.line))
    for code, place in listed.items():
        used.setdefault(code, place)
    return used


def _layout_lists(settings: Settings) -> dict[str, tuple[str, int]]:
    """The countries the layout's data-country-list elements name, with the layout's path and their lines."""
    if not settings.layout_path.exists():
        return {}
    layout = read_source(settings.layout_path, SITE_CATALOG).tree.getroot()
    shown = settings.layout_path.relative_to(settings.root).as_posix()
    listed: dict[str, tuple[str, int]] = {}
    for element in layout.iterfind(".//*[@data-country-list]"):
        for code in element.get("data-country-list", "").split():
            listed.setdefault(code.upper(), (shown, element.sourceline or 0))
    return listed


def naming_gaps(settings: Settings, locale: str, entries: list[Entry], path: str,
                listed: dict[str, tuple[str, int]]) -> list[Finding]:
    """W208: a country the naming policy names elsewhere has no policy name in this locale, so its pages
    show CLDR's name (which may be the very name the policy replaces, such as Vatican City for the Holy
    See). W209: the profile's name there is marked for review."""
    naming = settings.names
    found = []
    for code, (where, line) in _countries_used(entries, listed).items():
        policy = naming.policy(code, locale)
        english = naming.name(code, settings.source_locale)
        if policy is None and naming.covers(code):
            found.append(Finding("W208", WARNING, where or path, line,
                                 f"no policy name for {english} ({code}) in {locale}: pages show CLDR's "
                                 f"{naming.name(code, locale)!r}",
                                 f"add {code} = \"…\" under [country_names.{locale}] in the settings"))
        elif policy is not None and policy[1] is not None and policy[1].review:
            found.append(Finding("W209", WARNING, where or path, line,
                                 f"the naming profile's name for {english} ({code}) in {locale}, {policy[0]!r}, "
                                 "is provisional: no reference at hand gave the OSCE rendering",
                                 f"confirm it with your language service and write it under "
                                 f"[country_names.{locale}] ({code} = \"…\")"))
    return found


def check(settings: Settings, locales: tuple[str, ...] = (), items: tuple[str, ...] = ()) -> CheckReport:
    """Run every check on the chosen catalogs (all target locales, all items and the site catalog)."""
    targets = settings.chosen_locales(locales)
    names = [path.stem for path in source_items(settings, items)] + ([] if items else [SITE_CATALOG])
    findings: list[Finding] = []
    files = 0
    protected_cache: dict[str, set[str]] = {}
    layout_lists: dict[str, tuple[str, int]] | None = None  # read once, for the site catalog of every locale
    for locale in targets:
        for name in names:
            path = settings.po_path(locale, name)
            if not path.exists():
                continue
            files += 1
            shown = path.relative_to(settings.root).as_posix()
            try:
                catalog: Catalog = read_po(path)
            except WorkflowError as error:
                findings.append(Finding("E100", ERROR, shown, error.line or 0, error.problem, error.fix))
                continue
            if name not in protected_cache:
                protected_cache[name] = _protected_texts(settings, name)
            for entry in catalog.entries:
                findings.extend(check_entry(entry, locale, shown, protected_cache[name]))
            if name == SITE_CATALOG and layout_lists is None:
                layout_lists = _layout_lists(settings)
            listed = (layout_lists or {}) if name == SITE_CATALOG else {}
            findings.extend(naming_gaps(settings, locale, list(catalog.entries), shown, listed))
    return CheckReport(tuple(findings), files)
