"""Assembling localized pages: the layout's chrome around an item's slots, with the locale's metadata."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from workflow.publish.item_files import relocate_files
from workflow.publish.locale_data import direction, format_date_value, native_name, og_locale, sorted_names
from workflow.naming import CountryNaming
from workflow.segment import COUNTRY, DATE, Placeholder
from workflow.settings import Settings

DOCTYPE = "<!DOCTYPE html>"


@lru_cache(maxsize=None)
def _marked(attribute: str) -> etree.XPath:
    # The attribute nodes themselves, in document order: selecting attributes in compiled XPath (libxml2) is
    # several times faster than ElementPath's iterfind, which walks the tree in Python, or an element predicate.
    return etree.XPath(f"descendant::*/@{attribute}")


def marked(root: etree._Element, attribute: str) -> list[etree._Element]:
    """The elements under `root` (not `root` itself) that carry `attribute`, in document order."""
    return [value.getparent() for value in _marked(attribute)(root)]  # type: ignore[union-attr]


_ITEM_LINK_RE = re.compile(r"^(?:\.\./[A-Za-z-]+/|/news/|\./)?([a-z0-9][a-z0-9._-]*?)(?:\.html)?(?=$|[?#])")


def typed_renderer(locale: str, settings: Settings) -> Callable[[Placeholder], str | None]:
    """Dates and country names written for `locale`; the source locale keeps the source's own words."""
    if locale == settings.source_locale:
        return lambda placeholder: None

    def render_typed(placeholder: Placeholder) -> str | None:
        if placeholder.kind == DATE and placeholder.value:
            return format_date_value(placeholder.value, placeholder.precision, locale)
        if placeholder.kind == COUNTRY and placeholder.value:
            return settings.names.name(placeholder.value, locale)
        return None

    return render_typed


def fill_slots(layout_root: etree._Element, item_root: etree._Element) -> None:
    """Put each of the item's data-slot elements where the layout has the slot of the same name.

    The item's element replaces the layout's marker, so a figure stays a figure and a header a header.
    """
    slots = {element.get("data-slot"): element for element in marked(item_root, "data-slot")}
    for marker in marked(layout_root, "data-slot"):
        source = slots.get(marker.get("data-slot"))
        parent = marker.getparent()
        if source is None:
            del marker.attrib["data-slot"]
            continue
        del source.attrib["data-slot"]
        tail = marker.tail
        source.tail = tail
        parent.replace(marker, source)


def merge_head(layout_root: etree._Element, item_root: etree._Element) -> None:
    """The item's title and meta tags go into the layout's head (the layout's own come first)."""
    layout_head = layout_root.find("head")
    item_head = item_root.find("head")
    if layout_head is None or item_head is None:
        return
    for element in list(item_head):
        if not isinstance(element.tag, str) or element.tag == "link" and element.get("rel") == "stylesheet":
            continue
        if element.tag == "meta" and (element.get("charset") or element.get("name") == "viewport"):
            continue
        layout_head.append(element)


def keep_page_kind(root: etree._Element, kind: str) -> None:
    """Drop the layout parts meant for the other kind of page (data-page="item" or "index")."""
    for element in marked(root, "data-page"):
        if element.get("data-page") != kind:
            element.getparent().remove(element)
        else:
            del element.attrib["data-page"]


def draft_notice(root: etree._Element, show: bool) -> None:
    """Keep the machine-translation notice only on pages that publish drafts."""
    for element in marked(root, "data-draft-notice"):
        if show:
            del element.attrib["data-draft-notice"]
        else:
            element.getparent().remove(element)


def country_lists(root: etree._Element, locale: str, settings: Settings) -> None:
    """Fill data-country-list elements with the policy's names in the locale, in its readers' order: by each
    name's sort key (without a leading article), then the name, in the locale's collation."""
    for element in marked(root, "data-country-list"):
        href = element.get("data-href") or ""
        for child in list(element):
            element.remove(child)
        element.text = None
        for code, name in _country_list(tuple(element.get("data-country-list", "").split()), locale, settings.names):
            item = etree.SubElement(element, "li")
            link = etree.SubElement(item, "a", href=href.replace("{code}", code.lower())) if href else item
            link.text = name
        del element.attrib["data-country-list"]
        if "data-href" in element.attrib:
            del element.attrib["data-href"]


