"""`workflow status`: how far each item is translated in each locale, as a table, JSON or a dashboard page."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

from workflow.po import is_machine_draft
from workflow.po import read_po
from workflow.publish import decisions_for
from workflow.segment import source_items, words_in
from workflow.settings import SITE_CATALOG, Settings


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One catalog: an item (or the site chrome) in one locale."""

    item: str
    locale: str
    units: int
    words: int
    translated: int
    translated_words: int
    fuzzy: int
    machine_drafts: int          # fuzzy entries written by an engine (a subset of fuzzy)
    untranslated: int
    published: bool | None       # None for the site catalog, which is not a page
    reason: str

    @property
    def share(self) -> float:
        return self.translated_words / self.words if self.words else 1.0


@dataclass(frozen=True, slots=True)
class StatusReport:
    rows: tuple[StatusRow, ...]

    def to_json(self) -> dict[str, object]:
        return {"rows": [{**asdict(row), "share": round(row.share, 4)} for row in self.rows]}


def status(settings: Settings, locales: tuple[str, ...] = ()) -> StatusReport:
    """Figures for every item and the site catalog in every chosen target locale."""
    targets = settings.chosen_locales(locales)
    items = [path.stem for path in source_items(settings)]
    decisions = decisions_for(settings, tuple(items), targets)
    rows = []
    for item in [*items, SITE_CATALOG]:
        for locale in targets:
            path = settings.po_path(locale, item)
            if not path.exists():
                continue
            units = words = translated = translated_words = fuzzy = drafts = untranslated = 0
            for entry in read_po(path).entries:
                if entry.obsolete or not entry.msgid:
                    continue
                units += 1
                count = words_in(entry.msgid)
                words += count
                if entry.translated:
                    translated += 1
                    translated_words += count
                elif entry.fuzzy and entry.msgstr:
                    fuzzy += 1
                    drafts += is_machine_draft(entry)
                else:
                    untranslated += 1
            decision = decisions.get((item, locale))
            rows.append(StatusRow(item, locale, units, words, translated, translated_words, fuzzy, drafts,
                                  untranslated, decision.published if decision else None,
                                  decision.reason if decision else "site chrome"))
    return StatusReport(tuple(rows))


def status_table(report: StatusReport) -> str:
    """A compact text table, one line per catalog."""
    lines = [f"{'item':<32} {'locale':<8} {'units':>5} {'done':>5} {'fuzzy':>5} {'(MT)':>5} {'todo':>5} "
             f"{'words':>7} {'page':<10}"]
    for row in report.rows:
        page = "-" if row.published is None else "published" if row.published else "held back"
        lines.append(f"{row.item[:32]:<32} {row.locale:<8} {row.units:>5} {row.translated:>5} {row.fuzzy:>5} "
                     f"{row.machine_drafts:>5} {row.untranslated:>5} {row.share:>6.0%} {page:<10}")
    return "\n".join(lines)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}h1{font-size:1.4rem}
table{border-collapse:collapse;margin:1rem 0 2rem}th,td{padding:.3rem .6rem;text-align:start;border-bottom:1px solid #dde3ea}
td.num{text-align:end;font-variant-numeric:tabular-nums}td:first-child{white-space:nowrap}
.bar{display:flex;width:16rem;height:.9rem;background:#eef1f4;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}.done{background:#2e7d32}.fuzzy{background:#f9a825}.todo{background:#eef1f4}
.published{color:#2e7d32;font-weight:bold}.held{color:#b71c1c}
"""


def _bar(done: int, fuzzy: int, total: int) -> str:
    if not total:
        return '<div class="bar"></div>'
    parts = [("done", done), ("fuzzy", fuzzy), ("todo", total - done - fuzzy)]
    spans = "".join(f'<span class="{name}" style="width:{100 * value / total:.2f}%"></span>'
                    for name, value in parts if value)
    return f'<div class="bar" role="img" aria-label="{done} of {total} words translated">{spans}</div>'


def status_html(report: StatusReport, title: str) -> str:
    """A self-contained dashboard: a bar per locale, then a bar per item and locale."""
    by_locale: dict[str, list[StatusRow]] = {}
    for row in report.rows:
        by_locale.setdefault(row.locale, []).append(row)
    out = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
           f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
           "<h2>Locales</h2><table id=\"locales\"><thead><tr><th>Locale</th><th>Words</th><th>Translated</th>"
           "<th>Fuzzy</th><th>Machine drafts</th><th>Pages published</th><th></th></tr></thead><tbody>"]
    for locale, rows in by_locale.items():
        words = sum(r.words for r in rows)
        done = sum(r.translated_words for r in rows)
        drafts = sum(r.machine_drafts for r in rows)
        pages = [r for r in rows if r.published is not None]
        published = sum(1 for r in pages if r.published)
        out.append(f'<tr data-locale="{html.escape(locale)}"><th lang="{html.escape(locale)}">{html.escape(locale)}</th>'
                   f'<td class="num" data-words>{words}</td><td class="num" data-translated-words>{done}</td>'
                   f'<td class="num" data-fuzzy>{sum(r.fuzzy for r in rows)}</td>'
                   f'<td class="num" data-machine-drafts>{drafts}</td>'
                   f'<td class="num" data-published>{published}/{len(pages)}</td>'
                   f"<td>{_bar(done, 0, words)}</td></tr>")
    out.append("</tbody></table><h2>Items</h2><table id=\"items\"><thead><tr><th>Item</th><th>Locale</th>"
               "<th>Units</th><th>Translated</th><th>Fuzzy</th><th>Machine drafts</th><th>Untranslated</th>"
               "<th>Words translated</th><th>Page</th><th></th></tr></thead><tbody>")
    for row in report.rows:
        page = ("—" if row.published is None else
                '<span class="published">published</span>' if row.published else
                f'<span class="held" title="{html.escape(row.reason)}">held back</span>')
        out.append(f'<tr data-item="{html.escape(row.item)}" data-locale="{html.escape(row.locale)}">'
                   f"<td>{html.escape(row.item)}</td><td>{html.escape(row.locale)}</td>"
                   f'<td class="num" data-units>{row.units}</td><td class="num" data-translated>{row.translated}</td>'
                   f'<td class="num" data-fuzzy>{row.fuzzy}</td><td class="num" data-machine-drafts>'
                   f'{row.machine_drafts}</td><td class="num" data-untranslated>{row.untranslated}</td>'
                   f'<td class="num" data-share>{row.share:.0%}</td><td>{page}</td>'
                   f"<td>{_bar(row.translated, row.fuzzy, row.units)}</td></tr>")
    out.append("</tbody></table></body></html>\n")
    return "".join(out)
