"""Reading a source news item: bytes to a parsed HTML tree, with the encoding it declares."""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from workflow.errors import ParseWarning, WorkflowError
from workflow.fsio import read_file
from workflow.settings import check_item_id

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# libxml2's HTML parser predates HTML5 and calls every newer tag invalid; that is not the author's fault.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13))
_HTML5_NOISE_RE = re.compile(r"Tag [\w-]+ invalid|htmlParseEntityRef: expecting ';'")


@dataclass(frozen=True, slots=True, eq=False)
class SourcePage:
    """A parsed source item: its id, path, tree, and what the lenient parser had to repair."""

    item: str
    path: Path
    tree: etree._ElementTree
    encoding: str
    warnings: tuple[ParseWarning, ...]
    text: str


def declared_encoding(data: bytes) -> str:
    """The encoding a page declares: BOM first, then <meta charset> or http-equiv; UTF-8 otherwise."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    match = _META_CHARSET_RE.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii").lower()
        try:
            return codecs.lookup(name).name
        except LookupError:
            return name
    return "utf-8"


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\0" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 100 + 2


_parsers = threading.local()


def _html_parser() -> etree.HTMLParser:
    """This thread's HTML parser, made once: a parser's first document costs more than the ones after it,
    and its error log starts afresh with each document. One per thread, as lxml parsers are not shared."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        # etree's own HTML parser: lxml.html's element classes cost a lookup per node and are not needed.
        # huge_tree: no cap on a text's size, and nesting up to libxml2's hard limit (2048, not 256); deeper
        # sources are refused below rather than parsed with their text missing.
        parser = _parsers.parser = etree.HTMLParser(recover=True, remove_comments=False, remove_pis=False,
                                                    remove_blank_text=False, default_doctype=False,
                                                    huge_tree=True)
    return parser


def parse_html(text: str, path: Path) -> tuple[etree._ElementTree, tuple[ParseWarning, ...]]:
    """Parse HTML leniently, keeping comments; repairs become warnings with file and line."""
    parser = _html_parser()
    root = etree.fromstring(text, parser=parser)
    if root is None:
        raise WorkflowError(path, None, "no HTML content", "put an HTML document in the file")
    warnings = []
    for error in parser.error_log:
        if "Excessive depth" in error.message:
            raise WorkflowError(path, error.line or None, "elements nested deeper than the parser's limit "
                                "(2048): the text inside would be lost", "close the elements the file leaves open, "
                                "or flatten the nesting")
        if _HTML5_NOISE_RE.search(error.message):
            continue
        warnings.append(ParseWarning(str(path), error.line or None,
                                 f"malformed HTML repaired: {error.message.strip()}"))
    return root.getroottree(), tuple(warnings)


def read_source(path: Path, item: str | None = None, data: bytes | None = None) -> SourcePage:
    """Read and parse one source file; empty, binary or undecodable files are refused with the fix.

    `item` names catalogs that are not news items (the site layout's "_site"); otherwise the file name is
    the item id and must be a valid one. `data` is the file's content when the caller has just read it.
    """
    item = item or check_item_id(path.stem, path)
    if data is None:
        try:
            data = read_file(path)[0]
        except OSError as exc:
            raise WorkflowError(path, None, f"cannot read the file ({exc.strerror})",
                                "check that it exists and is readable") from None
    if not data.strip():
        raise WorkflowError(path, None, "the file is empty", "restore the news item or remove the file")
    if _looks_binary(data):
        raise WorkflowError(path, None, "the file is binary, not HTML",
                            "put only .html news items in source/")
    encoding = declared_encoding(data)
    try:
        text = data.decode(encoding)
    except LookupError:
        raise WorkflowError(path, None, f"unknown encoding {encoding!r} in <meta charset>",
                            "declare a known encoding such as utf-8") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WorkflowError(path, line, f"bytes that are not valid {encoding}",
                            f"save the file as {encoding} or fix <meta charset> to the encoding it uses") from None
    text = text.lstrip("\ufeff")
    tree, warnings = parse_html(text, path)
    return SourcePage(item=item, path=path, tree=tree, encoding=encoding, warnings=warnings, text=text)
