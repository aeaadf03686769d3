"""Publishing: localized pages, locale indexes, a sitemap and bundles from sources and catalogs.

Takes: the segmented sources (segment) and the catalogs (po).
Gives: `output/<locale>/<item>.html` for each locale that meets the threshold (translations put back as text plus
placeholders, never HTML), `output/<locale>/index.html`, `output/sitemap.xml`, the incremental build state, and
`output/bundles/<name>.zip` with its manifest.
"""

from workflow.exports import lazy_exports

_HOMES = {
    "BuildReport": "building", "BundleReport": "bundles", "babel_locale": "locale_data", "build": "building",
    "bundle": "bundles", "decisions_for": "building", "verify": "bundles",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
