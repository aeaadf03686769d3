"""Real HTML: units put back with their own source text give back the same document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import corpus_files
from lxml import etree

from workflow.publish.render import render
from workflow.segment.placeholders import parse_translation
from workflow.segment.source import SourcePage, declared_encoding, parse_html
from workflow.segment.units import PROTECTED_TAGS, segment_page, segments_of

ARTICLES = corpus_files("w3c-articles", "*.html")


def _page(path: Path) -> SourcePage:
    data = path.read_bytes()
    text = data.decode(declared_encoding(data)).lstrip("\ufeff")
    tree, warnings = parse_html(text, path)
    return SourcePage(path.stem.replace("_", "-").lower(), path, tree, "utf-8", warnings, text)


def _signature(root: etree._Element) -> list[tuple[object, ...]]:
    """Tree shape, tags, attributes, text and tails: everything a reader or a browser would see."""
    return [(node.tag if isinstance(node.tag, str) else type(node).__name__,
             tuple(sorted(node.attrib.items())) if isinstance(node.tag, str) else (),
             node.text, node.tail) for node in root.iter()]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_source_text_reassembles_to_the_same_document(path: Path) -> None:
    page = _page(path)
    expected = _signature(_page(path).tree.getroot())
    segmentation = segment_page(page)
    assert segmentation.units, "a real article has translatable text"
    rendered = render(segmentation, lambda segment, context: segment.msgid)
    assert rendered.fallbacks == ()
    assert _signature(page.tree.getroot()) == expected


def _collapse(text: str | None) -> str:
    return re.sub(r"[ \t\n\r\f]+", " ", text or "")


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_msgids_parse_back_to_the_same_tokens(path: Path) -> None:
    # The translation path (parse a msgstr, check placeholders) accepts every msgid we wrote,
    # and gives the same text up to whitespace inside a unit (documented: units collapse spacing).
    segmentation = segment_page(_page(path))
    for segment, _kind, _context in segments_of(segmentation):
        tokens = parse_translation(segment.msgid, segment)
        assert [(t.kind, _collapse(t.text), t.placeholder) for t in tokens] == \
               [(t.kind, _collapse(t.text), t.placeholder) for t in segment.tokens]


def _protected_texts(root: etree._Element) -> list[str]:
    texts = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in PROTECTED_TAGS or node.get("translate", "").lower() == "no" \
                or "notranslate" in (node.get("class") or "").split():
            texts.extend(t for t in node.itertext() if t.strip())
    return texts


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_no_protected_text_becomes_a_unit(path: Path) -> None:
    page = _page(path)
    segmentation = segment_page(page)
    # Element text only: an alt attribute may quote a code sample's string and still be prose.
    unit_text = [
        " ".join(t.text for t in piece.tokens if t.kind == "text")
        for run in segmentation.runs for piece in run.pieces if not isinstance(piece, str)
    ]
    protected_nodes = {node for node in page.tree.getroot().iter()
                       if isinstance(node.tag, str) and (node.tag in PROTECTED_TAGS
                       or node.get("translate", "").lower() == "no"
                       or "notranslate" in (node.get("class") or "").split())}
    # Structural check: no text token of any unit comes from inside a protected element.
    for segment, _, _ in segments_of(segmentation):
        for token in segment.tokens:
            if token.placeholder is not None and token.placeholder.element is not None and token.kind == "open":
                for ancestor in (token.placeholder.element, *token.placeholder.element.iterancestors()):
                    assert ancestor not in protected_nodes
    for slot in segmentation.attributes:
        for ancestor in (slot.element, *slot.element.iterancestors()):
            assert ancestor not in protected_nodes
    for run in segmentation.runs:
        for ancestor in (run.parent, *run.parent.iterancestors()):
            assert ancestor not in protected_nodes
    # And by content: a long protected text never turns up as a whole unit.
    long_protected = {_collapse(t).strip() for t in _protected_texts(page.tree.getroot()) if len(t.strip()) > 30}
    shared = long_protected & {_collapse(t).strip() for t in unit_text}
    assert not shared


def test_corpus_has_translate_no_content() -> None:
    if not ARTICLES:
        pytest.skip("real corpus is not present")
    assert sum('translate="no"' in p.read_text(encoding="utf-8", errors="replace") for p in ARTICLES) >= 5


SNIPPET = ('<html><body><p class="x">Read <a href="/a" title="First">the report</a> and <em>the annex</em> on '
           '<time datetime="2025-09-12">12 September</time>. Next sentence.</p></body></html>')


@pytest.mark.parametrize("translation, source_lang, expected", [
    # Same placeholder order: the run's elements keep their place and attributes, only texts change.
    ("Lisez <a1>le rapport</a1> et <em1>l'annexe</em1> du <date1/>.", None,
     '<p class="x">Lisez <a href="/a" title="First">le rapport</a> et <em>l\'annexe</em> du '
     '<time datetime="2025-09-12">12 septembre</time>. Next sentence.</p>'),
    # Another order: the elements are rebuilt in the translation's order, attributes kept.
    ("Lisez <em1>l'annexe</em1> et <a1>le rapport</a1> du <date1/>.", None,
     '<p class="x">Lisez <em>l\'annexe</em> et <a href="/a" title="First">le rapport</a> du '
     '<time datetime="2025-09-12">12 septembre</time>. Next sentence.</p>'),
    # The untranslated sentence is marked as the source language, in either case.
    ("Lisez <a1>le rapport</a1> et <em1>l'annexe</em1> du <date1/>.", "en",
     '<p class="x">Lisez <a href="/a" title="First">le rapport</a> et <em>l\'annexe</em> du '
     '<time datetime="2025-09-12">12 septembre</time>. <span lang="en">Next sentence.</span></p>'),
])
def test_translated_runs_keep_their_markup_in_either_placeholder_order(translation: str, source_lang: str | None,
                                                                         expected: str) -> None:
    tree, _ = parse_html(SNIPPET, Path("snippet.html"))
    page = SourcePage("snippet", Path("snippet.html"), tree, "utf-8", (), SNIPPET)
    segmentation = segment_page(page)
    segments = {segment.msgid: segment for segment, _kind, _context in segments_of(segmentation)}
    assert set(segments) == {"First", "Read <a1>the report</a1> and <em1>the annex</em1> on <date1/>.",
                             "Next sentence."}  # the link's title is a unit of its own, left untranslated here
    first = segments["Read <a1>the report</a1> and <em1>the annex</em1> on <date1/>."]
    rendered = render(segmentation, lambda segment, context: translation if segment is first else None,
                      lambda placeholder: "12 septembre" if placeholder.value == "2025-09-12" else None, source_lang)
    assert rendered.fallbacks == ()
    assert etree.tostring(tree.getroot().find(".//p"), method="html", encoding="unicode") == expected
