"""What lists the site's pages: each locale's index of news items and the sitemap with hreflang alternates.

Both are staged only when what they list changed, and are not even listed again while no decision of their
locale changed (the sitemap: while no page was published or withdrawn).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from workflow.fsio import StagedFiles
from workflow.publish.decisions import Decider
from workflow.publish.locale_data import format_date_value
from workflow.publish.page_builder import PageBuilder
from workflow.publish.pages import (
    Alternate,
    clean_source_markers,
    country_lists,
    draft_notice,
    href,
    keep_page_kind,
    language_menu,
    marked,
    page_metadata,
    relocate_assets,
    serialize_page,
)
from workflow.publish.staging import stage_into
from workflow.digests import digest, tool_digest
from workflow.publish.state import BuildState
from workflow.segment import DAY_MONTH_YEAR
from workflow.settings import Settings, relative

# An index entry: the item, its title in the locale and its date.
IndexEntry = tuple[str, str, str | None]


def index_page(pages: PageBuilder, locale: str, entries: list[IndexEntry], published: dict[str, set[str]]) -> bytes:
    """The locale's index: the layout with its news list filled, newest first."""
    settings = pages.settings
    root = pages.render_layout(locale)
    keep_page_kind(root, "index")
    draft_notice(root, False)
    country_lists(root, locale, settings)
    for listing in marked(root, "data-news-list"):
        del listing.attrib["data-news-list"]
        for item, title, date in entries:
            entry = etree.SubElement(listing, "li")
            link = etree.SubElement(entry, "a", href=f"{item}.html")
            link.text = title
            if date:
                entry_time = etree.SubElement(entry, "time", datetime=date)
                entry_time.text = format_date_value(date, DAY_MONTH_YEAR, locale)
                link.tail = " "
        if not entries:
            listing.getparent().remove(listing)
    for empty in marked(root, "data-empty-list"):
        if entries:
            empty.getparent().remove(empty)
        else:
            del empty.attrib["data-empty-list"]
    _index_title(root)
    alternates = [Alternate(other, href(settings, other, "index.html"))
                  for other in settings.chosen_locales(with_source=True) if published.get(other)]
    page_metadata(root, locale, alternates, href(settings, settings.source_locale, "index.html")
                  if published.get(settings.source_locale) else None)
    language_menu(root, locale, alternates)
    relocate_assets(root)
    clean_source_markers(root)
    return serialize_page(root)


def _index_title(root: etree._Element) -> None:
    """The index's <title> is its heading (the layout's first h1), or "News"."""
    title = root.find("head/title")
    heading = root.find(".//h1")
    if title is None and root.find("head") is not None:
        title = etree.SubElement(root.find("head"), "title")
    if title is not None:
        title.text = "".join(heading.itertext()).strip() if heading is not None else "News"


_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;",
                                "\r": "&#13;", "\t": "&#9;"})


# URLs per sitemap file. The protocol allows 50,000 URLs and 50 MB a file; with an alternate per language an
# entry takes about 110 bytes a locale, so 5,000 URLs stay under the byte limit up to some 90 locales, and the
# build holds only one file's text at a time. A site with more URLs gets sitemap-1.xml, sitemap-2.xml, … and
# sitemap.xml becomes their index.
URLS_PER_SITEMAP = 5000


def sitemap_files(settings: Settings, items: list[str], published: dict[str, set[str]],
                  per_file: int | None = None) -> Iterator[tuple[str, bytes]]:
    """The sitemap's files by name (relative to output/): `sitemap.xml` alone while the site has at most
    `per_file` URLs; otherwise numbered files, each keeping an item's languages together, and an index."""
    per_file = per_file or URLS_PER_SITEMAP
    parts: list[str] = []
    lines: list[str] = []
    count = 0
    for item_lines in _url_entries(settings, items, published):
        if count and count + len(item_lines) > per_file:
            parts.append(f"sitemap-{len(parts) + 1}.xml")
            yield parts[-1], _urlset(lines)
            lines, count = [], 0
        lines.extend(item_lines)
        count += len(item_lines)
    if not parts:
        yield "sitemap.xml", _urlset(lines)
        return
    parts.append(f"sitemap-{len(parts) + 1}.xml")
    yield parts[-1], _urlset(lines)
    base = f"{settings.base_url}/" if settings.base_url else ""
    entries = "".join(f"  <sitemap>\n    <loc>{_xml(base + name, _XML_TEXT)}</loc>\n  </sitemap>\n" for name in parts)
    yield "sitemap.xml", (f"<?xml version='1.0' encoding='UTF-8'?>\n<sitemapindex xmlns=\"{_SITEMAP_NS}\">\n"
                          f"{entries}</sitemapindex>\n").encode("utf-8")


def sitemap(settings: Settings, items: list[str], published: dict[str, set[str]]) -> bytes:
    """The whole sitemap as one file (what `sitemap.xml` holds while the site is small enough)."""
    return _urlset([line for item_lines in _url_entries(settings, items, published) for line in item_lines])


def _urlset(lines: list[str]) -> bytes:
    head = (f"<?xml version='1.0' encoding='UTF-8'?>\n"
            f'<urlset xmlns="{_SITEMAP_NS}" xmlns:xhtml="{_XHTML_NS}"')
    if not lines:
        return (head + "/>\n").encode("utf-8")
    return (head + ">\n" + "".join(lines) + "</urlset>\n").encode("utf-8")


