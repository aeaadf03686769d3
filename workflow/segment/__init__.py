"""Segmenting: a source page becomes translation units tied to the places they came from.

Takes: a project's `source/<item>.html` files (bytes in any declared encoding) and the settings.
Gives: the parsed page, its runs and segments (sentences with numbered placeholders, typed dates and countries),
the units a template lists, and the placeholder rule every later stage checks a translation with.
"""

from workflow.exports import lazy_exports

_HOMES = {
    "AttributeSlot": "records", "Protection": "units", "addresses_in": "addresses", "ADDRESS": "records", "COUNTRY": "records", "DATE": "records", "DATE_TIME": "dates", "DAY_MONTH": "dates",
    "DAY_MONTH_YEAR": "dates", "MONTH_YEAR": "dates", "PLACEHOLDER_PARTS_RE": "placeholders", "PLACEHOLDER_RE": "records", "PROTECTED_TAGS": "units",
    "Placeholder": "records", "PlaceholderMismatch": "placeholders", "Run": "records", "Segment": "records",
    "Segmentation": "records", "SourcePage": "source", "Token": "records", "Unit": "records",
    "boundaries": "sentences", "catalog_paths": "items", "context_of": "units", "countries_in": "countries",
    "has_slots": "units", "is_protected": "units", "item_names": "items", "protection_of": "items", "parse_translation": "placeholders", "placeholder_problem": "placeholders",
    "read_source": "source", "segment_source": "items", "segments_of": "units", "source_items": "items",
    "unfit_character": "placeholders", "words_in": "records",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
