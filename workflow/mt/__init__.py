"""Machine drafts: untranslated units of a locale filled from translation memory, then a machine engine.

Takes: a locale's catalogs (po) and the engine settings.
Gives: the same catalogs with drafts as fuzzy entries (`# machine draft: <engine> <date>`), an answer cache under
`.workflow/`, and a report of what came from where and what it cost.
"""

from workflow.exports import lazy_exports

_HOMES = {
    "DraftProgress": "drafting", "DraftReport": "drafting", "ENGINE_NAMES": "engines", "draft": "drafting",
    "is_machine_draft": "drafting", "MACHINE_DRAFT": "drafting",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