@lru_cache(maxsize=256)
def _country_list(codes: tuple[str, ...], locale: str, naming: CountryNaming) -> tuple[tuple[str, str], ...]:
    """Each listed country's code and list name, in order: the same list is on every page of a locale."""
    unique = list(dict.fromkeys(codes))
    keys = {code: (naming.sort_key(code, locale), naming.list_name(code, locale)) for code in unique}
    return tuple((code, keys[code][1]) for code in sorted_names(unique, locale, keys.__getitem__))


class Alternate(NamedTuple):
    """Another published language version of the same page."""

    locale: str
    href: str


# An element of a page's head: its tag and its attributes, in order.
HeadElement = tuple[str, tuple[tuple[str, str], ...]]


def page_metadata(root: etree._Element, locale: str, alternates: Sequence[Alternate], x_default: str | None) -> None:
    """<html lang dir>, content language, og:locale with alternates, and hreflang links."""
    _make_metadata(_language_head(root, locale), _metadata(locale, alternates, x_default))


def page_metadata_marked(root: etree._Element, locale: str, alternates: Sequence[Alternate],
                         x_default: str | None, marker: str) -> str | None:
    """`page_metadata` for a page that is serialized and then filled in (see `render.Skeleton`): `marker` at
    the end of the head, where the elements go, and their HTML. A page has as many of them as its item has
    locales, and each element is the same on every page of its item (or of the site): each is written once by
    the serializer and kept, not made and written again for every page of every locale.

    None when the elements are made in the tree after all: a head with no element but <meta charset>, which
    `page_html` replaces by one put before anything else, the marker included."""
    head = _language_head(root, locale)
    elements = _metadata(locale, alternates, x_default)
    # After the last element, as `page_metadata` puts them; but not in the tail of a <meta charset>, which
    # `page_html` removes with its tail (any after the last other element: the marker is then where the
    # elements would be once they are gone).
    last = next((element for element in reversed(head) if not _is_charset(element)), None)
    if last is None:
        _make_metadata(head, elements)
        return None
    last.tail = (last.tail or "") + marker
    return "".join([_element_html(element) for element in elements])


def _language_head(root: etree._Element, locale: str) -> etree._Element:
    """Set the page's language and direction; its head, without the language metadata it held."""
    root.set("lang", locale)
    root.set("dir", direction(locale))
    head = root.find("head")
    if head is None:
        head = etree.Element("head")
        root.insert(0, head)
    for element in list(head):
        if element.tag == "meta" and (element.get("property") or "").startswith("og:locale"):
            head.remove(element)
        elif element.tag == "meta" and (element.get("http-equiv") or "").lower() == "content-language":
            head.remove(element)
        elif element.tag == "link" and element.get("rel") == "alternate" and element.get("hreflang"):
            head.remove(element)
    return head


def _metadata(locale: str, alternates: Sequence[Alternate], x_default: str | None) -> list[HeadElement]:
    own = og_locale(locale)
    elements: list[HeadElement] = [("meta", (("http-equiv", "Content-Language"), ("content", locale))),
                                   ("meta", (("property", "og:locale"), ("content", own)))]
    written = {own}  # sr and sr-Latn are both sr_RS to Open Graph: each value once
    for alternate in alternates:
        value = og_locale(alternate.locale)
        if value not in written:
            written.add(value)
            elements.append(("meta", (("property", "og:locale:alternate"), ("content", value))))
    elements += [("link", (("rel", "alternate"), ("hreflang", alternate.locale), ("href", alternate.href)))
                 for alternate in alternates]
    if x_default:
        elements.append(("link", (("rel", "alternate"), ("hreflang", "x-default"), ("href", x_default))))
    return elements


def _make_metadata(head: etree._Element, elements: list[HeadElement]) -> None:
    for tag, attributes in elements:
        etree.SubElement(head, tag, dict(attributes))


@lru_cache(maxsize=4096)  # a site's og:locale values, and its items' links while their pages are made
def _element_html(element: HeadElement) -> str:
    return etree.tostring(etree.Element(element[0], dict(element[1])), method="html", encoding="unicode")


def language_menu(root: etree._Element, locale: str, alternates: Sequence[Alternate]) -> None:
    """Links to the other language versions, each named in its own language."""
    for nav in marked(root, "data-language-list"):
        del nav.attrib["data-language-list"]
        others = [a for a in alternates if a.locale != locale]
        if not others:
            nav.getparent().remove(nav)
            continue
        listing = etree.SubElement(nav, "ul")
        for alternate in others:
            item = etree.SubElement(listing, "li")
            link = etree.SubElement(item, "a", href=alternate.href, hreflang=alternate.locale, lang=alternate.locale)
            link.set("dir", direction(alternate.locale))
            link.text = native_name(alternate.locale)


