"""E-mail addresses and web addresses in running text: kept exactly as written, in every language.

A translator must not touch `press@osce.org` (a pseudo-translation turned it into `pŕéšš@öšçé.öŕğ`), so each
becomes a self-closing placeholder (`<email1/>`, `<url1/>`) whose note shows the address, and every page writes
the source's text back. Punctuation that ends the sentence is not part of the address.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A URL with a scheme, or starting with www.; an e-mail address with a dotted domain (ASCII: the letters of the
# text around it, Arabic or Cyrillic, are not part of it). Trailing punctuation (a full stop, a closing bracket
# or quote) is left to the sentence.
_ADDRESS_RE = re.compile(
    r"(?P<url>\b(?:https?|ftp)://[^\s<>\"]+|\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s<>\"]*)"
    r"|(?P<email>(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
_TRAILING = ".,;:!?)]}»”’'\""


class AddressMention(NamedTuple):
    """An address found in text: where, its text, and whether it is an e-mail address or a web address."""

    start: int
    end: int
    text: str
    kind: str  # "email" or "url"


def may_mention_address(text: str) -> bool:
    """Most text has none: an @, :// or www. must appear before the pattern is worth running."""
    return "@" in text or "://" in text or "www." in text


def addresses_in(text: str) -> list[AddressMention]:
    """The e-mail and web addresses of `text`, in order."""
    if not may_mention_address(text):
        return []
    found = []
    for match in _ADDRESS_RE.finditer(text):
        address = match.group()
        kind = "url" if match.group("url") else "email"
        if kind == "url":
            while address and address[-1] in _TRAILING and not _closes_inside(address):
                address = address[:-1]
        if kind == "email" and address.endswith("."):
            address = address.rstrip(".")
        if address:
            found.append(AddressMention(match.start(), match.start() + len(address), address, kind))
    return found


def _closes_inside(address: str) -> bool:
    """True when the last character closes a bracket the address itself opened (a Wikipedia-style URL)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    last = address[-1]
    return last in pairs and address.count(pairs[last]) >= address.count(last)
