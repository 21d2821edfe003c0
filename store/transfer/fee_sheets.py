"""The month workbook's "Fees" and "Invoices" sheets (issue 25, "Fees and
invoices"; store/transfer/workbooks.py writes the rest of the book).

- Fees: the tickets closed in the month with a fee, one row each as
  'dispatch export fees' gives them (the items by kind, proposed against
  recorded, the difference and its reason, the invoice and its check), then
  the totals per priority and for the month, and the parts under warranty
  against the charged ones (store/repo/fee_reports.py).
- Invoices: the month's invoices, those unchecked for longer than
  ``invoice_check_days`` first.
Amounts are spreadsheet numbers shown in the site's currency ("¥6,800.50"),
never text; people's text (a reason, an invoice number) is cleaned of
control characters and stays text (``strings_to_formulas`` is off)."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from ..money import money_cell_format
from ..repo.export_rows import ExportFilter
from ..rules.periods import Period
from ..timeutil import to_db
from .xlsx import Sheet

FEE_KINDS = ["number", "time", "code", "text", "text", "money", "money", "money", "money", "money", "number", "money",
             "money", "money", "text", "text", "time", "text", "time"]
SUM_KINDS = ["code", "number", "money", "money", "money", "number", "number", "number"]
INVOICE_KINDS = ["number", "text", "code", "time", "money", "text", "time", "text", "time", "text", "number", "code"]


def _formats(store: Any, book: Any, f: dict[str, Any]) -> dict[str, Any]:
    return {**f, "money": book.add_format({"num_format": money_cell_format(store.settings.currency)})}


def fees_sheet(store: Any, book: Any, f: dict[str, Any], period: Period) -> int:
    """The Fees sheet of the month; returns how many tickets it lists."""
    f = _formats(store, book, f)
    sheet = Sheet(book, _("Fees"), [
        _("Ticket"), _("Closed"), _("Priority"), _("Site"), _("Technician"), _("Labour"), _("Call-out"),
        _("Parts charged (cost plus margin)"), _("Rounding"), _("Parts cost"), _("Parts under warranty"),
        _("Proposed fee"), _("Fee recorded"), _("Difference"), _("Why the fee differs"), _("Invoice"),
        _("Invoice recorded"), _("Checked by"), _("Checked")], f, store.settings.timezone)
    n = 0
    for page in store.exports.export_pages("fees", ExportFilter(period.start, period.end)):
        for r in page:
            sheet.add_typed([r["ticket_id"], r["closed_at"], f"P{r['priority']}", r["site"], r["technician"],
                             r["labour"], r["call_out"], r["parts"], r["rounding"], r["parts_cost"],
                             r["warranty_units"], r["proposed"], r["fee"], r["difference"], r["reason"],
                             r["invoice_no"], r["invoice_at"], r["checked_by"], r["checked_at"]], FEE_KINDS)
        n += len(page)
    listed = sheet.row - 1
    totals = store.fees.fee_totals(period.start, period.end)
    sheet.row += 1  # a blank row between the list and its totals
    _heading(sheet, [_("Priority"), _("Tickets"), _("Proposed fee"), _("Fee recorded"), _("Difference"),
                     _("Fee changed"), _("Invoiced"), _("Checked")])
    rows = [(f"P{p}", s) for p, s in sorted(totals.priorities.items())] + [(_("Month total"), totals.total)]
    for label, s in rows:
        sheet.add_typed([label, s.tickets, s.proposed, s.fee, s.difference, s.changed, s.invoiced, s.checked],
                        SUM_KINDS)
    sheet.row += 1
    _heading(sheet, [_("Parts"), _("Quantity"), _("Cost"), _("Charged")])
    for key, label in (("warranty", _("under warranty")), ("charged", _("charged"))):
        p = totals.parts[key]
        sheet.add_typed([label, p.units, p.cost, p.charged], ["code", "number", "money", "money"])
    sheet.close(filtered=listed)
    return n


def _heading(sheet: Sheet, words: list[str]) -> None:
    for col, word in enumerate(words):
        sheet.ws.write_string(sheet.row, col, word, sheet.f["head"])
    sheet.row += 1


def invoices_sheet(store: Any, book: Any, f: dict[str, Any], period: Period) -> int:
    """The Invoices sheet: the month's, the overdue unchecked first. Returns how many."""
    f = _formats(store, book, f)
    sheet = Sheet(book, _("Invoices"), [
        _("Ticket"), _("Site"), _("Priority"), _("Closed"), _("Fee"), _("Invoice"), _("Invoice recorded"),
        _("Recorded by"), _("Checked"), _("Checked by"), _("Days unchecked"), _("Overdue")], f, store.settings.timezone)
    lines = store.fees.invoice_lines(period.start, period.end)
    for i in lines:
        sheet.add_typed([i.ticket_id, i.site, f"P{i.priority}", to_db(i.closed_at), i.fee, i.number,
                         to_db(i.recorded_at), i.recorded_by, to_db(i.checked_at), i.checked_by, i.days_open,
                         _("yes") if i.overdue else _("no")], INVOICE_KINDS)
    sheet.close()
    return len(lines)
