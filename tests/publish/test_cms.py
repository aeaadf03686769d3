"""Articles as a CMS exports them, with no data-slot: mapped onto the layout by selectors, published whole when
nothing maps them, refused when their text would land nowhere; their own files copied; what is not prose kept."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import html5lib
import pytest
from conftest import DATA, ROOT, copy_sample, run_cli
from lxml import etree

from workflow.po.reader import read_po

WORDPRESS = DATA / "cms" / "wordpress-article.html"
YOUTH = "youth-forum-2025"
SELECTORS = """
[layout.slots]
header = "article > header.entry-header"
media = "article figure.wp-block-image"
body = "article .entry-content"
"""


def _settings(project: Path, slots: str | None = None, extra: str = "") -> None:
    """The sample's settings with French and German only, the [layout.slots] table replaced by `slots`."""
    path = project / "workflow.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"target_locales = \[[^\]]*\]", 'target_locales = ["fr", "de"]', text)
    text = re.sub(r"\[layout\.slots\]\n(?:[^\[\n][^\n]*\n|#[^\n]*\n)*", "", text)
    text = text.replace("allow_drafts = false", "allow_drafts = true")
    path.write_text(text + (slots or "") + extra, encoding="utf-8")


def _wordpress_project(folder: Path, slots: str | None = SELECTORS, extra: str = "") -> Path:
    project = copy_sample(folder, locales=("fr", "de"))
    _settings(project, slots, extra)
    shutil.copy(WORDPRESS, project / "source" / "handbook-2025.html")
    data = project / "source" / "wordpress-article-data"
    data.mkdir()
    (data / "cover-1024x576.png").write_bytes((ROOT / "source" / f"{YOUTH}-data" / "forum.png").read_bytes())
    (data / "handbook.pdf").write_bytes(b"%PDF-1.4\n% a stand-in for the handbook\n%%EOF\n")
    return project


def _pseudo_build(project: Path) -> str:
    """Extract, draft French with the pseudo engine, build with drafts allowed; the build's output."""
    assert run_cli(project, "extract").returncode == 0
    drafted = run_cli(project, "draft", "--locale", "fr", "--engine", "pseudo", "--item", "handbook-2025")
    assert drafted.returncode == 0, drafted.stderr
    built = run_cli(project, "build")
    assert built.returncode == 0, built.stderr
    return built.stdout + built.stderr


def _page(project: Path, locale: str, item: str) -> tuple[str, etree._Element]:
    html = (project / "output" / locale / f"{item}.html").read_text(encoding="utf-8")
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(html)
    assert not parser.errors, parser.errors[:3]
    return html, etree.fromstring(html.encode(), etree.HTMLParser())


def _texts_of_translations(project: Path, locale: str, item: str) -> list[str]:
    """The text between placeholders of every translated unit of an item's catalog."""
    pieces = []
    for entry in read_po(project / "locales" / locale / f"{item}.po").entries:
        if entry.msgstr and not entry.obsolete:
            pieces += [p.strip() for p in re.split(r"</?[a-z]+\d+/?>", entry.msgstr) if p.strip()]
    return pieces


def _visible(root: etree._Element) -> str:
    body = " ".join(root.find("body").itertext())
    attributes = " ".join(v for e in root.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
                          if k in ("alt", "title", "content"))
    return " ".join(f"{body} {attributes} {root.findtext('head/title') or ''}".split())


def test_a_cms_export_fits_the_layout_by_selectors(tmp_path: Path) -> None:
    project = _wordpress_project(tmp_path)
    output = _pseudo_build(project)
    html, root = _page(project, "fr", "handbook-2025")
    assert 'class="news-item"' in html and "skip-link" in html        # the layout's chrome
    assert "Proudly powered by WordPress" not in html                 # the CMS's own chrome is not
    text = _visible(root)
    missing = [piece for piece in _texts_of_translations(project, "fr", "handbook-2025") if piece not in text]
    assert not missing
    template = (project / "locales" / "templates" / "handbook-2025.pot").read_text(encoding="utf-8")
    assert "Proudly powered" not in template and "Skip to content" not in template
    assert "handbook-2025" in output


