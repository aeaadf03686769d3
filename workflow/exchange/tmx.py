"""TMX 1.4b: translation memory written from the catalogs, and read from any tool's file.

Written: one <tu> per reviewed translation, placeholders as <bpt>/<ept>/<ph> (see inline), the unit's place
and provenance as <prop>s. Read: every <tu> with a segment in the source language and one in a wanted
language; inline codes map back to placeholders, and a segment whose codes cannot be mapped is skipped and
counted with its line. The parser resolves no entities and loads nothing from the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from lxml import etree

from workflow import __version__
from workflow.errors import WorkflowError
from workflow.exchange.inline import SAFE_PARSING, Codes, Unmappable, fill_tmx, indent, read_inline

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TOOL = "newsroom-workflow"


@dataclass(frozen=True, slots=True)
class MemoryUnit:
    """A translation in a memory: source and target as text with placeholders, the target's language, and
    properties (x-item, x-reference, x-context, x-origin, x-file …)."""

    source: str
    target: str
    language: str
    props: tuple[tuple[str, str], ...] = ()

    def prop(self, name: str) -> str:
        return next((value for key, value in self.props if key == name), "")


@dataclass
class MemoryRead:
    """What a TMX file held for the wanted languages: the units, the segments skipped (line and reason), and
    every target language found."""

    units: list[MemoryUnit] = field(default_factory=list)
    skipped: list[tuple[int | None, str]] = field(default_factory=list)
    languages: set[str] = field(default_factory=set)
    source_language: str = ""


def write_tmx(units: Iterable[MemoryUnit], source_locale: str, inline: bool = True) -> bytes:
    """A TMX 1.4b document of `units` (deterministic: no dates, units in the order given). Placeholders are
    inline elements, or with `inline` False plain text (level 1: what OmegaT matches its tags against, since
    its tags look like our placeholders and it reads other tools' inline elements as no text at all)."""
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(root, "header", creationtool=TOOL, creationtoolversion=__version__, segtype="sentence",
                     datatype="html", adminlang="en", srclang=source_locale, attrib={"o-tmf": "PO"})
    body = etree.SubElement(root, "body")
    for unit in units:
        tu = etree.SubElement(body, "tu")
        for name, value in unit.props:
            etree.SubElement(tu, "prop", type=name).text = value
        numbers: dict[str, int] = {}
        for language, text in ((source_locale, unit.source), (unit.language, unit.target)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: language})
            seg = etree.SubElement(tuv, "seg")
            if inline:
                fill_tmx(seg, text, numbers)
            else:
                seg.text = text
    indent(root, frozenset({"seg", "prop"}))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


@lru_cache(maxsize=256)
def _language_key(tag: str) -> tuple[str, str, str] | None:
    """(language, script, region) of a tag, the script filled in from CLDR's likely subtags (sr → Cyrl)."""
    try:
        parsed = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    likely = get_global("likely_subtags").get(parsed.language, "")  # "sr" → "sr_Cyrl_RS"
    script = parsed.script or (likely.split("_")[1] if likely.count("_") == 2 else "")
    return parsed.language, script or "", parsed.territory or ""


def same_language(tag: str, locale: str) -> bool:
    """True when a memory's language tag can serve `locale`: same language and script (sr never serves
    sr-Latn), and the same region when both name one (pt-PT does not serve pt-BR)."""
    found, wanted = _language_key(tag), _language_key(locale)
    if found is None or wanted is None:
        return False
    return found[:2] == wanted[:2] and (not found[2] or not wanted[2] or found[2] == wanted[2])


def read_tmx(path: Path, locales: tuple[str, ...] = (), source_locale: str = "") -> MemoryRead:
    """The units of a TMX file whose target language serves one of `locales` (all when empty). The source
    language is the header's srclang (`source_locale` when the header says *all* or nothing). Read as a
    stream, a <tu> at a time: a memory may hold hundreds of thousands."""
    found: MemoryRead | None = None
    root: etree._Element | None = None
    try:
        for event, element in etree.iterparse(str(path), events=("start", "end"), **SAFE_PARSING):
            if root is None:
                root = element
                if element.tag != "tmx":
                    break
            elif event == "end" and element.tag == "header" and found is None:
                found = MemoryRead(source_language=_source_language(path, element, source_locale))
            elif event == "end" and element.tag == "tu" and found is not None:
                _read_tu(element, path, found.source_language, locales, found)
                element.clear(keep_tail=True)
                while element.getprevious() is not None:  # what was read before is no longer needed
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise WorkflowError(path, exc.lineno, f"not well-formed XML ({exc.msg})",
                            "export the memory again from its tool, or fix the file in an XML editor") from None
    if root is None or root.tag != "tmx" or found is None or root.find("body") is None:
        raise WorkflowError(path, root.sourceline if root is not None else None,
                            "not a TMX file (no <tmx> with a <header> and a <body>)",
                            "give a TMX 1.4 file, as CAT tools export translation memory")
    return found


def _source_language(path: Path, header: etree._Element, source_locale: str) -> str:
    source = header.get("srclang", "")
    if source in ("", "*all*"):
        source = source_locale
    if not source or _language_key(source) is None:
        raise WorkflowError(path, header.sourceline, f"the header's srclang {header.get('srclang')!r} is not a "
                            "language", 'set srclang to the source language, e.g. srclang="en"')
    return source


def _read_tu(tu: etree._Element, path: Path, source: str, locales: tuple[str, ...], found: MemoryRead) -> None:
    variants = [(tuv.get(XML_LANG) or tuv.get("lang") or "", tuv.find("seg")) for tuv in tu.iterfind("tuv")]
    original = next((seg for language, seg in variants if seg is not None and same_language(language, source)), None)
    if original is None:
        found.skipped.append((tu.sourceline, f"no segment in the source language {source}"))
        return
    props = tuple((prop.get("type", ""), prop.text or "") for prop in tu.iterfind("prop"))
    for language, seg in variants:
        if seg is None or same_language(language, source):
            continue
        found.languages.add(language)
        if locales and not any(same_language(language, locale) for locale in locales):
            continue
        codes = Codes()
        try:
            source_text = read_inline(original, codes, True)
            target_text = read_inline(seg, codes, False)
        except Unmappable as exc:
            found.skipped.append((seg.sourceline, str(exc)))
            continue
        if not source_text.strip() or not target_text.strip():
            found.skipped.append((seg.sourceline, "an empty segment"))
            continue
        found.units.append(MemoryUnit(source_text, target_text, language, props))
