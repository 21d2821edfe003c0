"""Issue 25's fees in the exports: `dispatch export fees` (CSV and JSON, one
row per ticket closed in the period with a fee: the items summed by kind, the
items themselves, proposed against recorded and why, the invoice and its
check; money exact text beside the currency, never a float; hostile text
inert in CSV) and the same rows from the console's export form."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli_helpers import invoke
from conftest import MutableClock
from ticket_helpers import RECORD, make, to_onsite, to_resolved

from store import Store
from store.repo.export_rows import COLUMNS

D = Decimal
FLAT = {"labour": "priority", "per_priority": {"1": "300", "2": "200.50"}, "call_out": "50",
        "parts_margin": "0.15", "rounding": "0.01"}
HOSTILE_REASON = "=cmd|' /C calc'!A0 \x1b[31mred\x07"
HOSTILE_INVOICE = "=HYPERLINK(\"http://x\")"


def closed_with_fees(store: Store, clock: MutableClock) -> dict[str, int]:
    """Four tickets closed today: a typed fee (no schedule), then under the
    schedule a proposal charged as is with parts (one under warranty, one
    charged), an override with a hostile reason and invoice number, checked;
    and one closed without a fee (not listed)."""
    store.actor = "ann"
    typed = to_resolved(store, make(store))
    typed = store.tickets.close(typed.id, typed.version, signoff="Mrs Zhao", fee="120")
    bare = to_resolved(store, make(store))
    store.tickets.close(bare.id, bare.version, signoff="Mrs Zhao")
    store.fees.set_schedule(FLAT)
    store.parts.add_part(code="DB-40", name="drive belt", unit_cost="11.11")
    store.parts.receive_parts("DB-40", 5, "11.11")
    parts = to_onsite(store, make(store, priority=1))
    store.parts.use_parts(parts.id, "DB-40", 3, location="store", charge="charged")
    store.parts.use_parts(parts.id, "DB-40", 1, location="store", charge="warranty", reason="goodwill")
    parts = store.tickets.resolve(parts.id, store.tickets.ticket(parts.id).version, **RECORD)
    parts = store.tickets.close(parts.id, parts.version, signoff="Mrs Zhao")
    odd = to_resolved(store, make(store, priority=2))
    odd = store.tickets.close(odd.id, odd.version, signoff="Mrs Zhao", fee="180", reason=HOSTILE_REASON)
    store.actor = "bob"
    odd = store.fees.record_invoice(odd.id, odd.version, HOSTILE_INVOICE)
    store.actor = "alice"
    store.fees.check_invoice(odd.id, odd.version)
    store.actor = "ann"
    return {"typed": typed.id, "bare": bare.id, "parts": parts.id, "odd": odd.id}


def _today(store: Store) -> str:
    return store.now().in_timezone(store.settings.timezone).date().isoformat()


def _export(db: Path, store: Store, *more: str) -> str:
    got = invoke(str(db), "export", "fees", "--from", _today(store), "--to", _today(store), *more)
    assert got.exit_code == 0, (got.output, got.exception)
    return got.output


def test_json_rows_are_exact_text_item_by_item(people: Store, clock: MutableClock, db_path: Path) -> None:
    ids = closed_with_fees(people, clock)
    rows = {r["ticket_id"]: r for r in json.loads(_export(db_path, people, "--format", "json"))}
    assert list(rows) == [ids["typed"], ids["parts"], ids["odd"]]  # closed without a fee: no row
    assert all(list(r) == list(COLUMNS["fees"]) for r in rows.values())

    typed = rows[ids["typed"]]  # no schedule then: the fee typed, nothing proposed
    assert (typed["fee"], typed["proposed"], typed["difference"], typed["items"], typed["labour"]) == (
        "120.00", None, None, None, None)

    p = rows[ids["parts"]]
    # P1 300 + call-out 50 + 3 belts at 11.11 × 1.15 = 38.3295 -> 38.33; the warranty belt at 0.
    assert (p["labour"], p["call_out"], p["parts"], p["rounding"]) == ("300.00", "50.00", "38.33", "0.00")
    assert (p["parts_cost"], p["warranty_units"]) == ("44.44", 1)
    assert (p["proposed"], p["fee"], p["difference"], p["reason"]) == ("388.33", "388.33", "0.00", None)
    assert [(i["kind"], i["quantity"], i["amount"], i["warranty"]) for i in p["items"]] == [
        ("labour", 1, "300.00", False), ("call_out", 1, "50.00", False), ("part", 3, "38.33", False),
        ("part", 1, "0.00", True)]
    closed = people.tickets.ticket(ids["parts"])
    assert D(p["fee"]) == closed.fee and D(p["proposed"]) == closed.fee_proposed  # the store's own figures
    assert p["currency"] == "¥" and p["closed_at"] == closed.closed_at.in_timezone(people.settings.timezone).isoformat()

    odd = rows[ids["odd"]]
    assert (odd["proposed"], odd["fee"], odd["difference"]) == ("250.50", "180.00", "-70.50")
    assert odd["reason"] == " ".join(HOSTILE_REASON.split())  # JSON keeps the text as it is
    assert (odd["invoice_no"], odd["invoice_by"], odd["checked_by"]) == (HOSTILE_INVOICE, "bob", "alice")
    assert odd["checked_at"] is not None and odd["invoice_at"] is not None
    # Never a float: every amount is a string in the JSON text itself.
    assert all(isinstance(r[k], str | None) for r in rows.values() for k in
               ("labour", "call_out", "parts", "rounding", "parts_cost", "proposed", "fee", "difference"))


def test_csv_is_inert_and_keeps_the_items(people: Store, clock: MutableClock, db_path: Path) -> None:
    ids = closed_with_fees(people, clock)
    people.settings.set_setting("currency", "CHF ")
    rows = {int(r["ticket_id"]): r for r in csv.DictReader(io.StringIO(_export(db_path, people)))}
    odd = rows[ids["odd"]]
    # Inert, as every data export makes a cell a spreadsheet would run; the text itself kept, as they keep it.
    assert odd["reason"] == "'" + " ".join(HOSTILE_REASON.split()) and odd["invoice_no"] == "'" + HOSTILE_INVOICE
    assert (odd["fee"], odd["proposed"], odd["difference"], odd["currency"]) == ("180.00", "250.50", "-70.50", "CHF ")
    items: list[dict[str, Any]] = json.loads(rows[ids["parts"]]["items"])  # one cell, the JSON array
    assert [i["amount"] for i in items] == ["300.00", "50.00", "38.33", "0.00"]
    assert rows[ids["typed"]]["items"] == "" and rows[ids["typed"]]["proposed"] == ""


def test_filters_and_an_empty_period(people: Store, clock: MutableClock, db_path: Path) -> None:
    ids = closed_with_fees(people, clock)
    got = json.loads(_export(db_path, people, "--format", "json", "--site", "HQ"))
    assert [r["ticket_id"] for r in got] == [ids["typed"], ids["parts"], ids["odd"]]
    assert json.loads(_export(db_path, people, "--format", "json", "--equipment-type", "network")) == []
    none = invoke(str(db_path), "export", "fees", "--from", "2020-01-01", "--to", "2020-01-31")
    assert none.exit_code == 0 and none.output.strip().splitlines() == [",".join(COLUMNS["fees"])]


async def test_the_console_export_form_writes_the_fees(people: Store, clock: MutableClock, tmp_path: Path,
                                                      monkeypatch: Any) -> None:
    from console_helpers import app_for, settle, until
    from textual.widgets import Input, Select

    from console.screens.export_form import ExportScreen

    ids = closed_with_fees(people, clock)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        screen = app.screen
        screen.query_one("#f-kind", Select).value = "fees"
        await pilot.pause()
        path = screen.query_one("#f-path", Input)
        assert Path(path.value).name.startswith("fees-")
        path.value = str(tmp_path / "fees.json")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
    rows = json.loads((tmp_path / "fees.json").read_text(encoding="utf-8"))
    assert [r["ticket_id"] for r in rows] == [ids["typed"], ids["parts"], ids["odd"]]
    assert rows[2]["difference"] == "-70.50"


# ------------------------------------------------------------ the month workbook
def _sheet_rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_month_workbook_fees_sheet_matches_the_store(people: Store, clock: MutableClock, tmp_path: Path) -> None:
    import openpyxl

    from store.transfer.workbooks import write_month

    ids = closed_with_fees(people, clock)
    month = people.now().in_timezone(people.settings.timezone).format("YYYY-MM")
    out = tmp_path / "m.xlsx"
    counts = write_month(people, month, out)
    assert (counts["fees"], counts["invoices"]) == (3, 3)
    book = openpyxl.load_workbook(out)
    sheet = book["Fees"]
    rows = _sheet_rows(sheet)
    head = rows[0]
    listed = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:4]}
    assert list(listed) == [ids["typed"], ids["parts"], ids["odd"]]
    for tid, r in listed.items():  # the store's own figures, as numbers
        t = people.tickets.ticket(tid)
        assert r["Fee recorded"] == float(t.fee)
        assert r["Proposed fee"] == (None if t.fee_proposed is None else float(t.fee_proposed))
    odd = listed[ids["odd"]]
    assert (odd["Difference"], odd["Priority"]) == (-70.5, "P2")
    assert odd["Why the fee differs"] == "=cmd|' /C calc'!A0 [31mred"  # control characters gone, text kept
    assert odd["Invoice"] == HOSTILE_INVOICE and odd["Checked by"] == "alice"
    fee_col = head.index("Fee recorded") + 1
    cell = sheet.cell(4, fee_col)
    assert cell.data_type == "n" and cell.number_format == '"¥"#,##0.00'  # a number shown as money
    assert sheet.cell(4, head.index("Invoice") + 1).data_type == "s"  # text, never a formula
    assert sheet.cell(4, head.index("Why the fee differs") + 1).data_type == "s"
    assert sheet.auto_filter.ref.endswith("4")  # the filter covers the list, not the totals

    # The totals below the list: per priority, the month, the parts.
    totals = {r[0]: r for r in rows[5:] if r[0] is not None}
    assert totals["Priority"][:8] == ["Priority", "Tickets", "Proposed fee", "Fee recorded", "Difference",
                                      "Fee changed", "Invoiced", "Checked"]
    today = people.now().in_timezone(people.settings.timezone).date()
    want = people.fees.fee_totals(today, today.add(days=1))
    every = [people.tickets.ticket(t) for t in (ids["typed"], ids["parts"], ids["odd"])]
    assert want.total.fee == sum((t.fee for t in every), D(0)) == D("688.33")  # 120 + 388.33 + 180
    assert totals["Month total"][1:8] == [3, 638.83, 688.33, -70.5, 1, 1, 1]
    assert totals["P1"][1:5] == [1, 388.33, 388.33, 0] and totals["P2"][1:5] == [2, 250.5, 300, -70.5]
    assert totals["Parts"][:4] == ["Parts", "Quantity", "Cost", "Charged"]
    assert totals["under warranty"][1:4] == [1, 11.11, 0] and totals["charged"][1:4] == [3, 33.33, 38.33]
    assert sheet.cell(rows.index(totals["Month total"]) + 1, 4).number_format == '"¥"#,##0.00'


def test_month_workbook_invoices_overdue_first(people: Store, clock: MutableClock, tmp_path: Path) -> None:
    import openpyxl

    from store.transfer.workbooks import write_month

    people.actor = "ann"
    people.settings.set_setting("invoice_check_days", 3)
    first = to_resolved(people, make(people))
    first = people.tickets.close(first.id, first.version, signoff="A", fee="10")
    clock.advance(days=1)
    checked = to_resolved(people, make(people))
    checked = people.tickets.close(checked.id, checked.version, signoff="B", fee="20")
    checked = people.fees.record_invoice(checked.id, checked.version, "INV-2")
    people.fees.check_invoice(checked.id, checked.version)
    clock.advance(days=3)  # first: 4 days unchecked, overdue; fresh: closed now
    fresh = to_resolved(people, make(people))
    fresh = people.tickets.close(fresh.id, fresh.version, signoff="C", fee="30")
    month = people.now().in_timezone(people.settings.timezone).format("YYYY-MM")
    assert clock.now.subtract(days=4).format("YYYY-MM") == month  # all three closed in the month
    write_month(people, month, tmp_path / "m.xlsx")
    rows = _sheet_rows(openpyxl.load_workbook(tmp_path / "m.xlsx")["Invoices"])
    head = rows[0]
    got = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert [(r["Ticket"], r["Overdue"], r["Days unchecked"]) for r in got] == [
        (first.id, "yes", 4), (fresh.id, "no", 0), (checked.id, "no", None)]
    assert [r["Fee"] for r in got] == [10, 30, 20] and got[2]["Checked by"] == "ann"
    assert [i.ticket_id for i in people.fees.overdue_invoices()] == [first.id]  # the store agrees