def test_the_same_article_without_a_mapping_is_published_whole(tmp_path: Path) -> None:
    project = _wordpress_project(tmp_path, slots="")
    _pseudo_build(project)
    html, root = _page(project, "fr", "handbook-2025")
    assert 'class="news-item"' not in html                           # no layout around it
    assert "site-footer" in html and "entry-content" in html         # its own document
    text = _visible(root)
    pieces = _texts_of_translations(project, "fr", "handbook-2025")
    assert len(pieces) > 10 and [piece for piece in pieces if piece not in text] == []


def test_an_item_that_fills_no_slot_is_refused_when_slots_are_required(tmp_path: Path) -> None:
    project = _wordpress_project(tmp_path, slots="", extra="\n[layout]\nrequire_slots = true\n")
    before = sorted(p.relative_to(project) for p in (project / "locales").rglob("*"))
    for command in ("extract", "build"):
        result = run_cli(project, command)
        assert result.returncode == 1
        assert re.fullmatch(r"error: \S+/source/handbook-2025\.html: the item fills none of the layout's slots "
                            r"\(require_slots = true\); mark its parts with data-slot, map them .*\n", result.stderr)
    assert sorted(p.relative_to(project) for p in (project / "locales").rglob("*")) == before


def test_text_that_would_land_on_no_page_is_refused_naming_the_first_unit(tmp_path: Path) -> None:
    project = copy_sample(tmp_path, locales=("fr", "de"))
    _settings(project)
    source = project / "source" / "month-of-borders-2025.html"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace('<div class="body" data-slot="body">',
                                   '<aside data-slot="sidebar"><p>Related: border news.</p></aside>\n'
                                   '      <div class="body" data-slot="body">'), encoding="utf-8")
    for command in ("extract", "build"):
        result = run_cli(project, command)
        assert result.returncode == 1, result.stdout
        line = text[: text.index('<div class="body" data-slot="body">')].count("\n") + 1
        assert (f"month-of-borders-2025.html:{line}: slot 'sidebar' is not in the layout, so its text would be on "
                "no page (its first unit: 'Related: border news.')") in result.stderr
        assert "use one of the layout's slots (body, fields-of-work, header, issued-by, issued-on, media)" \
            in result.stderr


def test_an_items_files_reach_every_locale_and_the_bundle_once(tmp_path: Path) -> None:
    project = _wordpress_project(tmp_path)
    output = _pseudo_build(project)
    for locale in ("en", "fr"):
        html, _ = _page(project, locale, "handbook-2025")
        assert 'src="../files/wordpress-article-data/cover-1024x576.png"' in html
        assert 'href="../files/wordpress-article-data/handbook.pdf"' in html
        assert "../files/wordpress-article-data/cover-300x169.png 300w" in html
    copied = sorted(p.relative_to(project / "output").as_posix() for p in (project / "output" / "files").rglob("*.*"))
    assert copied == ["files/wordpress-article-data/cover-1024x576.png", "files/wordpress-article-data/handbook.pdf"]
    line = WORDPRESS.read_text(encoding="utf-8").split("\n").index(
        next(row for row in WORDPRESS.read_text(encoding="utf-8").split("\n") if "srcset" in row)) + 1
    assert (f"source/handbook-2025.html:{line}: wordpress-article-data/cover-300x169.png is referenced but missing "
            "from source/") in output
    assert run_cli(project, "bundle").returncode == 0
    names = zipfile.ZipFile(project / "output" / "bundles" / "news.zip").namelist()
    assert names.count("files/wordpress-article-data/handbook.pdf") == 1
    # A file that changes is copied again on the next build; one no page refers to any more is removed.
    (project / "source" / "wordpress-article-data" / "handbook.pdf").write_bytes(b"%PDF-1.4\n% second edition\n")
    assert run_cli(project, "build").returncode == 0
    assert b"second edition" in (project / "output" / "files" / "wordpress-article-data" / "handbook.pdf").read_bytes()
    (project / "source" / "handbook-2025.html").unlink()
    assert run_cli(project, "build").returncode == 0
    assert not (project / "output" / "files" / "wordpress-article-data").exists() or \
        not any((project / "output" / "files" / "wordpress-article-data").iterdir())


