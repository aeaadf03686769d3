"""Exchange with CAT tools: translation memory as TMX in and out, XLIFF 1.2 out, and translations taken back.

Takes: a locale's catalogs (po), TMX files of any tool, XLIFF or PO files that come back from a tool.
Gives: TMX and XLIFF files whose inline codes are the units' placeholders, `memory/<name>.tmx` for drafts,
and catalogs updated by the rules of the build (placeholders must match; nothing newer is overwritten).
"""

from workflow.exports import lazy_exports

_HOMES = {
    "MemoryUnit": "tmx", "imported_units": "memories", "read_tmx": "tmx", "same_language": "tmx",
    "tm_export": "memories", "tm_import": "memories", "tm_list": "memories", "write_tmx": "tmx",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
