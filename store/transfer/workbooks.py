"""The spreadsheets managers take to the meetings (docs/rules.md §5, §8), written
with XlsxWriter (the CSV and JSON data exports are store/transfer/data_exports.py).

- ``strings_to_formulas`` is off: a note starting with "=" stays text.
- Times are real Excel dates in the site's zone; widths count a CJK
  character as two columns; the header row is bold and frozen.
- The daily fault-statistics workbook: one row per ticket closed that day
  with the evaluations, and a summary sheet per technician and team.
- The monthly workbook: the figures, the rankings with the formula's parts,
  the improvement tracking table and the complaints.
- The unsatisfied-callback form for one ticket, one A4 page portrait.
Every file is written beside its name and renamed into place when complete,
so a failed or cancelled export leaves nothing behind (and an existing file
stays whole until the new one is ready). ``progress(stage, done, total)`` is
called as rows are written; it may raise to stop the export.
No textual here: the command line and cron use it."""

from __future__ import annotations

import io
import unicodedata
from calendar import timegm
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import xlsxwriter

from ..files import FailOnce, replace_when_done, scratch_beside
from ..i18n import _, pgettext
from ..labels import category_label
from ..repo.export_rows import COLUMNS
from ..rules.figures import fmt, target_text
from ..rules.improve import complaint_state_label, source_label
from ..rules.money import money_cell_format
from ..rules.periods import Period
from ..text import clean
from ..timeutil import from_db

Progress = Callable[[str, int, int], None]  # (stage, rows done, rows in all)
STEP = 500  # rows between two progress calls
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
# Sheets written row after row (every list here): each row goes to disk as it
# is finished instead of the whole book being held and assembled at the end.
STREAMED = {**OPTIONS, "constant_memory": True}
MAX_WIDTH = 60