def _url_entries(settings: Settings, items: list[str], published: dict[str, set[str]]) -> Iterator[list[str]]:
    """Each item's <url> entries (one per published page, each with the alternates), written as text: a site
    has a <url> per page and an alternate per page and language, tens of thousands of elements that building
    as a tree would make the slowest part of the main process. Same bytes as lxml writes (pretty-printed,
    UTF-8), escapes included."""
    # Each locale with the items it publishes, its hreflang value and the start of its pages' addresses, escaped
    # once: an address is that start and the item's file name, which needs no escaping (item ids are
    # lowercase letters, digits, '.', '_' and '-').
    locales = [(published.get(locale, set()), _xml(locale, _XML_ATTRIBUTE), _xml(href(settings, locale, ""), _XML_TEXT),
                _xml(href(settings, locale, ""), _XML_ATTRIBUTE)) for locale in settings.chosen_locales(with_source=True)]
    x_default = _xml(href(settings, settings.source_locale, ""), _XML_ATTRIBUTE)
    for item in items:
        there = [locale for locale in locales if item in locale[0]]
        if not there:
            continue
        name = f"{item}.html"
        links = "".join(f'    <xhtml:link rel="alternate" hreflang="{hreflang}" href="{in_attribute}{name}"/>\n'
                        for _, hreflang, _, in_attribute in there)
        if item in published.get(settings.source_locale, ()):  # x-default is the source's page, when it is there
            links += f'    <xhtml:link rel="alternate" hreflang="x-default" href="{x_default}{name}"/>\n'
        yield [f"  <url>\n    <loc>{in_text}{name}</loc>\n{links}  </url>\n" for _, _, in_text, _ in there]


_XML_SPECIAL = re.compile('[&<>"\n\r\t]')


def _xml(text: str, table: dict[int, str]) -> str:
    """`text` escaped with `table`; most hrefs need nothing, and a search is cheaper than a translation."""
    return text.translate(table) if _XML_SPECIAL.search(text) else text


class Listings:
    """Stages each chosen locale's index and the sitemap, only when what they list changed (like pages)."""

    def __init__(self, settings: Settings, state: BuildState, pages: PageBuilder, decider: Decider,
                 layout_bytes: bytes) -> None:
        self.settings = settings
        self.state = state
        self.pages = pages
        self.decider = decider
        self.layout_bytes = layout_bytes
        self.output = settings.root / "output"
        self.stale_sitemaps: list[Path] = []  # numbered sitemap files this build no longer makes

    def stage(self, locales: tuple[str, ...], every_item: list[str], entries_of: Callable[[str], list[IndexEntry]],
              published: dict[str, set[str]], force: bool, staged: StagedFiles, changed: set[str],
              publication_changed: bool) -> tuple[list[str], Path]:
        """The indexes (their paths) and the sitemap's path, staged where needed. `entries_of` gives a
        locale's published items with their titles and dates (read only for an index made again).

        `changed` holds the locales in which a page's decision was made anew in this build, and
        `publication_changed` says whether a page was published or withdrawn: when neither the items nor the
        locales that publish anything differ from the last build's, a locale without new decisions keeps its
        index, and the sitemap stays when no page changed publication, without listing a thousand items again.
        """
        indexes = []
        locales_key = ",".join(sorted(locale for locale, items in published.items() if items))
        listed = digest("\n".join(every_item), locales_key)
        same_list = not force and listed == self.state.listed
        for locale in locales:
            path = self.output / locale / "index.html"
            indexes.append(relative(path, self.settings.root))
            if same_list and locale not in changed and f"{locale}/index.html" in self.state.pages and path.exists():
                continue
            entries = sorted(entries_of(locale), key=lambda e: (e[2] or "", e[0]), reverse=True)
            self._stage_index(locale, path, entries, published, locales_key, force, staged)
        # A build of some locales leaves the others' indexes as they were, though their decisions may have
        # changed: the next build looks at every index again.
        self.state.listed = listed if set(locales) == set(published) else ""
        sitemap_path = self.output / "sitemap.xml"
        if not (same_list and not publication_changed and "sitemap.xml" in self.state.pages and sitemap_path.exists()):
            self._stage_sitemap(sitemap_path, every_item, published, force, staged)
        return indexes, sitemap_path

    def _stage_index(self, locale: str, path: Path, entries: list[IndexEntry], published: dict[str, set[str]],
                     locales_key: str, force: bool, staged: StagedFiles) -> None:
        fingerprint = digest(tool_digest(), self.settings.settings_bytes, self.layout_bytes,
                             self.decider.site_digest(locale), json.dumps(entries), locales_key)
        if force or self.state.pages.get(f"{locale}/index.html") != fingerprint or not path.exists():
            stage_into(staged, path, index_page(self.pages, locale, entries, published))
            self.state.pages[f"{locale}/index.html"] = fingerprint

    def _stage_sitemap(self, path: Path, every_item: list[str], published: dict[str, set[str]], force: bool,
                       staged: StagedFiles) -> None:
        fingerprint = digest(tool_digest(), self.settings.base_url,
                             json.dumps(sorted((k, sorted(v)) for k, v in published.items())))
        if force or self.state.pages.get("sitemap.xml") != fingerprint or not path.exists():
            made = set()
            for name, data in sitemap_files(self.settings, every_item, published):
                stage_into(staged, self.output / name, data)
                made.add(name)
            # Numbered files of a larger site before: removed once the build is in place.
            self.stale_sitemaps = [old for old in self.output.glob("sitemap-*.xml") if old.name not in made]
            self.state.pages["sitemap.xml"] = fingerprint
