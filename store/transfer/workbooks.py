"""The spreadsheets managers take to the meetings (docs/rules.md §5, §8), written
with XlsxWriter (the CSV and JSON data exports are store/transfer/data_exports.py).

- ``strings_to_formulas`` is off: a note starting with "=" stays text.
- Times are real Excel dates in the site's zone; widths count a CJK
  character as two columns; the header row is bold and frozen.
- The daily fault-statistics workbook: one row per ticket closed that day
  with the evaluations, and a summary sheet per technician and team.
- The monthly workbook: the figures, the rankings with the formula's parts,
  the improvement tracking table and the complaints, the parts used and
  their summary (store/transfer/parts_summary.py), the fees and invoices (store/transfer/fee_sheets.py) and the tickets.
(The unsatisfied-callback form is store/transfer/callback_form.py; the
sheet, the book and their options are store/transfer/xlsx.py.)
Every file is written beside its name and renamed into place when complete,
so a failed or cancelled export leaves nothing behind (and an existing file
stays whole until the new one is ready). ``progress(stage, done, total)`` is
called as rows are written; it may raise to stop the export.
No textual here: the command line and cron use it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _, pgettext
from ..labels import category_label
from ..money import money_cell_format
from ..repo.export_rows import COLUMNS, ExportFilter
from ..rules.figures import fmt, target_text
from ..rules.improve import complaint_state_label, source_label
from ..rules.periods import Period
from .fee_sheets import fees_sheet, invoices_sheet
from .parts_summary import parts_summary_sheet
from .xlsx import STEP, Progress, Sheet, new_book, stored_time

# The ticket list's columns that are not people's text (the *_at ones are times).
TICKET_KINDS = {"id": "number", "priority": "number", "repeat_of": "number", "status": "code", "channel": "code",
                "fee": "money"}


# -------------------------------------------------------------- daily
def write_daily(store: Any, day: date, path: Path, progress: Progress | None = None) -> int:
    """The daily fault-statistics workbook of the tickets closed on ``day``
    (site zone). Returns how many tickets it lists."""
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        return _write_daily(store, day, FailOnce(fh), scratch, progress)


def daily_bytes(store: Any, day: date, progress: Progress | None = None) -> tuple[bytes, int]:
    """The daily workbook made in memory, and how many tickets it lists."""
    buffer = io.BytesIO()
    n = _write_daily(store, day, buffer, None, progress)
    return buffer.getvalue(), n


def _write_daily(store: Any, day: date, out: FailOnce | IO[bytes], scratch: Path | None,
                 progress: Progress | None) -> int:
    tz = store.settings.timezone
    rows = store.exports.daily_rows(day, day + timedelta(days=1))
    if progress:
        progress("daily", 0, len(rows))
    book, f = new_book(out, scratch)
    heads = [_("Ticket"), _("Priority"), _("Reported"), _("Closed"), _("Site"), _("Asset"), _("Category"), _("Team"),
             _("Technician"), _("Symptom"), _("Cause"), _("Action taken"), _("Parts used"), _("Signed off by"),
             _("Fee"), _("Foreman score"),
             _("Foreman comment"), _("Dispatcher score"), _("Dispatcher callback notes"), _("Manager"),
             _("Manager score"), _("Manager callback notes"), _("Total"), _("Unsatisfied: problems"), _("Suggestions")]
    sheet = Sheet(book, _("Fault statistics {day}").format(day=day.isoformat()), heads, f, tz)
    money = book.add_format({"num_format": money_cell_format(store.settings.currency)})
    fee_col = heads.index(_("Fee"))
    summary: dict[tuple[str, str], list[int]] = {}
    for n, r in enumerate(rows, 1):
        problems = _problems(r)
        suggestions = "\n".join(x for x in (r["foreman_suggestion"], r["measures"]) if x)
        sheet.add([r["id"], f"P{r['priority']}", stored_time(r["reported_at"]), stored_time(r["closed_at"]), r["site"], r["asset"],
                   category_label(r["category"]), r["team"], r["technician"], r["symptom"], r["cause"], r["action"], r["parts"],
                   r["signoff"], None, r["foreman_score"], r["foreman_comment"], r["dispatcher_score"], r["dispatcher_notes"], r["manager"],
                   r["manager_score"], r["manager_notes"], r["total"], problems, suggestions])
        if r["fee_cents"] is not None:  # a number the sheet shows as the console does (¥6,800.50)
            sheet.ws.write_number(sheet.row - 1, fee_col, r["fee_cents"] / 100, money)
            sheet.widths[fee_col] = max(sheet.widths[fee_col], len(f"{r['fee_cents'] / 100:,.2f}") + 4)
        for key in ((_("technician"), r["technician"]), (_("team"), r["team"])):
            s = summary.setdefault(key, [0, 0, 0, 0])
            s[0] += 1
            s[1] += r["total"] or 0
            s[2] += r["call_rating"] == "unsatisfied" or r["foreman_rating"] == "unsatisfied"
            s[3] += r["call_status"] == "unreachable"
        if progress and n % STEP == 0:
            progress("daily", n, len(rows))
    if progress:
        progress("daily", len(rows), len(rows))
    sheet.close()
    summ = Sheet(book, _("Summary"), [_("Kind"), _("Name"), _("Tickets"), _("Points"), _("Unsatisfied"),
                                      _("Unreachable")], f, tz)
    for (kind, name), (count, points, unsat, unreach) in sorted(summary.items(), key=lambda kv: (kv[0][0] != _("team"), kv[0][1])):
        summ.add([kind, name, count, points, unsat, unreach])
    summ.close()
    book.close()
    return len(rows)


def _problems(r: dict[str, Any]) -> str:
    parts = []
    if r["call_rating"] == "unsatisfied" or r["foreman_rating"] == "unsatisfied":
        parts += [x for x in (r["impolite_note"], r["weak_points"]) if x]
        if not parts:
            parts.append(r["dispatcher_notes"] or r["manager_notes"] or _("unsatisfied"))
    return "\n".join(parts)


# -------------------------------------------------------------- month
def write_month(store: Any, month: str, path: Path, progress: Progress | None = None) -> dict[str, int]:
    """The monthly workbook: figures, rankings, improvement items, complaints, and the month's tickets."""
    period = Period.parse_month(month)  # refused before any file is made
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        return _write_month(store, month, period, FailOnce(fh), scratch, progress)


