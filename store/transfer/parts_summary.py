"""The month workbook's "Parts summary" sheet (issue 25, spare parts
"Reports"): the month's parts used per equipment type, technician, warranty
against charged and part, the stock's value per location and the slow
movers, one row per figure as 'dispatch parts report --format csv' gives
them (store/repo/parts_reports.py). The uses themselves are the "Parts used"
sheet (store/transfer/workbooks.py). Costs are numbers in the currency's
format; the stock and the slow movers are as they stand when it is written."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from ..labels import category_label
from ..money import money_cell_format
from ..rules.periods import Period
from .xlsx import Sheet

KINDS = ["code", "text", "text", "number", "money", "time"]
SLOW_DAYS = 90  # as 'dispatch parts report' counts a slow mover by default


def _section(section: str) -> str:
    return {"total": _("Month total"), "month": _("month"), "category": _("equipment category"),
            "technician": _("technician"), "charge": _("warranty or charged"), "part": _("part"),
            "stock_value": _("Stock value"), "slow_mover": _("Slow mover")}.get(section, section)


def _key(section: str, key: str) -> str:
    if section == "charge":
        return _("under warranty") if key == "warranty" else _("charged")
    if section == "category":
        return category_label(key)
    if section == "stock_value" and key == "total":
        return _("total")
    return key


def parts_summary_sheet(store: Any, book: Any, f: dict[str, Any], period: Period) -> int:
    """The sheet; returns how many rows it lists."""
    f = {**f, "money": book.add_format({"num_format": money_cell_format(store.settings.currency)})}
    sheet = Sheet(book, _("Parts summary"), [_("Section"), _("What"), _("Name"), _("Quantity"), _("Cost"),
                                             _("Last taken out")], f, store.settings.timezone)
    rows = store.parts.report_rows(period.start.strftime("%Y-%m"), None, SLOW_DAYS)
    for r in rows:
        sheet.add_typed([_section(r["section"]), _key(r["section"], r["key"]), r["name"], r["quantity"], r["cost"],
                         r["last_out"]], KINDS)
    sheet.close()
    return len(rows)
