"""Issue 25's parts in the exports: `dispatch export parts-usage` (CSV and
JSON, one row per use, cost exact, times in the site's zone, formula cells
inert) and the month workbook's "Parts used" sheet with the same rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from conftest import MutableClock
from ticket_helpers import make, to_onsite

from console.cli import cli
from store import Store
from store.transfer.workbooks import write_month


def used(store: Store, clock: MutableClock) -> int:
    store.actor = "ann"
    store.parts.add_part(code="=DB-40", name="drive belt", unit="pcs", min_stock=4, unit_cost="11")
    store.parts.receive_parts("=DB-40", 3, "10.50")
    clock.advance(days=1)
    store.parts.receive_parts("=DB-40", 5, "12.00")
    t = to_onsite(store, make(store))
    store.parts.use_parts(t.id, "=DB-40", 4, location="store", charge="charged", reason="-cmd")
    return t.id


def test_export_parts_usage_csv_and_json(people: Store, clock: MutableClock, db_path: Path) -> None:
    tid = used(people, clock)
    day = people.now().in_timezone(people.settings.timezone).date().isoformat()
    args = ["--db", str(db_path), "export", "parts-usage", "--from", day, "--to", day]
    got = CliRunner().invoke(cli, args)
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(io.StringIO(got.output)))
    assert [(r["ticket_id"], r["code"], r["quantity"], r["cost"], r["charge"], r["reason"], r["location"])
            for r in rows] == [(str(tid), "'=DB-40", "4", "43.50", "charged", "'-cmd", "store")]
    got = CliRunner().invoke(cli, [*args, "--format", "json"])
    data = json.loads(got.output)
    assert data[0]["cost"] == 43.5 and data[0]["code"] == "=DB-40"
    assert data[0]["used_at"] == people.now().in_timezone(people.settings.timezone).isoformat()
    before = CliRunner().invoke(cli, ["--db", str(db_path), "export", "parts-usage", "--from", "2020-01-01",
                                      "--to", "2020-01-31"])
    assert before.output.strip().count("\n") == 0  # the header alone


def test_month_workbook_has_the_parts_sheet(people: Store, clock: MutableClock, tmp_path: Path) -> None:
    tid = used(people, clock)
    month = people.now().in_timezone(people.settings.timezone).format("YYYY-MM")
    out = tmp_path / "m.xlsx"
    counts = write_month(people, month, out)
    assert counts["parts"] == 1
    sheet = openpyxl.load_workbook(out)["Parts used"]
    values = [c.value for c in sheet[2]]
    assert values[1:9] == [tid, "=DB-40", "drive belt", 4, "pcs", 43.5, "charged", "-cmd"]
    assert sheet.cell(2, 3).data_type == "s"  # text, never a formula
