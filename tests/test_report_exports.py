"""The workbooks and exports, read back: openpyxl for .xlsx, csv/json for the
ticket export; `dispatch report` and `dispatch export` through click. The fee
and sign-off in each, and one period rule for the month workbook's improvement
items and `dispatch export items`."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from report_data import build_october

from console.cli import cli
from store import Store
from store.transfer.callback_form import write_callback_form
from store.transfer.data_exports import export_tickets
from store.transfer.workbooks import write_daily, write_month
from store.transfer.xlsx import text_width


def _sheet(path: Path, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, data_only=True)
    return list(book[name].iter_rows(values_only=True))


def test_daily_workbook(store: Store, tmp_path: Path) -> None:
    build_october(store)
    out = tmp_path / "d.xlsx"
    assert write_daily(store, date(2026, 10, 2), out) == 1
    book = openpyxl.load_workbook(out)
    ws = book["Fault statistics 2026-10-02"]
    assert ws.freeze_panes == "A2"
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]], strict=True))
    assert row["Ticket"] == 2 and row["Technician"] == "Zhang Min" and row["Team"] == "Alpha Team"
    assert row["Closed"] == datetime(2026, 10, 2, 15, 0)  # a real date (UTC site)
    assert row["Dispatcher score"] == 6
    # A note starting with "=" stays text: no formula in the file.
    assert row["Dispatcher callback notes"] == '=HYPERLINK("x")'
    assert ws.cell(2, head.index("Dispatcher callback notes") + 1).data_type == "s"
    assert row["Total"] == 6 and row["Unsatisfied: problems"]
    summary = _sheet(out, "Summary")
    assert ("team", "Alpha Team", 1, 6, 1, 0) in summary


def test_month_workbook(store: Store, tmp_path: Path) -> None:
    build_october(store)
    out = tmp_path / "m.xlsx"
    done = write_month(store, "2026-10", out)
    assert done["tickets"] == 8
    figures = {r[0]: r for r in _sheet(out, "Figures")}
    assert figures["Tickets opened"][1:4] == ("8", "0", "▲ up")
    assert figures["Completed within the time limit"][4] == "≥ 98.0 % ✗ missed"
    items = _sheet(out, "Items opened 2026-10")
    assert len(items) == 4  # header + 3 opened in October
    complaints = _sheet(out, "Complaints")
    assert {r[4] for r in complaints[1:]} == {"slow", "rude"}
    tickets = _sheet(out, "Tickets")
    assert [r[0] for r in tickets[1:]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert set(openpyxl.load_workbook(out).sheetnames) >= {"Technicians", "Teams"}


def test_callback_form_is_one_a4_page(store: Store, tmp_path: Path) -> None:
    build_october(store)
    out = tmp_path / "f.xlsx"
    write_callback_form(store, 2, out)
    ws = openpyxl.load_workbook(out).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    # fit to one page wide and one tall (1 is the default, which XlsxWriter leaves out)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight in (None, 1)
    assert ws.page_setup.fitToWidth in (None, 1)
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "Unsatisfied callback form — ticket #2" in values and '=HYPERLINK("x")' in values


def test_ticket_export_csv_is_inert_and_json_whole(store: Store) -> None:
    build_october(store)
    store.admin.load("t.more", {"tickets": [{**_ticket(9), "description": "=1+1", "reporter": "@cmd"}]}, {})
    buf = io.StringIO()
    assert export_tickets(store, date(2026, 10, 1), date(2026, 11, 1), "csv", buf) == 9
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    last = rows[-1]
    assert last["description"] == "'=1+1" and last["reporter"] == "'@cmd"
    buf = io.StringIO()
    export_tickets(store, date(2026, 10, 1), date(2026, 11, 1), "json", buf)
    data = json.loads(buf.getvalue())
    assert [t["id"] for t in data] == list(range(1, 10)) and data[-1]["description"] == "=1+1"


def _ticket(tid: int) -> dict:
    from report_data import _t
    return _t(tid, 3, "10-15T08:00", status="new", tech=None)


def test_cjk_widths() -> None:
    assert text_width("东区工班") == 8 and text_width("ab") == 2


def test_cli_report_and_exports(store: Store, db_path: Path, tmp_path: Path) -> None:
    build_october(store)
    run = CliRunner()
    got = run.invoke(cli, ["--db", str(db_path), "report", "--month", "2026-10"])
    assert got.exit_code == 0, got.output
    assert "Tickets opened" in got.output and "▲ up" in got.output
    got = run.invoke(cli, ["--db", str(db_path), "report", "--month", "2026-10", "--scope", "team:Alpha Team",
                           "--format", "json"])
    data = json.loads(got.output)
    assert data["scope"]["name"] == "Alpha Team"
    assert {f["key"]: f["value"] for f in data["figures"]}["opened"] == 3
    got = run.invoke(cli, ["--db", str(db_path), "report", "--month", "2026-10", "--scope", "team:nobody"])
    assert got.exit_code == 2 and "No team nobody" in got.output
    out = tmp_path / "y.xlsx"
    got = run.invoke(cli, ["--db", str(db_path), "export", "daily", "--day", "2026-10-01", "-o", str(out)])
    assert got.exit_code == 0, got.output
    assert _sheet(out, "Fault statistics 2026-10-01")[1][0] == 1
    got = run.invoke(cli, ["--db", str(db_path), "export", "month", "--month", "2026-10", "-o", str(tmp_path / "m.xlsx")])
    assert got.exit_code == 0 and "8 tickets" in got.output
    got = run.invoke(cli, ["--db", str(db_path), "export", "tickets", "--from", "2026-10-01", "--to", "2026-10-31",
                           "--format", "json"])
    assert len(json.loads(got.output)) == 8
    got = run.invoke(cli, ["--db", str(db_path), "export", "form", "--ticket", "2", "-o", str(tmp_path / "f.xlsx")])
    assert got.exit_code == 0


# ------------------------- the fee and sign-off, and the month's items (issue 22)

MONEY = '"¥"#,##0.00'


def signed_off(store: Store) -> None:
    """Ticket 2 of the October data, closed with a fee and a sign-off."""
    raw = sqlite3.connect(store.path)
    with raw:
        raw.execute("UPDATE tickets SET signoff = 'Ms Wang', fee_cents = 680050 WHERE id = 2")
    raw.close()


def test_the_daily_workbook_has_the_fee_and_sign_off(store: Store, tmp_path: Path) -> None:
    build_october(store)
    signed_off(store)
    out = tmp_path / "d.xlsx"
    write_daily(store, date(2026, 10, 2), out)
    ws = openpyxl.load_workbook(out)["Fault statistics 2026-10-02"]
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]], strict=True))
    assert row["Signed off by"] == "Ms Wang" and row["Fee"] == 6800.5
    assert ws.cell(2, head.index("Fee") + 1).number_format == MONEY


def test_the_ticket_export_and_sheet_have_the_fee_and_sign_off(store: Store, tmp_path: Path) -> None:
    build_october(store)
    signed_off(store)
    buf = io.StringIO()
    export_tickets(store, date(2026, 10, 1), date(2026, 11, 1), "csv", buf)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(buf.getvalue()))}
    assert (rows["2"]["signoff"], rows["2"]["fee"]) == ("Ms Wang", "6800.50")
    assert rows["1"]["fee"] == ""
    buf = io.StringIO()
    export_tickets(store, date(2026, 10, 1), date(2026, 11, 1), "json", buf)
    two = next(t for t in json.loads(buf.getvalue()) if t["id"] == 2)
    assert (two["signoff"], two["fee"]) == ("Ms Wang", 6800.5)  # JSON carries a number (issue 23)
    out = tmp_path / "m.xlsx"
    write_month(store, "2026-10", out)
    ws = openpyxl.load_workbook(out)["Tickets"]
    head = [c.value for c in ws[1]]
    fee = ws.cell(3, head.index("fee") + 1)
    assert (fee.value, fee.number_format) == (6800.5, MONEY)
    assert ws.cell(3, head.index("signoff") + 1).value == "Ms Wang"


def test_the_month_workbook_and_export_items_take_the_same_items(store: Store, db_path: Path,
                                                                 tmp_path: Path) -> None:
    build_october(store)
    raw = sqlite3.connect(store.path)
    with raw:  # opened in September (due at October's meeting), and opened in October (due in November)
        raw.execute("INSERT INTO improvement_items (ticket_id, team_id, source, source_id, opened_at, due_date, state)"
                    " VALUES (1, 1, 'callback', 4, '2026-09-20T10:00:00Z', '2026-10-10', 'open')")
        raw.execute("INSERT INTO improvement_items (ticket_id, team_id, source, source_id, opened_at, due_date, state)"
                    " VALUES (4, 1, 'callback', 5, '2026-10-28T10:00:00Z', '2026-11-10', 'open')")
    raw.close()
    out = tmp_path / "m.xlsx"
    write_month(store, "2026-10", out)
    book = openpyxl.load_workbook(out)
    [name] = [n for n in book.sheetnames if n.startswith(("Items opened", "Improvement items"))]
    assert name == "Items opened 2026-10"  # the rule, named
    in_sheet = sorted(r[0] for r in book[name].iter_rows(min_row=2, values_only=True))
    export = CliRunner().invoke(cli, ["--db", str(db_path), "export", "items", "--from", "2026-10-01", "--to",
                                      "2026-10-31", "--format", "json"])
    assert export.exit_code == 0, export.output
    assert in_sheet == sorted(i["id"] for i in json.loads(export.output)) == [1, 2, 3, 5]
    helped = CliRunner().invoke(cli, ["export", "month", "--help"])
    assert "opened that month" in " ".join(helped.output.split())
