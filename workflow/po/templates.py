"""Templates (POT) from units, and the headers of templates and per-locale catalogs."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache

from babel import Locale

from workflow import __version__
from workflow.po.entries import Catalog, Entry
from workflow.segment import PLACEHOLDER_RE, Unit, countries_in
from workflow.settings import Settings

GENERATOR = f"newsroom-workflow {__version__}"


def now_stamp() -> str:
    """The current time in PO header form; SOURCE_DATE_EPOCH makes it reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit()
              else dt.datetime.now(dt.timezone.utc))
    return moment.strftime("%Y-%m-%d %H:%M+0000")


@lru_cache(maxsize=None)  # every catalog's header asks again for the same few tags
def gettext_language(tag: str) -> str:
    """BCP 47 to the gettext Language form: sr-Latn → sr_Latn, pt-BR → pt_BR."""
    return str(Locale.parse(tag, sep="-"))


@lru_cache(maxsize=None)
def plural_forms(tag: str) -> str:
    """Plural-Forms from one table (Babel's CLDR-derived gettext table), so every file agrees."""
    # Imported here: babel.messages loads Babel's whole catalog module (~8 ms), which only the commands that
    # write catalog headers need (not build, status or bundle).
    from babel.messages.plurals import get_plural

    return str(get_plural(gettext_language(tag)))


@lru_cache(maxsize=256)  # a handful of element kinds, asked for by every unit
def _kind_note(kind: str) -> str:
    if kind.startswith("meta "):
        return f"meta {kind[5:]}"
    if " " in kind:
        tag, attribute = kind.split(" ", 1)
        return f"{attribute} attribute of <{tag}>"
    return f"<{kind}> element"


def template_entries(units: tuple[Unit, ...], source_path: str) -> tuple[Entry, ...]:
    """One entry per distinct (msgctxt, msgid), in order of first appearance; positions live in references."""
    order: list[tuple[str | None, str]] = []
    grouped: dict[tuple[str | None, str], list[Unit]] = {}
    for unit in units:
        key = (unit.msgctxt, unit.msgid)
        if key not in grouped:
            grouped[key] = []
            order.append(key)
        grouped[key].append(unit)
    entries = []
    for key in order:
        group = grouped[key]
        if len(group) == 1:  # the usual case; legend lines name distinct placeholders, so none repeats
            unit = group[0]
            notes = (_kind_note(unit.kind), *unit.legend)
            references: tuple[str, ...] = (f"{source_path}:{unit.line}",)
        else:  # notes and references in order of first appearance, each once
            notes = tuple(dict.fromkeys(note for unit in group for note in (_kind_note(unit.kind), *unit.legend)))
            references = tuple(dict.fromkeys(f"{source_path}:{unit.line}" for unit in group))
        entries.append(Entry(msgid=key[1], msgctxt=key[0], extracted_comments=notes, references=references))
    return tuple(entries)


def countries_by_key(entries: tuple[Entry, ...]) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """The countries each entry's running text mentions, for the per-locale glossary notes."""
    found = {}
    for entry in entries:
        codes = countries_in(PLACEHOLDER_RE.sub(" ", entry.msgid))
        if codes:
            found[entry.key] = tuple(codes)
    return found


def glossary_notes(codes: tuple[str, ...], locale: str, settings: Settings) -> tuple[str, ...]:
    """`#.` glossary hints: each country's English name and its name in the target language (with what the
    naming policy says of it, such as Kosovo's status-neutral wording)."""
    names = settings.names
    notes = []
    for code in codes:
        source_name, note = names.name(code, settings.source_locale), names.note(code)
        notes.append(f"glossary: {source_name} = {names.name(code, locale)}")
        if note:
            notes.append(f"naming: {source_name}: {note}")
    return tuple(notes)


def template_header(settings: Settings, item: str, created: str) -> tuple[tuple[str, str], ...]:
    return (
        ("Project-Id-Version", f"{settings.name} {item}"),
        ("Report-Msgid-Bugs-To", settings.bugs_address),
        ("POT-Creation-Date", created),
        ("PO-Revision-Date", created),
        ("Last-Translator", ""),
        ("Language-Team", ""),
        # msgfmt -c wants a Language; a template's language is the source language until msginit.
        ("Language", gettext_language(settings.source_locale)),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("Plural-Forms", plural_forms(settings.source_locale)),
        ("X-Generator", GENERATOR),
        ("X-Source-Language", settings.source_locale),
    )


def template_catalog(settings: Settings, item: str, entries: tuple[Entry, ...],
                     previous: Catalog | None) -> Catalog:
    """The POT; its creation date changes only when its entries do."""
    created = previous.header_value("POT-Creation-Date") if previous is not None else None
    if previous is None or previous.entries != entries or not created:
        created = now_stamp()
    header = template_header(settings, item, created)
    comments = (f"Translation template for the news item {item!r} of {settings.name}.",
                "This file is generated by `workflow extract`; translate the per-locale .po files.")
    return Catalog(header_comments=comments, header=header, entries=entries)


def locale_header(settings: Settings, item: str, locale: str, pot_created: str,
                  previous: Catalog | None) -> tuple[tuple[str, str], ...]:
    """A locale catalog's header: the translator's fields kept, missing ones added, POT date updated."""
    language_name = Locale.parse(locale, sep="-").english_name or locale
    team = f"{language_name} <{settings.team_address}>" if settings.team_address else language_name
    wanted = {
        "Project-Id-Version": f"{settings.name} {item}",
        "Report-Msgid-Bugs-To": settings.bugs_address,
        "POT-Creation-Date": pot_created,
        "PO-Revision-Date": pot_created,
        "Last-Translator": "",
        "Language-Team": team,
        "Language": gettext_language(locale),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
        "X-Generator": GENERATOR,
        "X-Source-Language": settings.source_locale,
    }
    if previous is None or not previous.header:
        return tuple(wanted.items())
    fields = [(name, pot_created if name == "POT-Creation-Date" else value) for name, value in previous.header]
    present = {name.lower() for name, _ in fields}
    fields += [(name, value) for name, value in wanted.items() if name.lower() not in present]
    return tuple(fields)
