"""The unsatisfied-callback form for one ticket (docs/rules.md §5), one A4
page portrait, written with XlsxWriter beside its name and renamed into place
when complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _
from ..labels import category_label
from ..text import clean
from ..timeutil import from_db
from .xlsx import new_book


# ------------------------------------------------------- callback form
def write_callback_form(store: Any, ticket_id: int, path: Path) -> None:
    """The form the foreman takes to the reporter after an unsatisfied callback:
    one A4 page, portrait, boxes to write the findings in by hand."""
    d = store.exports.callback_form(ticket_id)  # a ticket that is not there: refused before any file is made
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        _write_form(store, ticket_id, d, FailOnce(fh), scratch)


def _write_form(store: Any, ticket_id: int, d: dict[str, Any], out: FailOnce, scratch: Path) -> None:
    book, f = new_book(out, scratch, streamed=False)  # merged cells need the whole sheet in memory
    ws = book.add_worksheet(_("Unsatisfied callback"))
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 1)
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 3, 24)
    ws.merge_range(0, 0, 0, 3, _("Unsatisfied callback form — ticket #{id}").format(id=ticket_id), f["title"])
    tz = store.settings.timezone

    def local(s: str | None) -> str:
        return from_db(s).in_timezone(tz).format("YYYY-MM-DD HH:mm") if s else ""

    lines = [
        (_("Reporter"), d["reporter"]), (_("Phone"), d["phone"]), (_("Site"), d["site"]),
        (_("Equipment"), f"{d['asset'] or ''} {category_label(d['category'])}".strip()), (_("Reported"), local(d["reported_at"])),
        (_("Closed"), local(d["closed_at"])), (_("Technician / team"), f"{d['technician']} / {d['team']}"),
        (_("Fault"), d["description"]),
        (_("Repair record"), "\n".join(x for x in (d["symptom"], d["cause"], d["action"], d["parts"]) if x)),
        (_("Callback"), f"{local(d['called_at'])} {d['called_by']}".strip()), (_("Callback notes"), d["call_notes"]),
        (_("Foreman"), d["foreman"]),
    ]
    row = 2
    for label, value in lines:
        ws.write_string(row, 0, label, f["label"])
        ws.merge_range(row, 1, row, 3, clean(str(value or "")), f["box"])
        if "\n" in str(value or "") or len(str(value or "")) > 60:
            ws.set_row(row, 45)
        row += 1
    for label in (_("Weak points found at the visit"), _("Corrective measures proposed"), _("Reporter's opinion")):
        ws.write_string(row, 0, label, f["label"])
        ws.merge_range(row, 1, row, 3, "", f["box"])
        ws.set_row(row, 110)
        row += 1
    for label in (_("Reporter's signature"), _("Foreman's signature"), _("Date")):
        ws.write_string(row, 0, label, f["label"])
        ws.merge_range(row, 1, row, 3, "", f["box"])
        ws.set_row(row, 30)
        row += 1
    ws.print_area(0, 0, row - 1, 3)
    book.close()
