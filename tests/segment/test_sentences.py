"""Sentence segmentation of news English, checked against a gold set kept as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA

from workflow.segment.source import SourcePage, parse_html
from workflow.segment.units import segment_page


def _cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for path in sorted((DATA / "sentences").glob("*.txt")):
        for number, block in enumerate(path.read_text(encoding="utf-8").split("\n\n")):
            lines = [line for line in block.splitlines() if not line.startswith("#")]
            source = " ".join(line[2:] for line in lines if line.startswith("< "))
            expected = [line[2:] for line in lines if line.startswith("= ")]
            if source:
                cases.append((f"{path.stem}-{number}", source, expected))
    return cases


CASES = _cases()


def units_of_paragraph(html: str) -> list[str]:
    page_html = f'<html><head><meta name="date" content="2025-10-02"></head><body><p>{html}</p></body></html>'
    tree, _ = parse_html(page_html, Path("case.html"))
    page = SourcePage("case", Path("case.html"), tree, "utf-8", (), page_html)
    return [unit.msgid for unit in segment_page(page).units]


def test_gold_set_is_not_empty() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize(("name", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sentences(name: str, source: str, expected: list[str]) -> None:
    assert units_of_paragraph(source) == expected


def test_block_segmentation_keeps_paragraphs_whole() -> None:
    html = "<html><body><p>One sentence. Another one.</p></body></html>"
    tree, _ = parse_html(html, Path("b.html"))
    page = SourcePage("b", Path("b.html"), tree, "utf-8", (), html)
    assert [u.msgid for u in segment_page(page, "block").units] == ["One sentence. Another one."]
