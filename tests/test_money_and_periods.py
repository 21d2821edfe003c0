"""One money format everywhere, the fee and sign-off in the ticket export and
the daily workbook, and one period rule for the month workbook's improvement
items and `dispatch export items` (issue 22)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from console_helpers import app_for, make_ticket, settle, until
from report_data import build_october
from textual.widgets import Static

from console.cli import cli
from store import Store
from store.money import format_money
from store.transfer.data_exports import export_tickets
from store.transfer.workbooks import write_daily, write_month

MONEY = '"¥"#,##0.00'


def signed_off(store: Store) -> None:
    """Ticket 2 of the October data, closed with a fee and a sign-off."""
    raw = sqlite3.connect(store.path)
    with raw:
        raw.execute("UPDATE tickets SET signoff = 'Ms Wang', fee_cents = 680050 WHERE id = 2")
    raw.close()


def test_format_money_is_the_one_way() -> None:
    from decimal import Decimal

    assert format_money(Decimal("6800.5")) == "¥6,800.50"
    assert format_money(Decimal("0.005")) == "¥0.01"  # half up, only when shown
    assert format_money(Decimal("-12"), "$") == "-$12.00"


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


def _closed_with_fee(store: Store) -> int:
    t = make_ticket(store)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    t = store.tickets.arrive(t.id, t.version)
    t = store.tickets.resolve(t.id, t.version, symptom="s", cause="c", action="a", parts="none")
    return store.tickets.close(t.id, t.version, signoff="Ms Wang", fee="6800.5").id


def test_the_cli_shows_the_fee_as_money(store: Store, db_path: Path) -> None:
    tid = _closed_with_fee(store)
    out = CliRunner().invoke(cli, ["--db", str(db_path), "ticket", str(tid)])
    assert out.exit_code == 0, out.output
    assert "¥6,800.50" in out.output and "6800.5\n" not in out.output
    assert "Fee: — → ¥6,800.50" in out.output or "Fee: ¥6,800.50" in out.output  # the timeline, too


async def test_the_ticket_screen_shows_the_fee_as_money(store: Store) -> None:
    from console.screens.detail import DetailScreen

    tid = _closed_with_fee(store)
    store.settings.set_setting("currency", "$")
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.open_detail(tid)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        fields = str(app.screen.query_one("#fields", Static).render())
        assert "$6,800.50" in fields
        await until(pilot, lambda: "$6,800.50" in " ".join(
            str(s.render()) for s in app.screen.query("#timeline Static")))


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
