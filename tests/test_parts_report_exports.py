"""Issue 25's parts reports in every form the issue asks for: parts used per
month, per equipment category, per technician, warranty against charged, the
stock's value and the slow movers, from `dispatch parts report` as a table,
JSON and CSV (one row per figure) and in the month workbook's "Parts
summary" sheet, the same figures everywhere; a part's hostile name is inert
in CSV and plain text in the workbook."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from cli_helpers import invoke
from conftest import MutableClock
from ticket_helpers import make, to_onsite

from store import Store
from store.repo.parts_reports import REPORT_FIELDS
from store.transfer.workbooks import write_month

HOSTILE = "=cmd|' /C calc'!A0\x1b[31m"


def used(store: Store, clock: MutableClock) -> str:
    """Belts used on an ATM (charged, Li Wei: 10.50 + 3 × 12.00 from the store)
    and a printer (under warranty, Zhang Min: 10.50 from his van, where the two
    oldest went); fuses received and never taken out."""
    store.actor = "ann"
    store.parts.add_part(code="DB-40", name="drive belt", unit_cost="11")
    store.parts.add_part(code="FU-10", name=HOSTILE, unit_cost="2")
    store.parts.receive_parts("DB-40", 3, "10.50")
    store.parts.receive_parts("DB-40", 5, "12.00")
    store.parts.receive_parts("FU-10", 10, "2.00")
    store.parts.move_parts("DB-40", 2, "store", "van:2")
    t = to_onsite(store, make(store))
    store.parts.use_parts(t.id, "DB-40", 4, location="store")
    t2 = to_onsite(store, make(store, equipment_id=2, category="printer"), tech=2)
    store.parts.use_parts(t2.id, "DB-40", 1, location="van:2", charge="warranty", reason="goodwill")
    clock.advance(days=1)
    return store.now().in_timezone(store.settings.timezone).format("YYYY-MM")


def _csv_rows(db: Path, month: str) -> list[dict[str, str]]:
    got = invoke(str(db), "parts", "report", "--month", month, "--format", "csv")
    assert got.exit_code == 0, (got.output, got.exception)
    assert got.output.splitlines()[0] == ",".join(REPORT_FIELDS)
    return list(csv.DictReader(io.StringIO(got.output)))


def test_report_csv_has_every_figure_the_json_has(people: Store, clock: MutableClock, db_path: Path) -> None:
    month = used(people, clock)
    rows = _csv_rows(db_path, month)
    got = invoke(str(db_path), "parts", "report", "--month", month, "--format", "json")
    report = json.loads(got.output)
    by = {(r["section"], r["key"]): r for r in rows}
    usage = report["usage"]
    assert (by["total", f"{month}..{month}"]["quantity"], by["total", f"{month}..{month}"]["cost"]) == ("5", "57.00")
    for section, key in (("month", "months"), ("category", "categories"), ("technician", "technicians"),
                         ("charge", "charge"), ("part", "parts")):
        assert {k: {"quantity": int(by[section, k]["quantity"]), "cost": by[section, k]["cost"]}
                for (s, k) in by if s == section} == usage[key], section
    assert (by["charge", "warranty"]["cost"], by["charge", "charged"]["cost"]) == ("10.50", "46.50")
    assert by["part", "DB-40"]["name"] == "drive belt"
    value = report["stock_value"]
    assert {k: by["stock_value", k]["cost"] for (s, k) in by if s == "stock_value" and k != "total"} == \
        value["locations"]
    assert Decimal(by["stock_value", "total"]["cost"]) == Decimal(value["total"]) == Decimal("54.50")
    assert (by["stock_value", "center store"]["quantity"], by["stock_value", "van of Zhang Min"]["quantity"]) == \
        ("12", "1")  # 2 belts + 10 fuses; 1 belt left in the van
    slow = [r for r in rows if r["section"] == "slow_mover"]
    assert [r["key"] for r in slow] == [s["code"] for s in report["slow_movers"]] == ["FU-10"]
    assert slow[0]["name"] == "'=cmd|' /C calc'!A0[31m"  # inert, control characters gone
    assert slow[0]["quantity"] == "10" and slow[0]["last_out"] == ""


def test_month_workbook_parts_summary_matches_the_report(people: Store, clock: MutableClock, tmp_path: Path) -> None:
    month = used(people, clock)
    out = tmp_path / "m.xlsx"
    counts = write_month(people, month, out)
    want = people.parts.report_rows(month, None, 90)
    assert counts["parts_summary"] == len(want)
    sheet = openpyxl.load_workbook(out)["Parts summary"]
    rows: list[list[Any]] = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Section", "What", "Name", "Quantity", "Cost", "Last taken out"]
    got = {(r[0], r[1]): r for r in rows[1:]}
    assert got["Month total", f"{month}..{month}"][3:5] == [5, 57]
    assert got["equipment category", "ATM"][3:5] == [4, 46.5]
    assert got["warranty or charged", "under warranty"][3:5] == [1, 10.5]
    assert got["technician", "Zhang Min"][3:5] == [1, 10.5]
    assert got["Stock value", "total"][3:5] == [13, 54.5]
    slow = got["Slow mover", "FU-10"]
    assert slow[2] == "=cmd|' /C calc'!A0[31m" and slow[3] == 10  # text, cleaned
    for r, w in zip(rows[1:], want, strict=True):  # the store's own figures, row by row
        assert r[3] == w["quantity"] and r[4] == (None if w["cost"] is None else float(w["cost"]))
    cost = sheet.cell(2, 5)
    assert cost.data_type == "n" and cost.number_format == '"¥"#,##0.00'
    assert sheet.cell(len(rows), 3).data_type == "s"  # the hostile name: text, never a formula
