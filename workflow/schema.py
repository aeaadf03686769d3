"""What `workflow.toml` may hold: every section and key with its type, checked whole before a command runs.

A small schema written here rather than a validation library: the settings are a dozen keys in four tables,
and what matters is the message (the key, its line, the expected type with an example, the closest known
name for a typo), which a library's generic messages would have to be translated into anyway.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

from workflow.errors import WorkflowError
from workflow.naming import PROFILES, wrong_script

# The engines `workflow draft` knows; `workflow.mt.engines` builds one for each (a test keeps the two equal).
ENGINES = ("google", "mymemory", "libre", "deepl", "microsoft", "yandex", "papago", "qcri", "baidu",
           "pseudo", "pseudo-rtl", "memory")


@dataclass(frozen=True, slots=True)
class Key:
    """One setting: the kind of value it takes and an example written as TOML, for the fix."""

    kind: str   # text, flag, number, count, share, texts, locale, locales, url, choice
    example: str
    choices: tuple[str, ...] = ()
    minimum: float = 0


PROJECT = {
    "name": Key("text", 'name = "OSCE News"'),
    "source_locale": Key("locale", 'source_locale = "en"'),
    "target_locales": Key("locales", 'target_locales = ["fr", "de", "sr-Latn"]'),
    "segmentation": Key("choice", 'segmentation = "sentence"', ("sentence", "block")),
    "bugs_address": Key("text", 'bugs_address = "translations@example.org"'),
    "team_address": Key("text", 'team_address = "fr@example.org"'),
    "abbreviations": Key("texts", 'abbreviations = ["Sec.-Gen.", "Amb."]'),
    "naming": Key("choice", 'naming = "osce"', PROFILES),
}
PUBLISHING = {
    "allow_drafts": Key("flag", "allow_drafts = false"),
    "min_translated": Key("share", "min_translated = 0.8"),
    "base_url": Key("url", 'base_url = "https://www.example.org/news"'),
}
DRAFT = {
    "engine": Key("choice", 'engine = "pseudo"', ENGINES),
    "timeout": Key("number", "timeout = 20", minimum=0.001),
    "retries": Key("count", "retries = 4"),
    "backoff": Key("number", "backoff = 0.5"),
    "backoff_max": Key("number", "backoff_max = 30"),
    "concurrency": Key("count", "concurrency = 8", minimum=1),
    "batch_size": Key("count", "batch_size = 50", minimum=1),
    "breaker": Key("count", "breaker = 5", minimum=1),
    "min_similarity": Key("share", "min_similarity = 0.75"),
}
ENGINE = {
    "url": Key("url", 'url = "http://127.0.0.1:5000/"'),
    "max_chars": Key("count", "max_chars = 2000", minimum=1),
    "region": Key("text", 'region = "westeurope"'),
}
SOURCE = {
    "protected": Key("texts", 'protected = ["pre", ".example"]'),
    "translate_other_languages": Key("flag", "translate_other_languages = false"),
}
LAYOUT = {
    "require_slots": Key("flag", "require_slots = false"),
}
# The gettext version whose line breaking catalogs follow (workflow.po.writer.WRAP_STYLES).
PO = {
    "wrap": Key("choice", 'wrap = "0.22"', ("0.22", "0.23")),
}
SECTIONS = ("project", "publishing", "draft", "country_names", "source", "layout", "po")
_PROTECTED_RE = re.compile(r"\.?[A-Za-z][A-Za-z0-9_-]*")
_TERRITORY_RE = re.compile(r"[A-Z]{2}|[0-9]{3}")


def canonical_locale(tag: object, where: Path | str, line: int | None = None, key: str = "locale") -> str:
    """A BCP 47 tag CLDR knows, written canonically (fr-FR, sr-Latn); anything else is refused, with the
    canonical spelling as the fix when there is one (fr-fr, en_US)."""
    if not isinstance(tag, str) or not tag:
        raise WorkflowError(where, line, f"{key} must be a BCP 47 locale tag",
                            'write a tag such as "fr", "sr-Latn" or "pt-BR"')
    try:
        parsed = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        raise WorkflowError(where, line, f"unknown locale {tag!r}",
                            "use a BCP 47 tag that CLDR knows, such as fr, sr-Latn or pt-BR") from None
    parts = [parsed.language, parsed.script, parsed.territory, parsed.variant and parsed.variant.lower()]
    canonical = "-".join(part for part in parts if part)
    if canonical != tag:
        raise WorkflowError(where, line, f"locale {tag!r} is not written as BCP 47",
                            f"did you mean {canonical}?")
    return tag


class SettingsChecker:
    """Checks one settings table (from `text`, the file as read) and finds the line of what it names."""

    def __init__(self, path: Path, text: str, prefix: str = "") -> None:
        self.path = path
        self.lines = text.splitlines()
        self.prefix = prefix  # "tool.workflow." inside pyproject.toml

    def line_of(self, table: str, key: str | None = None) -> int | None:
        """The line where `key` is set in `[table]`, or where the table starts (its header, or `name = …` in
        its parent when it is not a table at all); None when not found."""
        wanted = (self.prefix + table).strip(".")
        parent, _, name = wanted.rpartition(".")
        current = ""
        for number, raw in enumerate(self.lines, 1):
            line = raw.strip()
            header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?(\s*#.*)?", line)
            if header:
                current = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "")
                if key is None and current == wanted:
                    return number
            elif key is not None:
                if current == wanted and re.match(rf'"?{re.escape(key)}"?\s*=', line):
                    return number
            elif current == parent and re.match(rf'"?{re.escape(name)}"?\s*=', line):
                return number
        return None

    def fail(self, table: str, key: str | None, problem: str, fix: str) -> WorkflowError:
        return WorkflowError(self.path, self.line_of(table, key), problem, fix)

    def known(self, table: str, data: Mapping[str, object], allowed: Mapping[str, object] | tuple[str, ...],
              where: str) -> None:
        """Refuse keys and sections that are not in `allowed`, naming the closest known one."""
        for name in data:
            if name in allowed:
                continue
            is_table = isinstance(data[name], dict)
            close = difflib.get_close_matches(name, list(allowed), n=1, cutoff=0.6)
            spelled = [f"[{(table + '.' if table else '') + c}]" if is_table else c for c in close]
            hint = f"did you mean {spelled[0]}?" if spelled else "known here: " + ", ".join(allowed)
            what = f"unknown section [{(table + '.' if table else '') + name}]" if is_table else \
                f"unknown setting {name!r} in {where}"
            raise self.fail(table if not is_table else (table + "." + name).strip("."),
                            None if is_table else name, what, hint)

    def table(self, data: Mapping[str, object], name: str) -> dict[str, object]:
        """`data[name]`, which must be a table when present."""
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail("", name, f"{name} must be a table, not {_kind_of(value)}",
                            f"write it as a section: [{name}] followed by its keys")
        return value

    def values(self, table: str, data: Mapping[str, object], keys: Mapping[str, Key]) -> dict[str, object]:
        """Every key of `data` checked against `keys`; the values, with locales and URLs normalised."""
        where = f"[{self.prefix}{table}]" if table else "the settings"
        self.known(table, data, keys, where)
        return {name: self.value(table, name, value, keys[name]) for name, value in data.items()}

    def value(self, table: str, name: str, value: object, key: Key) -> object:
        label = f"{table}.{name}" if table else name
        line = self.line_of(table, name)

        def wrong(expected: str) -> WorkflowError:
            return WorkflowError(self.path, line, f"{label} must be {expected}, not {_kind_of(value)}",
                                 f"write {key.example}")

        kind = key.kind
        if kind in ("text", "choice", "url") and not isinstance(value, str):
            raise wrong("a string")
        if kind == "choice" and value not in key.choices:
            raise WorkflowError(self.path, line, f"{label} = {value!r} is not one of " + ", ".join(key.choices),
                                f"write {key.example}")
        if kind == "url":
            return _url(value, self.path, line, label, key.example)  # type: ignore[arg-type]
        if kind == "flag" and not isinstance(value, bool):
            raise wrong("true or false")
        if kind in ("number", "count", "share"):
            integral = kind == "count"
            if isinstance(value, bool) or not isinstance(value, int if integral else (int, float)):
                raise wrong("a whole number" if integral else "a number")
            top = 1 if kind == "share" else None
            if value < key.minimum or (top is not None and value > top):
                span = f"from {key.minimum:g} to {top}" if top is not None else f"at least {key.minimum:g}"
                raise WorkflowError(self.path, line, f"{label} = {value!r} is out of range ({span})",
                                    f"write {key.example}")
        if kind in ("texts", "locales") and (not isinstance(value, list)
                                              or not all(isinstance(v, str) for v in value)):
            raise wrong("a list of strings")
        if kind == "locale":
            return canonical_locale(value, self.path, line, label)
        if kind == "locales":
            return self.locales(label, line, value)  # type: ignore[arg-type]
        return value

    def locales(self, label: str, line: int | None, tags: list[str]) -> tuple[str, ...]:
        seen: set[str] = set()
        for tag in tags:
            canonical_locale(tag, self.path, line, label)
            if tag in seen:
                raise WorkflowError(self.path, line, f"{tag} is listed twice in {label}", "list each locale once")
            seen.add(tag)
        return tuple(tags)


def _url(value: str, path: Path, line: int | None, label: str, example: str) -> str:
    """An absolute http(s) URL without spaces or control characters (it goes into pages and the sitemap)."""
    url = value.rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s\x00-\x1f\x7f]+", url):
        raise WorkflowError(path, line, f"{label} {url!r} is not an absolute http(s) URL",
                            f"write {example} (no spaces), or leave it out")
    return url


def _kind_of(value: object) -> str:
    """How a TOML value is called in a message."""
    names = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
             dict: "a table"}
    return next((name for kind, name in names.items() if type(value) is kind), type(value).__name__)


def check_protected(checker: SettingsChecker, names: list[str]) -> tuple[str, ...]:
    """[source] protected: tag names and .class names."""
    for name in names:
        if not _PROTECTED_RE.fullmatch(name):
            raise checker.fail("source", "protected", f"{name!r} in source.protected is neither a tag name nor a "
                               ".class", 'write protected = ["pre", ".example"]')
    return tuple(name.lower() if not name.startswith(".") else name for name in names)


def check_slots(checker: SettingsChecker, slots: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """[layout.slots]: each slot of the layout and the CSS selector that finds it on an item."""
    if not slots:
        return ()
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    checked = []
    for name, selector in slots.items():
        line = checker.line_of("layout.slots", name)
        if not isinstance(selector, str) or not selector.strip():
            raise WorkflowError(checker.path, line, f"layout.slots.{name} must be a CSS selector",
                                f'write {name} = "article .field--body"')
        try:
            CSSSelector(selector)
        except SelectorError as exc:
            raise WorkflowError(checker.path, line, f"layout.slots.{name} = {selector!r} is not a CSS selector "
                                f"({exc})", f'write {name} = "article .field--body"') from None
        checked.append((name, selector))
    return tuple(checked)


def check_country_names(checker: SettingsChecker, names: dict[str, object]) -> dict[str, dict[str, str]]:
    """[country_names.<locale>] tables of ISO 3166 code = name."""
    result: dict[str, dict[str, str]] = {}
    for locale, table in names.items():
        if not isinstance(table, dict):
            raise checker.fail("country_names", locale, f"country_names.{locale} must be a table",
                               f'write [country_names.{locale}] followed by lines such as VA = "Holy See"')
        canonical_locale(locale, checker.path, checker.line_of(f"country_names.{locale}"), "country_names")
        entries: dict[str, str] = {}
        for code, name in table.items():
            line = checker.line_of(f"country_names.{locale}", code)
            if not _TERRITORY_RE.fullmatch(code.upper()):
                raise WorkflowError(checker.path, line, f"{code!r} is not an ISO 3166 country code",
                                    'use two letters, such as VA = "Holy See"')
            if not isinstance(name, str) or not name.strip():
                raise WorkflowError(checker.path, line, f"country_names.{locale}.{code} must be a name",
                                    f'write {code} = "…" with the name in quotes')
            letters = wrong_script(name, locale)
            if letters:  # a Cyrillic name under sr-Latn would show Cyrillic on Latin pages
                raise WorkflowError(checker.path, line, f"country_names.{locale}.{code} is written in {letters} "
                                    f"letters, but {locale} pages are not",
                                    f"write the name in the script of {locale}, or move it to the table of a "
                                    "locale written in that script (e.g. sr for Cyrillic Serbian, sr-Latn for Latin)")
            entries[code.upper()] = name
        result[locale] = entries
    return result