def text_width(text: str) -> int:
    """Columns a spreadsheet needs for ``text``: wide (CJK) characters take two."""
    longest = max((line for line in str(text).split("\n")), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


class Sheet:
    """One worksheet: a bold frozen header, typed cells, widths fitted to the contents."""

    def __init__(self, book: Any, name: str, headers: Sequence[str], formats: dict[str, Any], tz: str):
        self.ws = book.add_worksheet(name[:31])
        self.f, self.tz = formats, tz
        self._offsets: dict[int, float] = {}
        self.widths = [text_width(h) + 2 for h in headers]
        self.row = 1
        for col, h in enumerate(headers):
            self.ws.write_string(0, col, h, self.f["head"])
        self.ws.freeze_panes(1, 0)

    def add(self, values: Sequence[Any]) -> None:
        for col, v in enumerate(values):
            self.put(self.row, col, v)
        self.row += 1

    def add_typed(self, values: Sequence[Any], kinds: Sequence[str]) -> None:
        """A row whose column types are known (the ticket list, tens of
        thousands of rows): "time" UTC text from the store written as an Excel
        serial with the time format, "number", "code" (our own words: no
        cleaning) or "text" (typed by people: cleaned)."""
        row, ws, widths = self.row, self.ws, self.widths
        for col, (v, kind) in enumerate(zip(values, kinds, strict=True)):
            if v is None or v == "":
                continue
            if kind == "time":
                ws.write_number(row, col, self._serial(v), self.f["time"])
                width = 17
            elif kind == "number":
                ws.write_number(row, col, v)
                width = len(str(v))
            elif kind == "money":  # the exact amount from the store (Decimal("6800.50")): a number shown as money
                ws.write_number(row, col, float(v), self.f["money"])
                width = len(str(v)) + 4
            else:
                text = v if kind == "code" else clean(str(v))
                ws.write_string(row, col, text, self.f["wrap"] if "\n" in text else None)
                if widths[col] >= MAX_WIDTH or 2 * len(text) + 2 <= widths[col]:
                    continue  # cannot widen the column (a character takes two columns at most)
                width = len(text) if text.isascii() and "\n" not in text else text_width(text)
            widths[col] = max(widths[col], min(MAX_WIDTH, width + 2))
        self.row += 1

    def _serial(self, text: str) -> float:
        """Excel's day number of a stored UTC time, in the site's zone (what
        write_datetime writes, without a datetime object per cell)."""
        epoch = _epoch(text)
        offset = self._offsets.get(epoch // 3600)
        if offset is None:  # zones change offset on the hour at the finest: one lookup an hour
            hour = epoch // 3600 * 3600
            offset = datetime.fromtimestamp(hour, _zone(self.tz)).utcoffset().total_seconds()  # type: ignore[union-attr]
            self._offsets[epoch // 3600] = offset
        return (epoch + offset) / 86400 + 25569  # 25569: 1970-01-01 in Excel's count

    def put(self, row: int, col: int, v: Any) -> None:
        if v is None or v == "":
            self.ws.write_blank(row, col, None)
            return
        if isinstance(v, bool):
            v = _("yes") if v else _("no")
        if isinstance(v, datetime):
            local = v.astimezone(_zone(self.tz)).replace(tzinfo=None)
            self.ws.write_datetime(row, col, local, self.f["time"])
            width = 17
        elif isinstance(v, date):
            self.ws.write_datetime(row, col, datetime(v.year, v.month, v.day), self.f["date"])
            width = 11
        elif isinstance(v, int | float) or type(v).__name__ == "Decimal":
            self.ws.write_number(row, col, float(v))
            width = len(f"{v}")
        else:
            text = clean(str(v))
            self.ws.write_string(row, col, text, self.f["wrap"] if "\n" in text else None)
            width = text_width(text)
        if col < len(self.widths):
            self.widths[col] = max(self.widths[col], min(MAX_WIDTH, width + 2))
        else:
            self.widths.append(min(MAX_WIDTH, width + 2))

    def close(self) -> None:
        for col, w in enumerate(self.widths):
            self.ws.set_column(col, col, w)
        if self.row > 1:
            self.ws.autofilter(0, 0, self.row - 1, max(0, len(self.widths) - 1))


# The ticket list's columns that are not people's text (the *_at ones are times).
TICKET_KINDS = {"id": "number", "priority": "number", "repeat_of": "number", "status": "code", "channel": "code",
                "fee": "money"}


def _epoch(text: str) -> int:
    """Seconds since 1970 of a stored UTC time (store/timeutil.py's fixed form)."""
    if len(text) == 20 and text[-1] == "Z":
        return timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                       int(text[17:19])))
    return int(from_db(text).timestamp())


def _zone(tz: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def _book(out: FailOnce | IO[bytes], scratch: Path | None, *, streamed: bool = True) -> tuple[Any, dict[str, Any]]:
    """``streamed``: rows strictly in order (no merged cells; the callback form has them).
    ``out``: the file the workbook goes to; ``scratch``: where XlsxWriter keeps
    its temporary files (store/files.py), or None for a workbook made in memory
    only (no temporary files; a console in a browser tab writes nothing on the
    server: console/downloads.py)."""
    if scratch is None:
        book = xlsxwriter.Workbook(out, {**OPTIONS, "in_memory": True})
    else:
        book = xlsxwriter.Workbook(out, {**(STREAMED if streamed else OPTIONS), "tmpdir": str(scratch)})
    formats = {
        "head": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "label": book.add_format({"bold": True, "valign": "top", "border": 1, "text_wrap": True}),
        "box": book.add_format({"valign": "top", "border": 1, "text_wrap": True}),
    }
    return book, formats


def _t(text: str | None) -> datetime | None:
    return from_db(text) if text else None


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
    book, f = _book(out, scratch)
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
        sheet.add([r["id"], f"P{r['priority']}", _t(r["reported_at"]), _t(r["closed_at"]), r["site"], r["asset"],
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
    book, f = _book(out, scratch)
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
    tickets = _ticket_sheet(store, book, f, period.start, period.end, progress, total)
    book.close()
    return {"figures": len(report.figures), "technicians": len(scores.technicians), "tickets": tickets}


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


# ------------------------------------------------------- callback form
def write_callback_form(store: Any, ticket_id: int, path: Path) -> None:
    """The form the foreman takes to the reporter after an unsatisfied callback:
    one A4 page, portrait, boxes to write the findings in by hand."""
    d = store.exports.callback_form(ticket_id)  # a ticket that is not there: refused before any file is made
    with replace_when_done(path) as tmp, scratch_beside(path) as scratch, tmp.open("wb") as fh:
        _write_form(store, ticket_id, d, FailOnce(fh), scratch)


def _write_form(store: Any, ticket_id: int, d: dict[str, Any], out: FailOnce, scratch: Path) -> None:
    book, f = _book(out, scratch, streamed=False)  # merged cells need the whole sheet in memory
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