def item_links(root: etree._Element) -> set[str]:
    """Names that links under `root` point to and that may be news items (which ones are is known later)."""
    names = set()
    for link in root.iter("a"):
        match = _ITEM_LINK_RE.match(link.get("href") or "")
        if match:
            names.add(match.group(1))
    return names


def localize_links(root: etree._Element, published: set[str], all_items: set[str], source_locale: str) -> None:
    """Links to other news items point to the localized page where one exists, else to the original."""
    for link in root.iter("a"):
        href = link.get("href") or ""
        match = _ITEM_LINK_RE.match(href)
        if not match or match.group(1) not in all_items:
            continue
        item = match.group(1)
        rest = href[match.end():]
        if item in published:
            link.set("href", f"{item}.html{rest}")
        else:
            link.set("href", f"../{source_locale}/{item}.html{rest}")
            link.set("hreflang", source_locale)


def relocate_assets(root: etree._Element) -> None:
    """Sources point at assets/ and their own files next to them; published pages sit one folder deeper
    (output/<locale>/), and an item's files are in output/files/ (see `item_files`)."""
    relocate_files(root)


def clean_source_markers(root: etree._Element) -> None:
    """Authoring attributes (msgctxt hints) do not belong on the published page."""
    for element in marked(root, "data-msgctxt"):
        del element.attrib["data-msgctxt"]


# Whether anything under an element carries an attribute that assembling a page looks for (slots, page kinds,
# the draft notice, country lists, language menus, news listings): such content stays in the tree.
_ASSEMBLY_MARKED = etree.XPath("boolean(descendant::*[@data-slot or @data-page or @data-draft-notice "
                               "or @data-country-list or @data-language-list or @data-news-list "
                               "or @data-empty-list])")


def fold_content(root: etree._Element, marker: Callable[[int], str]) -> list[str]:
    """Replace the content of the elements below <html> (not in <head>) that hold nothing assembling a page
    looks for by `marker(n)`, and return the HTML of each content, its assets relocated and source markers
    cleaned as `relocate_assets` and `clean_source_markers` would on the page.

    The elements themselves stay, with their attributes, so slots still move and a marker on the element
    itself still works. Links in folded content are not localized: a page that links to other items (see
    `localize_links`) must not use it. ValueError when the serializer writes an element with content in an
    unexpected way (the tree is then half folded: the caller drops it).
    """
    blocks: list[str] = []

    def visit(element: etree._Element) -> None:
        for child in element:
            if not isinstance(child.tag, str) or child.tag == "head" or child.text is None and not len(child):
                continue
            if _ASSEMBLY_MARKED(child):
                visit(child)
                continue
            for grandchild in child:
                if isinstance(grandchild.tag, str):
                    relocate_assets(grandchild)  # the element's own attributes are relocated with the page
            clean_source_markers(child)
            written = etree.tostring(child, method="html", encoding="unicode", with_tail=False)
            end = f"</{child.tag}>"
            if not written.endswith(end):  # only empty (void) elements are written without one
                raise ValueError(f"<{child.tag}> with content was written without an end tag")
            blocks.append(written[written.index(">") + 1: -len(end)])
            for grandchild in list(child):
                child.remove(grandchild)
            child.text = marker(len(blocks) - 1)

    visit(root)
    return blocks


def page_html(root: etree._Element) -> str:
    """HTML5 serialization with a doctype, UTF-8 declared in the first meta."""
    head = root.find("head")
    if head is not None:
        for element in list(head):
            if _is_charset(element):
                head.remove(element)
        head.insert(0, etree.Element("meta", charset="utf-8"))
    return DOCTYPE + "\n" + etree.tostring(root, method="html", encoding="unicode") + "\n"


def _is_charset(element: etree._Element) -> bool:
    return element.tag == "meta" and bool(element.get("charset"))


def serialize_page(root: etree._Element) -> bytes:
    """`page_html`, encoded as the page declares."""
    return page_html(root).encode("utf-8")


def fresh_copy(root: etree._Element) -> etree._Element:
    """A deep copy to render one locale into."""
    return copy.deepcopy(root)


def href(settings: Settings, locale: str, name: str) -> str:
    """The address of a page of `locale`: absolute under the project's base URL, or relative to a page."""
    base = settings.base_url
    return f"{base}/{locale}/{name}" if base else f"../{locale}/{name}"
