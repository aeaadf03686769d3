"""The sample's French, Russian and Arabic pages in headless Chromium: direction and title as a reader sees them.

Screenshots go to output/screenshots/ (ignored by git) so a person can look at them.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, ROOT, copy_sample, run_cli
from lxml import etree

from workflow.po.reader import read_po
from workflow.po.writer import serialize
from workflow.settings import SITE_CATALOG

SCREENSHOTS = ROOT / "output" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (python3 run.py test installs it as root)")

# A page of our own, same origin as the built pages: it loads one in a frame and writes what the browser
# computed into its own DOM, which --dump-dom then prints.
HARNESS = """<!DOCTYPE html><html><body><iframe id="f" src="{page}" width="1200" height="800"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var d = this.contentDocument;
  var h1 = d.querySelector('h1');
  document.getElementById('out').textContent = JSON.stringify({{
    title: d.title,
    direction: d.defaultView.getComputedStyle(d.body).direction,
    h1: h1 ? h1.textContent.trim() : '',
    h1Visible: h1 ? h1.getBoundingClientRect().height > 0 : false,
    lang: d.documentElement.lang
  }});
}});
</script></body></html>"""


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "Chromium is missing: `python3 run.py test` installs it in CI"
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The sample built with a pseudo-Arabic catalog (so the Arabic page publishes), served on 127.0.0.1."""
    project = copy_sample(tmp_path_factory.mktemp("site"))
    for catalog in (ITEM, SITE_CATALOG):
        path = project / "locales" / "ar" / f"{catalog}.po"
        po = read_po(path)
        french = read_po(project / "locales" / "fr" / f"{catalog}.po").by_key()
        entries = tuple(replace(e, msgstr="عربي " + french[e.key].msgstr if e.key in french else e.msgid)
                        for e in po.entries)
        path.write_bytes(serialize(replace(po, entries=entries)))
    assert run_cli(project, "build").returncode == 0
    output = project / "output"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", output
    finally:
        server.shutdown()


@pytest.mark.parametrize(("locale", "direction"), [("fr", "ltr"), ("ru", "ltr"), ("ar", "rtl")])
def test_page_renders_with_its_direction_and_title(locale: str, direction: str, site: tuple[str, Path],
                                                   tmp_path: Path) -> None:
    base, output = site
    (output / f"harness-{locale}.html").write_text(HARNESS.format(page=f"{locale}/{ITEM}.html"), encoding="utf-8")
    result = _chromium("--virtual-time-budget=10000", "--dump-dom", f"{base}/harness-{locale}.html",
                       profile=tmp_path / "profile")
    dom = etree.fromstring(result.stdout, etree.HTMLParser())
    seen = json.loads(dom.findtext(".//pre"))
    page = etree.parse(str(output / locale / f"{ITEM}.html"), etree.HTMLParser()).getroot()
    assert seen["direction"] == direction
    assert seen["lang"] == locale
    assert seen["title"] == page.findtext("head/title")
    assert seen["h1"] == "".join(page.find(".//h1").itertext()).strip() and seen["h1Visible"]
    if locale == "fr":
        assert seen["title"].startswith("Des principes à la pratique")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{locale}-{ITEM}.png"
    _chromium("--window-size=1280,1600", "--hide-scrollbars", f"--screenshot={shot}",
              f"{base}/{locale}/{ITEM}.html", profile=tmp_path / "profile-shot")
    assert shot.exists() and shot.stat().st_size > 10_000


# Real sentences for the islands test (written here): "The ministry published the report today."
RTL_SENTENCES = {"ar": "نشرت الوزارة التقرير اليوم", "he": "המשרד פרסם את הדוח היום"}
ISLANDS = ('<p>Run <code>git commit -m "fix"</code> to save the work.</p>'
           '<pre>&lt;p&gt;Click the Resume button.&lt;/p&gt;</pre>'
           '<p>Questions go to press@osce.org today.</p>'
           '<p>This sentence stays in English.</p>'
           f'<blockquote lang="ar">{RTL_SENTENCES["ar"]}.</blockquote>')