def month_bytes(store: Any, month: str, progress: Progress | None = None) -> tuple[bytes, dict[str, int]]:
    """The monthly workbook made in memory, and its counts (as write_month)."""
    period = Period.parse_month(month)
    buffer = io.BytesIO()
    counts = _write_month(store, month, period, buffer, None, progress)
    return buffer.getvalue(), counts


def _write_month(store: Any, month: str, period: Period, out: FailOnce | IO[bytes], scratch: Path | None,
                 progress: Progress | None) -> dict[str, int]:
    tz = store.settings.timezone
    total = store.exports.count_tickets(period.start, period.end) if progress else 0
    if progress:
        progress("figures", 0, total)
    book, f = new_book(out, scratch)
    report = store.reports.report(period)
    figs = Sheet(book, _("Figures"), [_("Figure"), month, report.previous.label(), _("Change"), _("Target"),
                                      _("Measured over")], f, tz)
    for x in report.figures:
        figs.add([x.label, fmt(x.value, x.unit), fmt(x.previous, x.unit), x.arrow, target_text(x), x.base])
    figs.close()
    scores = store.scores.month_scores(month)
    heads = [_("Rank"), _("Name"), _("Team"), _("Evaluated tickets"), _("Points"), _("Mean (points ÷ tickets)"),
             _("0.15 × tickets"), _("Score"), _("Satisfied share"), _("Star / winner"), _("Bonus")]
    for title, rows, star in ((_("Technicians"), scores.technicians, _("star")), (_("Teams"), scores.teams, _("winner"))):
        sheet = Sheet(book, title, heads, f, tz)
        for r in rows:
            sheet.add([r.rank, r.name, r.team_name, r.count, r.total, round(float(r.mean), 4), float(r.bonus_count),
                       round(float(r.score), 4), round(r.satisfied_share, 4), star if (r.star or r.winner) else "",
                       float(r.bonus) or None])
        sheet.close()
    # The period rule of 'dispatch export items' too: opened in the month (and so due at the next month's meeting).
    items = Sheet(book, items_sheet_name(month), [_("Item"), _("Ticket"), _("Team"), _("Foreman"), _("Source"),
                                                  _("Opened"), _("Due"), _("State"), _("Weak points"), _("Measures"),
                                                  _("Sent back"), _("Confirmed by"), _("Confirmed"), _("Overdue")], f, tz)
    for i in store.items.find(opened=(period.start, period.end)):
        items.add([i.id, i.ticket_id, i.team_name, i.foreman, source_label(i.source), i.opened_at, i.due_date,
                   i.state_label, i.weak_points,
                   i.measures, i.sent_back_reason, i.confirmed_by, i.confirmed_at, i.overdue])
    items.close()
    comps = Sheet(book, _("Complaints"), [_("Complaint"), _("Ticket"), _("Received"), _("Complainant"), _("Matter"),
                                          _("State"), _("Findings"), _("Plan"), _("Follow-up"), _("Analysis"),
                                          _("Item"), _("Overdue")], f, tz)
    for c in store.complaints.find(month=month):
        comps.add([c.id, c.ticket_id, c.received_at, c.complainant, c.matter, complaint_state_label(c.state),
                   c.findings, c.plan,
                   c.follow_up, c.analysis, c.item_id, c.overdue])
    comps.close()
    parts = _parts_sheet(store, book, f, period)
    parts_summary = parts_summary_sheet(store, book, f, period)
    fees, invoices = fees_sheet(store, book, f, period), invoices_sheet(store, book, f, period)
    tickets = _ticket_sheet(store, book, f, period.start, period.end, progress, total)
    book.close()
    return {"figures": len(report.figures), "technicians": len(scores.technicians), "parts": parts,
            "parts_summary": parts_summary, "fees": fees,
            "invoices": invoices, "tickets": tickets}


