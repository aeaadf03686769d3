"""Digests of inputs, for the incremental state of `extract` and `build`: what a file or a run was made from."""

from __future__ import annotations

import os
from functools import lru_cache

import babel
from lxml import etree

try:  # Python's own BLAKE2, not hashlib's: importing hashlib loads OpenSSL, ~3.5 ms of every build's start
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

from workflow import __version__
from workflow.fsio import read_file

# Digests in the state are BLAKE2b of 128 bits: ample to tell changed inputs apart, and the state file (a
# few per page) stays small enough to read and write quickly on every build.
DIGEST_BYTES = 16


def digest(*parts: bytes | str) -> str:
    """A digest of the parts, each length-prefixed (so no two lists of parts feed the same bytes)."""
    hasher = blake2b(digest_size=DIGEST_BYTES)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def file_digest(known: dict[str, tuple[int, int, str]], name: str, read: dict[str, bytes] | None = None) -> str:
    """A file's digest, read again only when its size or modification time differs from what `known` holds
    for it (and `known` is updated); "" for a file that is not there. What is read is left in `read` (by
    name) when given, for a caller that parses the file next."""
    entry = known.get(name)
    try:
        if entry:
            status = os.stat(name)
            if entry[0] == status.st_mtime_ns and entry[1] == status.st_size:
                return entry[2]
        data, status = read_file(name)  # the status of what is read, whether or not a stat came first
    except FileNotFoundError:
        return ""
    found = blake2b(data, digest_size=DIGEST_BYTES).hexdigest()
    known[name] = (status.st_mtime_ns, status.st_size, found)
    if read is not None:
        read[name] = data
    return found


@lru_cache(maxsize=1)
def tool_digest() -> str:
    """The tool's version and code, and the versions of the libraries whose output the pages hold (Babel's
    CLDR dates and names, lxml's and libxml2's serializer): pages made by other code are rebuilt, even when
    the version number did not change (an install from a newer checkout).

    The code (and the package's data files) is known by each file's size and modification time, as Python's
    own bytecode cache knows it: reading and hashing every module would take a millisecond of every run; a
    reinstall of the same code costs one full rebuild."""
    package = os.path.dirname(os.path.abspath(__file__))  # the workflow package
    modules = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        place = os.path.relpath(folder, package)
        modules.extend((os.path.normpath(os.path.join(place, name)), os.stat(os.path.join(folder, name)))
                       for name in names if name.endswith((".py", ".toml")))  # code, and data such as names
    modules.sort()
    return digest(__version__, babel.__version__, repr(etree.LXML_VERSION), repr(etree.LIBXML_VERSION),
                  *(f"{name} {status.st_size} {status.st_mtime_ns}" for name, status in modules))
