"""Country names by policy: the project's own names, then a built-in naming profile, then CLDR.

The OSCE profile (`workflow/data/naming-osce.toml`) names the participating States and Partners whose OSCE
name differs from CLDR's (Holy See, Russian Federation, …) in 45 languages, and says how lists in some
languages sort names that begin with an article. No name is ever taken across scripts: Cyrillic `sr` names
never show on `sr-Latn` pages, Latin `uz` ones never on `uz-Cyrl` pages.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import babel
from babel import Locale, UnknownLocaleError
from babel.core import get_global

from workflow.fsio import write_atomic

PROFILES = ("osce", "cldr")  # `naming` in [project]: "cldr" turns the profile off
_PROFILE_FILE = Path(__file__).resolve().parent / "data" / "naming-osce.toml"
_EMPTY: Mapping[str, Mapping[str, str]] = MappingProxyType({})

# The Unicode character-name prefix of each script whose letters are checked (ISO 15924 code → prefix).
_SCRIPT_LETTERS = {"Latn": "LATIN", "Cyrl": "CYRILLIC", "Grek": "GREEK", "Arab": "ARABIC", "Hebr": "HEBREW",
                   "Armn": "ARMENIAN", "Geor": "GEORGIAN", "Mong": "MONGOLIAN", "Thai": "THAI",
                   "Deva": "DEVANAGARI", "Hang": "HANGUL"}


def cache_folder() -> Path | None:
    """Where computed data that only changes with a library's version is kept between runs (None when there
    is no home folder to keep it in)."""
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsroom-workflow"
    except RuntimeError:
        return None


@lru_cache(maxsize=64)
def cldr_territories(locale: str) -> dict[str, str]:
    """CLDR's territory names in `locale` (a BCP 47 tag) by code, kept in a small file per Babel version and
    locale: loading all of a locale's CLDR data to get them takes 30 to 50 ms, and extracting one item
    names countries in every target locale."""
    folder = cache_folder()
    path = folder / f"territories-{locale}-babel-{babel.__version__}.json" if folder else None
    cacheable = path is not None and re.fullmatch(r"[A-Za-z0-9_-]+", locale) is not None
    if cacheable:
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(cached, dict) and cached:
                return cached
        except (OSError, ValueError):
            pass
    territories = dict(Locale.parse(locale, sep="-").territories)
    if cacheable:
        try:
            write_atomic(path, json.dumps(territories, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        except OSError:
            pass  # no writable cache folder: computed again next time
    return territories


@dataclass(frozen=True, slots=True)
class PolicyName:
    """One country's name in one language, as a naming profile gives it."""

    name: str
    sort: str | None = None   # what lists sort it by, when the name begins with an article
    source: str = ""          # which of the profile's references it follows
    review: bool = False      # no reference at hand gave the OSCE rendering: CLDR's name is kept, to confirm


@dataclass(frozen=True, slots=True)
class Profile:
    """A naming profile: names by locale and code, list sorting rules by locale, notes by code."""

    names: Mapping[str, Mapping[str, PolicyName]]
    sorting: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]]
    notes: Mapping[str, str]
    sources: Mapping[str, str]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for names in self.names.values() for code in names)


@lru_cache(maxsize=1)
def osce_profile() -> Profile:
    """The built-in OSCE profile, read once from the package's data file."""
    data = tomllib.loads(_PROFILE_FILE.read_text(encoding="utf-8"))
    names: dict[str, Mapping[str, PolicyName]] = {}
    for locale, table in data["names"].items():
        default = table.get("source", "")
        entries = {}
        for code, value in table.items():
            if code == "source":
                continue
            if isinstance(value, str):
                entries[code] = PolicyName(value, source=default)
            else:
                entries[code] = PolicyName(value["name"], value.get("sort"), value.get("source", default),
                                           bool(value.get("review", False)))
        names[locale] = MappingProxyType(entries)
    sorting = {locale: tuple((re.compile(pattern), replacement) for pattern, replacement in rules)
               for locale, rules in data.get("sorting", {}).items()}
    return Profile(MappingProxyType(names), MappingProxyType(sorting), MappingProxyType(data.get("notes", {})),
                   MappingProxyType(data.get("sources", {})))


@lru_cache(maxsize=256)
def script_of(tag: str) -> str | None:
    """The ISO 15924 script a locale is written in (its own subtag, or CLDR's likely one: sr → Cyrl)."""
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return None
    if locale.script:
        return locale.script
    likely: Mapping[str, str] = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}" if locale.territory else "", locale.language):
        if key and key in likely:
            parts = likely[key].split("_")
            return parts[1] if len(parts) > 2 else None
    return None


def wrong_script(text: str, locale: str) -> str | None:
    """The script a text's letters are in, when it is not the locale's (None when they fit, or when the
    locale's script is not one this knows)."""
    wanted = _SCRIPT_LETTERS.get(script_of(locale) or "")
    if wanted is None:
        return None
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            if name and not name.startswith(wanted):
                return name.split(" ")[0].title()
    return None