PARTS_KINDS = ["time", "number", "text", "text", "number", "text", "money", "code", "text", "text", "text", "text", "code",
               "text"]


def _parts_sheet(store: Any, book: Any, f: dict[str, Any], period: Period) -> int:
    """The spare parts used in the month (issue 25), one row per use, as 'dispatch export parts-usage' gives them:
    when, the ticket, the part, how many, what they cost, under warranty or charged and why, where from, who."""
    f = {**f, "money": book.add_format({"num_format": money_cell_format(store.settings.currency)})}
    sheet = Sheet(book, _("Parts used"), [_("Used"), _("Ticket"), _("Code"), _("Name"), _("Quantity"), _("Unit"),
                                          _("Cost"), _("Warranty or charged"), _("Reason"), _("Location"), _("Technician"),
                                          _("Team"), _("Equipment type"), _("Site")], f, store.settings.timezone)
    n = 0
    for page in store.exports.export_pages("parts_usage", ExportFilter(period.start, period.end)):
        for r in page:
            charge = _("under warranty") if r["charge"] == "warranty" else _("charged")
            sheet.add_typed([r["used_at"], r["ticket_id"], r["code"], r["name"], r["quantity"], r["unit"],
                             r["cost"], charge, r["reason"], r["location"], r["technician"], r["team"],
                             category_label(r["equipment_category"]) if r["equipment_category"] else "", r["site"]],
                            PARTS_KINDS)
        n += len(page)
    sheet.close()
    return n


def items_sheet_name(month: str) -> str:
    """The improvement items sheet of a month's workbook, named by its rule."""
    return _("Items opened {month}").format(month=month)


def ticket_heading(column: str) -> str:
    """A column of the workbook's ticket list: the field name of 'dispatch export tickets'
    (English, as scripts read it), with a translation for the people who read the workbook.
    Each is written out so extraction finds it (the context tells translators what it is)."""
    return {
        "id": pgettext("tickets sheet column", "id"),
        "status": pgettext("tickets sheet column", "status"),
        "priority": pgettext("tickets sheet column", "priority"),
        "channel": pgettext("tickets sheet column", "channel"),
        "reported_at": pgettext("tickets sheet column", "reported_at"),
        "reporter": pgettext("tickets sheet column", "reporter"),
        "phone": pgettext("tickets sheet column", "phone"),
        "site": pgettext("tickets sheet column", "site"),
        "asset": pgettext("tickets sheet column", "asset"),
        "category": pgettext("tickets sheet column", "category"),
        "description": pgettext("tickets sheet column", "description"),
        "technician": pgettext("tickets sheet column", "technician"),
        "team": pgettext("tickets sheet column", "team"),
        "first_response_at": pgettext("tickets sheet column", "first_response_at"),
        "arrived_at": pgettext("tickets sheet column", "arrived_at"),
        "resolved_at": pgettext("tickets sheet column", "resolved_at"),
        "closed_at": pgettext("tickets sheet column", "closed_at"),
        "signoff": pgettext("tickets sheet column", "signoff"),
        "fee": pgettext("tickets sheet column", "fee"),
        "cancelled_at": pgettext("tickets sheet column", "cancelled_at"),
        "symptom": pgettext("tickets sheet column", "symptom"),
        "cause": pgettext("tickets sheet column", "cause"),
        "action": pgettext("tickets sheet column", "action"),
        "parts": pgettext("tickets sheet column", "parts"),
        "repeat_of": pgettext("tickets sheet column", "repeat_of"),
    }.get(column, column)


def _ticket_sheet(store: Any, book: Any, f: dict[str, Any], first: date, end: date, progress: Progress | None,
                  total: int) -> int:
    columns = COLUMNS["tickets"]
    f = {**f, "money": book.add_format({"num_format": money_cell_format(store.settings.currency)})}
    sheet = Sheet(book, _("Tickets"), [ticket_heading(c) for c in columns], f, store.settings.timezone)
    kinds = [TICKET_KINDS.get(k, "time" if k.endswith("_at") else "text") for k in columns]
    n = 0
    for page in store.exports.ticket_rows(first, end):
        for r in page:
            sheet.add_typed([r[k] for k in columns], kinds)
        n += len(page)
        if progress:
            progress("tickets", n, max(n, total))
    if progress:
        progress("tickets", n, n)
    sheet.close()
    return n