ISLAND_HARNESS = """<!DOCTYPE html><html><body><iframe id="f" src="{page}" width="1200" height="800"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var d = this.contentDocument, w = d.defaultView;
  function dir(selector) {{ var e = d.querySelector(selector); return e ? w.getComputedStyle(e).direction : null; }}
  document.getElementById('out').textContent = JSON.stringify({{
    body: dir('body'), code: dir('.body code'), pre: dir('.body pre'), address: dir('.body bdi'),
    quote: dir('.body blockquote'),
    fallback: dir('.body [lang="en"]'), fallbackText: (d.querySelector('.body [lang="en"]') || {{}}).textContent
  }});
}});
</script></body></html>"""


def _rtl_translation(msgid: str, sentence: str) -> str:
    """The sentence in place of each text between placeholders, the placeholders kept as they are."""
    parts = re.split(r"(</?[a-z]+\d+/?>)", msgid)
    return "".join(part if re.fullmatch(r"</?[a-z]+\d+/?>", part) or not part.strip() else
                   part[: len(part) - len(part.lstrip())] + sentence + part[len(part.rstrip()):] for part in parts)


@pytest.mark.parametrize("locale", ["ar", "he", "fr"])
def test_islands_keep_their_direction_on_pages_of_either_direction(locale: str, tmp_path: Path) -> None:
    """Left-to-right islands on Arabic and Hebrew pages, and an Arabic quotation (kept, as text in another
    language) on the same pages and on a French one."""
    project = copy_sample(tmp_path / "project")
    source = project / "source" / f"{ITEM}.html"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace('<div class="body" data-slot="body">',
                                   '<div class="body" data-slot="body">' + ISLANDS, 1), encoding="utf-8")
    assert run_cli(project, "extract").returncode == 0
    for catalog in (ITEM, SITE_CATALOG) if locale in RTL_SENTENCES else ():
        path = project / "locales" / locale / f"{catalog}.po"
        po = read_po(path)
        path.write_bytes(serialize(replace(po, entries=tuple(
            e if e.obsolete or e.msgid == "This sentence stays in English." else
            replace(e, msgstr=_rtl_translation(e.msgid, RTL_SENTENCES[locale])) for e in po.entries))))
    assert run_cli(project, "build", "--locale", locale).returncode == 0
    output = project / "output"
    page = (output / locale / f"{ITEM}.html").read_text(encoding="utf-8")
    # The quotation says its direction where it differs from the page's; on an Arabic page it need not.
    quote_dir = "" if locale in RTL_SENTENCES else ' dir="rtl"'
    assert f'<blockquote lang="ar"{quote_dir}>{RTL_SENTENCES["ar"]}.</blockquote>' in page
    if locale in RTL_SENTENCES:
        assert '<bdi dir="ltr">press@osce.org</bdi>' in page and 'dir="ltr"' in page
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        (output / "islands.html").write_text(ISLAND_HARNESS.format(page=f"{locale}/{ITEM}.html"), encoding="utf-8")
        result = _chromium("--virtual-time-budget=10000", "--dump-dom", f"{base}/islands.html",
                           profile=tmp_path / "profile")
        seen = json.loads(etree.fromstring(result.stdout, etree.HTMLParser()).findtext(".//pre"))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{locale}-islands.png"
        _chromium("--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}",
                  f"{base}/{locale}/{ITEM}.html", profile=tmp_path / "profile-shot")
    finally:
        server.shutdown()
    assert shot.exists() and shot.stat().st_size > 10_000
    assert seen["quote"] == "rtl", seen
    if locale not in RTL_SENTENCES:
        assert seen["body"] == seen["code"] == seen["pre"] == seen["fallback"] == "ltr", seen
        return
    assert seen["body"] == "rtl"
    assert seen["code"] == seen["pre"] == seen["address"] == seen["fallback"] == "ltr", seen
    assert seen["fallbackText"].strip() == "This sentence stays in English."
