"""Publishing: status figures and dashboard, deterministic bundles with a manifest, verify, and `run`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ITEM, ROOT, copy_sample, run_cli
from lxml import etree

from workflow.mt.drafting import MACHINE_DRAFT
from workflow.po.reader import read_po
from workflow.po.writer import serialize

EPOCH = "1759363200"  # 2025-10-02T00:00:00Z


def _project(tmp_path: Path) -> Path:
    return copy_sample(tmp_path)


@pytest.fixture()
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = _project(tmp_path)
    # Two machine drafts in German, to see them counted everywhere.
    path = project / "locales" / "de" / f"{ITEM}.po"
    catalog = read_po(path)
    entries = list(catalog.entries)
    for index in (5, 6):
        entries[index] = replace(entries[index], translator_comments=(f"{MACHINE_DRAFT} pseudo 2025-10-01",)) \
            .with_fuzzy(True)
    path.write_bytes(serialize(replace(catalog, entries=tuple(entries))))
    settings = project / "workflow.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("allow_drafts = false", "allow_drafts = true"),
                        encoding="utf-8")
    result = run_cli(project, "run")
    assert result.returncode == 0, result.stderr
    assert "bundle:  output/bundles/news.zip" in result.stdout and "open output/status.html" in result.stdout
    return project


def test_status_counts_translations_drafts_and_publication(published: Path) -> None:
    rows = json.loads(run_cli(published, "status", "--format", "json").stdout)["rows"]
    by = {(r["item"], r["locale"]): r for r in rows}
    german = by[(ITEM, "de")]
    assert german["fuzzy"] == 2 and german["machine_drafts"] == 2
    assert german["translated"] == german["units"] - 2 and german["untranslated"] == 0
    assert german["published"] is True
    arabic = by[(ITEM, "ar")]
    assert arabic["translated"] == 0 and arabic["published"] is False and "title not translated" in arabic["reason"]
    assert by[("_site", "fr")]["published"] is None
    table = run_cli(published, "status").stdout
    assert "month-of-borders-2025" in table and "held back" in table and "published" in table


def test_same_inputs_give_a_byte_identical_bundle(published: Path) -> None:
    first = (published / "output" / "bundles" / "news.zip").read_bytes()
    time.sleep(1.1)
    (published / "output" / "bundles" / "news.zip").unlink()
    assert run_cli(published, "bundle").returncode == 0
    assert (published / "output" / "bundles" / "news.zip").read_bytes() == first


def test_manifest_describes_every_file(published: Path) -> None:
    with zipfile.ZipFile(published / "output" / "bundles" / "news.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
        for member, digest in manifest["files"].items():
            assert hashlib.sha256(archive.read(member)).hexdigest() == digest
        assert all(info.date_time == (2025, 10, 2, 0, 0, 0) for info in archive.infolist())
    assert manifest["tool"].startswith("newsroom-workflow ")
    assert manifest["built_at"] == "2025-10-02T00:00:00Z"
    assert manifest["source_revision"].startswith(("git:", "sha256:"))
    assert set(names) == {*manifest["files"], "manifest.json"}
    assert {"fr/month-of-borders-2025.html", "fr/index.html", "sitemap.xml", "assets/site.css"} <= set(names)
    item = manifest["items"][ITEM]
    assert item["date"] == "2025-10-02"
    assert item["locales"]["de"]["machine_drafts"] == 2
    assert item["locales"]["fr"]["completeness"] == 1.0
    assert item["locales"]["fr"]["title"].startswith("Des principes à la pratique")
    assert "ar/month-of-borders-2025.html" not in names  # held back pages are not shipped


def _rewrite(source: Path, target: Path, change) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        members = {info.filename: old.read(info) for info in old.infolist()}
        for name, data in change(members).items():
            new.writestr(name, data)


@pytest.mark.parametrize(("case", "change", "expected"), [
    ("changed", lambda m: {**m, "fr/index.html": m["fr/index.html"].replace(b"<html", b"<html ", 1)}, "changed"),
    ("missing", lambda m: {k: v for k, v in m.items() if k != "sitemap.xml"}, "missing"),
    ("extra", lambda m: {**m, "fr/extra.html": b"<p>unlisted</p>"}, "not in the manifest"),
    ("unsafe", lambda m: {**m, "../evil.html": b"x"}, "unsafe member name"),
])
def test_verify_detects_tampering(case: str, change, expected: str, published: Path, tmp_path: Path) -> None:
    bundle = published / "output" / "bundles" / "news.zip"
    assert run_cli(published, "verify", str(bundle)).returncode == 0
    tampered = tmp_path / f"{case}.zip"
    _rewrite(bundle, tampered, change)
    result = run_cli(published, "verify", str(tampered))
    assert result.returncode == 1
    assert expected in result.stdout


def test_a_report_for_a_reader_that_is_gone_ends_quietly(published: Path) -> None:
    """A short report to a pipe is written out as the process ends (Python buffers it); a reader gone by then
    (`workflow build | head`) is not an error, and the command's own exit status stands."""
    import sys

    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "workflow", "--root", str(published), "build"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=published, env=buffered)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # gone before the report
    error = process.stderr.read().decode()
    assert process.wait() == 0 and error == ""
    report = run_cli(published, "build")
    assert report.returncode == 0 and report.stdout.splitlines()[-1].startswith("build: ")  # all of it, flushed


def test_dashboard_shows_the_status_figures(published: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `python3 run.py test` installs it")
        pytest.skip("Chromium is not installed")
    dashboard = published / "output" / "status.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", dashboard.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    root = etree.fromstring(dom, etree.HTMLParser())
    rows = json.loads(run_cli(published, "status", "--format", "json").stdout)["rows"]
    shown = {(tr.get("data-item"), tr.get("data-locale")): tr for tr in root.iterfind(".//table[@id='items']//tr")
             if tr.get("data-item")}
    assert len(shown) == len(rows)
    for row in rows:
        tr = shown[(row["item"], row["locale"])]
        for field, attribute in (("units", "data-units"), ("translated", "data-translated"), ("fuzzy", "data-fuzzy"),
                                 ("machine_drafts", "data-machine-drafts"), ("untranslated", "data-untranslated")):
            assert tr.find(f"td[@{attribute}]").text == str(row[field]), (row["item"], row["locale"], field)
        assert tr.find("td[@data-share]").text == f"{row['share']:.0%}"
    screenshots = ROOT / "output" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    shot = screenshots / "status-dashboard.png"
    subprocess.run([chromium, *flags, "--window-size=1280,1400", f"--screenshot={shot}", dashboard.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
