"""XLIFF 1.2 for CAT tools: a locale's catalogs written as XLIFF, and read back.

One XLIFF document per export, a <file> per catalog. Each entry is a <trans-unit>: its id is the entry's
identity (context and source, digested), placeholders are inline codes (<g>, <x>) that CAT tools protect,
the extractor's notes and the translator's comments are <note>s, the unit's place a location context, and
the state follows PO: no translation → state="new", fuzzy → "needs-review-translation", translated →
"translated" with approved="yes". The translation as exported is kept (digested) in the unit's own
attribute, so an import can tell a tool's work from a translator's later edit of the catalog.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from workflow import __version__
from workflow.errors import WorkflowError
from workflow.exchange.inline import SAFE_PARSING, Codes, Unmappable, fill_xliff, indent, read_inline
from workflow.po import Entry

XLIFF = "urn:oasis:names:tc:xliff:document:1.2"
OURS = "urn:newsroom-workflow:exchange"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TOOL = "newsroom-workflow"
NEW, REVIEW, TRANSLATED = "new", "needs-review-translation", "translated"


def unit_id(entry: Entry) -> str:
    """A trans-unit's id: the entry's identity (msgctxt and msgid), digested."""
    return text_digest(f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def state_of(entry: Entry) -> str:
    return NEW if not entry.msgstr else REVIEW if entry.fuzzy else TRANSLATED


def write_xliff(catalogs: Iterable[tuple[str, tuple[Entry, ...]]], source_locale: str, locale: str) -> bytes:
    """An XLIFF 1.2 document with a <file> per (catalog path, entries)."""
    root = etree.Element(f"{{{XLIFF}}}xliff", version="1.2", nsmap={None: XLIFF, "nw": OURS})
    for original, entries in catalogs:
        file = etree.SubElement(root, f"{{{XLIFF}}}file", original=original, datatype="po",
                                attrib={"source-language": source_locale, "target-language": locale})
        header = etree.SubElement(file, f"{{{XLIFF}}}header")
        etree.SubElement(header, f"{{{XLIFF}}}tool", attrib={"tool-id": TOOL, "tool-name": TOOL,
                                                             "tool-version": __version__})
        body = etree.SubElement(file, f"{{{XLIFF}}}body")
        for entry in entries:
            _write_unit(body, entry)
    indent(root, frozenset({"source", "target", "note", "context", "tool"}))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _write_unit(body: etree._Element, entry: Entry) -> None:
    unit = etree.SubElement(body, f"{{{XLIFF}}}trans-unit", id=unit_id(entry),
                            attrib={XML_SPACE: "preserve", f"{{{OURS}}}exported": text_digest(entry.msgstr)})
    if entry.msgctxt is not None:
        unit.set("resname", entry.msgctxt)
    state = state_of(entry)
    unit.set("approved", "yes" if state == TRANSLATED else "no")
    numbers: dict[str, int] = {}
    _fill(etree.SubElement(unit, f"{{{XLIFF}}}source"), entry.msgid, numbers)
    _fill(etree.SubElement(unit, f"{{{XLIFF}}}target", state=state), entry.msgstr, numbers)
    for note in entry.extracted_comments:
        etree.SubElement(unit, f"{{{XLIFF}}}note", {"from": "developer"}).text = note
    for comment in entry.translator_comments:
        etree.SubElement(unit, f"{{{XLIFF}}}note", {"from": "translator"}).text = comment
    for reference in entry.references:
        where, _, line = reference.rpartition(":")
        group = etree.SubElement(unit, f"{{{XLIFF}}}context-group", name="po-reference", purpose="location")
        etree.SubElement(group, f"{{{XLIFF}}}context", {"context-type": "sourcefile"}).text = where or reference
        if line.isdigit():
            etree.SubElement(group, f"{{{XLIFF}}}context", {"context-type": "linenumber"}).text = line


def _fill(element: etree._Element, text: str, numbers: dict[str, int]) -> None:
    try:
        fill_xliff(element, text, numbers, XLIFF)
    except Unmappable:  # a translation whose placeholders are broken goes out as plain text, to be fixed there
        for child in list(element):
            element.remove(child)
        element.text = text


@dataclass(frozen=True, slots=True)
class ReturnedUnit:
    """A trans-unit as it came back: its context, source and target as text with placeholders (target None
    when it has none), its state, the digest of the translation exported, and its line. (It is found again by
    its context and source, which a tool cannot change, not by its id.)"""

    context: str | None
    source: str
    target: str | None
    state: str
    exported: str | None
    line: int | None


@dataclass(frozen=True, slots=True)
class ReturnedFile:
    original: str
    locale: str
    units: tuple[ReturnedUnit, ...]
    refused: tuple[tuple[int | None, str], ...]  # units whose inline codes do not map: (line, reason)


def read_xliff(path: Path) -> list[ReturnedFile]:
    """The <file>s of an XLIFF 1.2 document, their units as text with placeholders."""
    try:
        root = etree.parse(str(path), etree.XMLParser(**SAFE_PARSING)).getroot()
    except etree.XMLSyntaxError as exc:
        raise WorkflowError(path, exc.lineno, f"not well-formed XML ({exc.msg})",
                            "save the file again from the CAT tool, or fix it in an XML editor") from None
    if etree.QName(root).localname != "xliff" or not root.get("version", "").startswith("1."):
        raise WorkflowError(path, root.sourceline, "not an XLIFF 1.x document",
                            "give the XLIFF file `workflow export --format xliff` wrote, as the tool saved it")
    files = []
    for file in root.iter(f"{{{XLIFF}}}file"):
        locale = file.get("target-language", "")
        units, refused = [], []
        for unit in file.iter(f"{{{XLIFF}}}trans-unit"):
            try:
                units.append(_read_unit(unit))
            except Unmappable as exc:
                refused.append((unit.sourceline, str(exc)))
        files.append(ReturnedFile(file.get("original", ""), locale, tuple(units), tuple(refused)))
    return files


def _read_unit(unit: etree._Element) -> ReturnedUnit:
    source = unit.find(f"{{{XLIFF}}}source")
    target = unit.find(f"{{{XLIFF}}}target")
    codes = Codes()
    source_text = read_inline(source, codes, True) if source is not None else ""
    target_text = read_inline(target, codes, False) if target is not None else None
    state = target.get("state", "") if target is not None else ""
    if not state and target is not None:
        state = TRANSLATED if unit.get("approved") == "yes" else REVIEW if target_text else NEW
    return ReturnedUnit(unit.get("resname"), source_text, target_text, state,
                        unit.get(f"{{{OURS}}}exported"), unit.sourceline)
