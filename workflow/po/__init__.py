"""Gettext catalogs: templates from units, per-locale catalogs merged without losing a translator's work.

Takes: the units of each item (segment) and the catalogs translators return.
Gives: `locales/templates/<item>.pot` and `locales/<locale>/<item>.po`, read losslessly and written exactly as
`msgcat -w 79` writes them; translation tables for the build.
"""

from workflow.exports import lazy_exports

_HOMES = {
    "Catalog": "entries", "Entry": "entries", "MACHINE_DRAFT": "entries", "MEMORY_MATCH": "entries", "MergeStats": "merge", "countries_by_key": "templates",
    "glossary_notes": "templates", "is_machine_draft": "entries", "locale_header": "templates", "merge_entries": "merge", "read_po": "reader",
    "read_translation_table": "reader", "serialize": "writer", "template_catalog": "templates",
    "template_entries": "templates", "translation_table": "reader",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
