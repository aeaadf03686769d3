"""Reports: quality checks of every catalog and the translation status of every item and locale.

Takes: the catalogs (po), the sources (segment) and the build's decisions (publish).
Gives: findings with a code, a severity, the place and a fix; status as a table, JSON or a dashboard page.
"""

from workflow.exports import lazy_exports

_HOMES = {
    "StatusReport": "progress", "check": "checks", "status": "progress", "status_html": "progress",
    "status_table": "progress",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