@lru_cache(maxsize=64)
def _names_capitalised(locale: str) -> bool:
    # Countries only: CLDR also names regions, and English writes "world" (001) in lower case.
    return all(not name[:1].islower() for code, name in cldr_territories(locale).items()
               if len(code) == 2 and code.isalpha())


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def mentions_name(name: str, text: str) -> bool:
    """True when the text names the country, allowing case endings and derived adjectives.

    A stem of each significant word is enough ("Украин" in "Украины", "niederla" in "niederländischen");
    for a multi-word name ("Republik Moldau") one significant word will do.
    """
    folded = _fold(text)
    words = [w for w in _fold(name).split() if len(w) > 3] or _fold(name).split()
    return any(word[: max(4, len(word) - 3)] in folded for word in words)


def country_written_problem(text: str, code: str, locale: str) -> str | None:
    """Why `text`, written instead of a country placeholder (to inflect the name), does not name the source's
    country `code` in `locale` by the profile's or CLDR's name; None when it does."""
    names = {cldr_territories(locale).get(code, code)}
    found = CountryNaming().policy(code, locale)
    if found:
        names.add(found[0])
    if any(mentions_name(name, text) for name in names):
        return None
    return (f"the country written out does not name the source's country {' / '.join(sorted(names))} ({code}); "
            "write the placeholder, or the country the source names now")


def _parents(locale: str) -> tuple[str, ...]:
    """The locale, then the tags it falls back to that are written in the same script (sr-Latn-RS →
    sr-Latn, but never sr; pt-PT → pt)."""
    parts = locale.split("-")
    script = script_of(locale)
    chain = [locale]
    for length in range(len(parts) - 1, 0, -1):
        parent = "-".join(parts[:length])
        if script_of(parent) == script:
            chain.append(parent)
    return tuple(chain)


@dataclass(frozen=True, slots=True)
class CountryNaming:
    """How a project names countries: its own [country_names] first, then the profile, then CLDR."""

    profile: str = "osce"
    overrides: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: _EMPTY)
    # Answers already given, by (code, locale): every unit that names a country asks again, in every locale.
    _answers: dict[tuple[str, str], tuple[str, PolicyName | None] | None] = field(
        default_factory=dict, compare=False, repr=False)

    def __hash__(self) -> int:  # the overrides are a mapping: hashed by value, so pages can cache lists
        return hash((self.profile, tuple(sorted((locale, tuple(sorted(names.items())))
                                                for locale, names in self.overrides.items()))))

    def _profile(self) -> Profile | None:
        return osce_profile() if self.profile == "osce" else None

    def policy(self, code: str, locale: str) -> tuple[str, PolicyName | None] | None:
        """The policy's name for `code` in `locale` and the profile entry it came from (None for a project's
        own name); None when neither the project nor the profile names it there."""
        key = (code, locale)
        if key not in self._answers:
            self._answers[key] = self._policy(code, locale)
        return self._answers[key]

    def _policy(self, code: str, locale: str) -> tuple[str, PolicyName | None] | None:
        chain = _parents(locale)
        for tag in chain:
            name = self.overrides.get(tag, {}).get(code)
            if name:
                return name, None
        profile = self._profile()
        if profile is None:
            return None
        for tag in chain:
            entry = profile.names.get(tag, {}).get(code)
            # A regional variant takes the language's name only where CLDR spells the country alike in both
            # (pt-PT writes "Macedónia do Norte" where pt writes "Macedônia do Norte").
            if entry is not None and (tag == locale or cldr_territories(tag).get(code)
                                      == cldr_territories(locale).get(code)):
                return entry.name, entry
        return None

    def name(self, code: str, locale: str) -> str:
        """The country's name in `locale`."""
        found = self.policy(code, locale)
        return found[0] if found else cldr_territories(locale).get(code, code)

    def list_name(self, code: str, locale: str) -> str:
        """The name as a list item shows it: capitalised in a locale whose CLDR names all begin with a capital
        ("the Netherlands" → "The Netherlands" in English); Maltese "il-" and Irish "an" stay as they are."""
        name = self.name(code, locale)
        if name[:1].islower() and _names_capitalised(locale):
            return name[0].upper() + name[1:]
        return name

    def sort_key(self, code: str, locale: str) -> str:
        """What a list sorts the country by: the profile's key, or the name without its article."""
        found = self.policy(code, locale)
        if found and found[1] is not None and found[1].sort:
            return found[1].sort
        name = found[0] if found else cldr_territories(locale).get(code, code)
        for tag in _parents(locale):
            for pattern, replacement in osce_profile().sorting.get(tag, ()):
                name = pattern.sub(replacement, name, count=1)
            if tag in osce_profile().sorting:
                break
        return name

    def covers(self, code: str) -> bool:
        """True when the policy names this country somewhere, so a locale without its name is a gap."""
        profile = self._profile()
        return (profile is not None and code in profile.codes) or any(code in names
                                                                      for names in self.overrides.values())

    def note(self, code: str) -> str | None:
        """What translators are told about the country's name, if anything."""
        profile = self._profile()
        return profile.notes.get(code) if profile is not None else None
