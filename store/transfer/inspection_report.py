"""The inspection report for the customer (issue 25): one visit's results,
findings and recommendations. One workbook: the first sheet one A4 page,
portrait, to print and sign like the callback form (store/transfer/callback_form.py);
the second the results as data, one row per item checked. Written beside its
name and renamed into place when complete."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _, pgettext
from ..labels import category_label
from ..rules.inspections import Finding, bounds_text
from ..text import clean
from ..timeutil import local
from .xlsx import new_book


def write_inspection_report(store: Any, visit_id: int, path: Path) -> None:
    v = store.inspections.visit(visit_id)  # a visit that is not there: refused before any file is made
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        _write(store, v, FailOnce(fh), scratch)


def inspection_report_bytes(store: Any, visit_id: int) -> bytes:
    """The same report made in memory (a browser tab's download)."""
    v = store.inspections.visit(visit_id)
    buffer = io.BytesIO()
    _write(store, v, buffer, None)
    return buffer.getvalue()


def report_name(v: Any) -> str:
    """The file's name a form proposes for a visit (a VisitRow): its key, e.g. inspection-7-2026-03-31.xlsx."""
    return f"inspection-{v.plan_id}-{v.due.isoformat()}.xlsx"


def _result_text(x: Any) -> str:
    word = _("pass") if x.outcome == "pass" else _("FAIL")
    return f"{x.value} {x.item.unit} · {word}".replace("  ", " ") if x.value is not None else word


def _write(store: Any, v: Any, out: FailOnce | IO[bytes], scratch: Path | None) -> None:
    book, f = new_book(out, scratch, streamed=False)  # merged cells need the whole sheet in memory
    tz = store.settings.timezone
    ws = book.add_worksheet(_("Inspection report"))
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide; a site with many pieces runs on to a second page
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    for col, width in enumerate((22, 30, 16, 18, 30)):
        ws.set_column(col, col, width)
    center = clean(str(store.settings.setting("center_name", "") or ""), single_line=True)
    ws.merge_range(0, 0, 0, 4, _("Inspection report — visit {key}").format(key=v.key), f["title"])
    done = local(v.done_at, tz).format("YYYY-MM-DD HH:mm") if v.done_at else _("not done yet")
    row = 2
    for label, value in ((_("Service center"), center), (_("Site or equipment"), v.where), (_("Team"), v.team),
                         (_("Due"), v.due.isoformat()), (_("Done"), done)):
        ws.write_string(row, 0, label, f["label"])
        ws.merge_range(row, 1, row, 4, clean(str(value)), f["box"])
        row += 1
    row += 1
    findings: list[tuple[Any, Finding, int | None]] = []
    for col, head in enumerate((_("Equipment"), pgettext("checklist", "Item"), _("Limits"), _("Result"), _("Note"))):
        ws.write_string(row, col, head, f["head"])
    row += 1
    for rec in v.recorded:
        for x in rec.results:
            ws.write_string(row, 0, f"{clean(rec.tag, single_line=True)} ({category_label(rec.category)})", f["wrap"])
            ws.write_string(row, 1, clean(x.item.label, single_line=True), f["wrap"])
            ws.write_string(row, 2, bounds_text(x.item))
            ws.write_string(row, 3, _result_text(x), f["wrap"])
            ws.write_string(row, 4, clean(x.note, single_line=True), f["wrap"])
            row += 1
            if x.outcome == "fail":
                findings.append((rec, Finding(rec.category, x), rec.repairs.get(x.item.key)))
    missing = [eq for eq in v.equipment if eq not in {r.equipment_id for r in v.recorded}]
    if missing:
        ws.merge_range(row, 0, row, 4, _("Not inspected on this visit: equipment {ids}").format(
            ids=", ".join(str(e) for e in missing)), f["wrap"])
        row += 1
    row += 1
    ws.merge_range(row, 0, row, 4, _("Findings and recommendations"), f["head"])
    row += 1
    if not findings:
        ws.merge_range(row, 0, row, 4, _("No findings: every item passed."), f["box"])
        row += 1
    for rec, finding, ticket in findings:
        ws.write_string(row, 0, clean(rec.tag, single_line=True), f["label"])
        advice = (_("Repair under way: ticket #{id}").format(id=ticket) if ticket is not None
                  else _("Repair recommended"))
        ws.merge_range(row, 1, row, 4, clean(finding.text(), single_line=True) + "\n" + advice, f["box"])
        ws.set_row(row, 32)
        row += 1
    row += 1
    for label, height in ((_("Technician's recommendations"), 80), (_("Customer's signature"), 30),
                          (_("Technician's signature"), 30), (_("Date"), 30)):
        ws.write_string(row, 0, label, f["label"])
        ws.merge_range(row, 1, row, 4, "", f["box"])
        ws.set_row(row, height)
        row += 1
    ws.print_area(0, 0, row - 1, 4)

    data = book.add_worksheet(_("Results"))
    heads = ("visit", "due", "equipment_id", "asset_tag", "category", "item", "label", "kind", "low", "high", "unit",
             "value", "outcome", "note", "repair_ticket")
    for col, head in enumerate(heads):
        data.write_string(0, col, head, f["head"])
    n = 1
    for rec in v.recorded:
        for x in rec.results:
            cells = (v.key, v.due.isoformat(), rec.equipment_id, rec.tag, rec.category, x.item.key, x.item.label,
                     x.item.kind, x.item.low, x.item.high, x.item.unit, x.value, x.outcome, x.note,
                     rec.repairs.get(x.item.key))
            for col, cell in enumerate(cells):
                if cell is None:
                    continue
                if isinstance(cell, int):
                    data.write_number(n, col, cell)
                elif not isinstance(cell, str):
                    data.write_number(n, col, float(cell))  # a measurement or bound: a number to compute with
                else:
                    data.write_string(n, col, clean(cell, single_line=True))
            n += 1
    book.close()
