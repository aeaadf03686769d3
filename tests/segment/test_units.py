"""Segmentation into units: golden templates kept as data, and the promises about the sample item."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import DATA, ITEM, ROOT

from workflow.extract import extract
from workflow.segment.items import segment_source
from workflow.segment.records import _WS_RE, collapse_whitespace
from workflow.settings import load_settings

GOLDEN = sorted((DATA / "units").glob("*.html"))


def _template_for(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1759363200")  # 2025-10-02: templates are comparable
    (tmp_path / "source").mkdir()
    shutil.copy(case, tmp_path / "source" / case.name)
    (tmp_path / "workflow.toml").write_text('[project]\nname = "Golden"\ntarget_locales = []\n')
    extract(load_settings(tmp_path))
    return (tmp_path / "locales" / "templates" / f"{case.stem}.pot").read_bytes()


@pytest.mark.parametrize("case", GOLDEN, ids=lambda p: p.stem)
def test_golden_template(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    produced = _template_for(case, tmp_path, monkeypatch)
    expected_path = case.with_suffix(".expect.pot")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_bytes(produced)
    assert produced.decode() == expected_path.read_text(encoding="utf-8")


def test_every_golden_case_has_an_expectation() -> None:
    assert GOLDEN
    assert all(case.with_suffix(".expect.pot").exists() for case in GOLDEN)


@pytest.fixture(scope="module")
def sample_units() -> list[str]:
    settings = load_settings(ROOT)
    return [unit.msgid for unit in segment_source(settings, settings.source_dir / f"{ITEM}.html").units]


@pytest.mark.parametrize("text", ["one space only", "two  spaces", "tab\there", "line\nend", " \r\n ", "\f",
                                  "a \u00a0 b", "trailing   ", "", "x\u2003\u2003y"])
def test_whitespace_collapse_is_the_html_rule(text: str) -> None:
    # Runs of HTML whitespace (space, tab, LF, CR, FF) become one space; other spaces (no-break, em) stay.
    assert collapse_whitespace(text) == _WS_RE.sub(" ", text)


def test_lead_sentence_is_one_unit(sample_units: list[str]) -> None:
    lead = ("The OSCE Month of Borders was launched in September with a series of high-level events to mark 20 "
            "years since the adoption of the OSCE Border Security and Management Concept (BSM Concept) by the "
            "OSCE Ministerial Council in Ljubljana, Slovenia in 2005.")
    assert lead in sample_units


def test_speakers_sentence_is_not_split(sample_units: list[str]) -> None:
    speakers = [u for u in sample_units if u.startswith("Speakers included <a1>Matti Sarasmaa</a1>")]
    assert len(speakers) == 1
    assert "Ambassador Alena Kupchyna" in speakers[0]
    assert speakers[0].endswith("at the time of the adoption of the Concept.")
    assert any("approximately 27 million euros" in u for u in sample_units)


def test_sample_placeholders(sample_units: list[str]) -> None:
    assert "The Month’s opening session on <date1/> highlighted two decades of the OSCE’s work on border " \
           "security management." in sample_units
    assert "The opening session of the OSCE Month of Borders, Vienna, <date1/>." in sample_units
    assert "en" not in sample_units  # html@lang is never a unit


def test_item_contributes_only_its_slots_and_head(sample_units: list[str]) -> None:
    # The participating States aside and the "Issued on:" labels of the item file are not published;
    # the layout supplies labels (translated once in the site catalog) and the States menu.
    assert "Participating States" not in sample_units
    assert "Issued on:" not in sample_units
    assert "From principles to practice: 20 years of border security and management in the OSCE" in sample_units


def test_layout_units_go_to_the_site_catalog_once() -> None:
    from workflow.extract import site_keys

    keys = site_keys(load_settings(ROOT))
    assert (None, "Issued on:") in keys
    assert (None, "<a1>Border management</a1>") in keys
    assert (None, "Participating States") in keys


@pytest.mark.parametrize("case", GOLDEN[:8] + [ROOT / "source" / f"{ITEM}.html"], ids=lambda p: p.stem)
def test_a_segmentation_goes_when_its_last_reference_does(case: Path) -> None:
    """No reference cycle in what segmenting a page makes: its tree and segments are freed at once, not left
    for the cycle collector (which the CLI runs rarely, so that hundreds of pages' trees would pile up)."""
    import gc

    settings = load_settings(ROOT)
    gc.collect()
    gc.disable()
    try:
        segmentation = segment_source(settings, case, case.stem, False)
        assert segmentation.runs
        del segmentation
        assert gc.collect() == 0
    finally:
        gc.enable()
