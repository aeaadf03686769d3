"""Files a page refers to by a relative path: the project's assets, and an item's own images, PDFs and folders.

Sources sit in `source/`; published pages one folder deeper (`output/<locale>/`). `source/assets/x` becomes
`output/assets/x`, and any other file a source refers to by a relative path (`month-of-borders-2025-data/
photo.jpg`, `report.pdf`) becomes `output/files/<the same path>`, copied once for every locale's page: each
reference is rewritten to `../assets/…` or `../files/…`. A reference that is a page (`.html`), absolute, a
fragment, or climbs out of `source/` is left alone.
"""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from lxml import etree

FILES = "files"  # output/files/: the items' own files
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Only values that can be relative file references reach Python: a page's menus hold a hundred links, nearly all
# absolute, fragments or pages. (`source_file` decides; this only leaves out what it would refuse.)
_REFERENCES = etree.XPath("(descendant-or-self::*/@src | descendant-or-self::*/@href | descendant-or-self::*/@poster "
                          "| descendant-or-self::*/@srcset)[contains(., '.') and not(starts-with(., '/')) "
                          "and not(starts-with(., '#')) and not(starts-with(., '../')) "
                          "and not(starts-with(., 'http:')) and not(starts-with(., 'https:')) and not(starts-with(., 'mailto:'))]")


class FileReference(NamedTuple):
    """A file a source refers to: its path under source/ and the line of the reference."""

    path: str
    line: int


def source_file(reference: str) -> str | None:
    """The path under source/ of the file a relative reference names (query and fragment dropped), or None
    for what is not a file of the project: pages, absolute or scheme URLs, fragments, paths leaving source/."""
    if not reference or reference[0] in "/#?" or _SCHEME_RE.match(reference):
        return None
    path = reference.split("#", 1)[0].split("?", 1)[0]
    if not path or path.endswith("/"):
        return None
    normalized = posixpath.normpath(path)
    if normalized == ".." or normalized.startswith("../"):
        return None
    name = normalized.rsplit("/", 1)[-1]
    if "." not in name.strip(".") or name.lower().endswith((".html", ".htm")):
        return None
    return normalized


def _relocated(reference: str) -> str | None:
    """The reference as a page in output/<locale>/ writes it, or None to leave it."""
    path = source_file(reference)
    if path is None:
        return None
    rest = reference[len(reference.split("#", 1)[0].split("?", 1)[0]):]  # the query and fragment, kept
    if path.startswith("assets/"):
        return f"../{path}{rest}"
    return f"../{FILES}/{path}{rest}"


def _srcset_parts(value: str) -> list[tuple[str, str]]:
    """A srcset's candidates: (URL, descriptor)."""
    parts = []
    for candidate in value.split(","):
        words = candidate.strip().split(None, 1)
        if words:
            parts.append((words[0], words[1] if len(words) > 1 else ""))
    return parts


def relocate_files(root: etree._Element) -> None:
    """Rewrite the relative file references under `root` (and its own) for a page in output/<locale>/."""
    for value in _REFERENCES(root):
        element, name = value.getparent(), value.attrname  # type: ignore[union-attr]
        if name == "srcset":
            parts = [(_relocated(url) or url, descriptor) for url, descriptor in _srcset_parts(value)]
            rewritten = ", ".join(f"{url} {descriptor}".strip() for url, descriptor in parts)
            if rewritten != value:
                element.set(name, rewritten)
            continue
        relocated = _relocated(value)
        if relocated is not None:
            element.set(name, relocated)


def file_references(root: etree._Element) -> tuple[FileReference, ...]:
    """The project files the elements under `root` refer to (assets included), each once, in document order."""
    found: dict[str, FileReference] = {}
    for value in _REFERENCES(root):
        element = value.getparent()  # type: ignore[union-attr]
        urls = [url for url, _ in _srcset_parts(value)] if value.attrname == "srcset" else [value]  # type: ignore[union-attr]
        for url in urls:
            path = source_file(url)
            if path is not None and path not in found:
                found[path] = FileReference(path, element.sourceline or 0)
    return tuple(found.values())