def test_what_is_not_prose_stays_as_it_is(tmp_path: Path) -> None:
    project = _wordpress_project(tmp_path)
    _pseudo_build(project)
    template = (project / "locales" / "templates" / "handbook-2025.pot").read_text(encoding="utf-8")
    assert "Reference: CP-2025-114" not in template and "1998" not in template        # <pre>, as it is
    assert "Guide pratique" in template and "<cite1/>" in template                    # a note, not a unit
    assert "<email1/>" in template and "<url1/>" in template
    html, root = _page(project, "fr", "handbook-2025")
    assert "Reference: CP-2025-114\nDate: 12 May 1998" in html
    assert "NOTICE 12 May 2025: object held at the border" in html
    assert '<cite lang="fr">Guide pratique des biens culturels</cite>' in html
    assert "culture@newsroom.example" in html and "https://www.newsroom.example/contact" in html
    assert "3 décembre 2025" in _visible(root)                                       # 3&nbsp;December 2025


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_sample_cms_item_is_built_through_its_selectors(tmp_path: Path, locale: str) -> None:
    project = copy_sample(tmp_path, every_item=True)
    result = run_cli(project, "build", "--locale", locale)
    assert result.returncode == 0, result.stderr
    html, root = _page(project, locale, YOUTH)
    assert 'class="news-item"' in html and "region-footer" not in html
    assert 'src="../files/youth-forum-2025-data/forum.png"' in html
    assert (project / "output" / "files" / "youth-forum-2025-data" / "forum.png").is_file()
    assert '<q lang="fr">Ensemble pour la sécurité</q>' in html and "press@osce.org" in html
    if locale == "fr":
        text = _visible(root)
        assert not [piece for piece in _texts_of_translations(project, "fr", YOUTH) if piece not in text]


def test_real_articles_through_the_sample_layout_keep_every_unit(tmp_path: Path) -> None:
    """Every W3C article, none marked for a layout: each is published whole, and with every unit
    pseudo-translated, each unit's translation is on its page, code and preformatted text are as they were,
    every page is valid HTML5, and every file a page refers to is in output/."""
    from conftest import corpus_files, need_corpus

    need_corpus("w3c-articles")
    project = copy_sample(tmp_path, locales=("fr",))
    _settings(project)
    text = (project / "workflow.toml").read_text(encoding="utf-8").replace('["fr", "de"]', '["fr"]')
    (project / "workflow.toml").write_text(text, encoding="utf-8")
    items = {}
    for path in corpus_files("w3c-articles", "*.html"):
        item = path.name.removesuffix(".html").lower().replace("__", "-")
        shutil.copy(path, project / "source" / f"{item}.html")
        items[item] = path
        # A stand-in for each file the article refers to by a relative path inside its folder.
        for value in etree.parse(str(path), etree.HTMLParser()).xpath("//@src | //@href"):
            reference = value.split("#")[0].split("?")[0]
            name = reference.rsplit("/", 1)[-1]
            if reference and not re.match(r"[a-z]+:|/|\.\.", reference) and "." in name \
                    and not name.endswith((".html", ".htm")):
                stand_in = project / "source" / reference
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.write_bytes(b"stand-in")
    assert run_cli(project, "extract").returncode == 0
    assert run_cli(project, "draft", "--locale", "fr", "--engine", "pseudo").returncode == 0
    built = run_cli(project, "build", "--locale", "fr")
    assert built.returncode == 0, built.stderr
    checked = 0
    for item, path in items.items():
        html, root = _page(project, "fr", item)
        page_text = " ".join(" ".join(
            [*root.itertext(), *(v for e in root.iter() if isinstance(e.tag, str) for k, v in e.attrib.items()
                                 if k in ("alt", "title", "content", "aria-label", "placeholder", "value"))]).split())
        pieces = _texts_of_translations(project, "fr", item)
        assert pieces and [piece for piece in pieces if " ".join(piece.split()) not in page_text] == [], item
        checked += len(pieces)
        source = etree.parse(str(path), etree.HTMLParser())
        kept = {" ".join("".join(e.itertext()).split()) for e in root.iter("pre", "code")}
        for element in source.iter("pre", "code"):
            assert " ".join("".join(element.itertext()).split()) in kept, (item, element.sourceline)
        for value in root.xpath("//@src | //@href"):
            if value.startswith("../files/"):
                assert (project / "output" / value[3:].split("#")[0].split("?")[0]).is_file(), (item, value)
    assert checked > 2000
