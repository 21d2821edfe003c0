"""The month workbook's ticket list is written a typed row at a time (times as
Excel serials, streamed to disk): the cells still read back as real local
times, numbers and text, across a DST change."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from report_data import build_october

from store import Store
from store.transfer.workbooks import write_month


def test_ticket_rows_are_typed_cells_in_the_site_zone(store: Store, tmp_path: Path) -> None:
    build_october(store)
    store.settings.set_setting("timezone", "Europe/Berlin")  # CEST (+2) until 25 October 2026, then CET (+1)
    out = tmp_path / "m.xlsx"
    write_month(store, "2026-10", out)
    ws = openpyxl.load_workbook(out)["Tickets"]
    head = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    # #7 was reported at 23:00 UTC on the 31st: 00:00 on 1 November in Berlin, so not October's.
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 8]
    assert rows[1]["reported_at"] == datetime(2026, 10, 1, 10, 0)  # 08:00 UTC, summer time
    assert rows[6]["reported_at"] == datetime(2026, 10, 31, 21, 0)  # 20:00 UTC, winter time
    assert rows[8]["resolved_at"] == datetime(2026, 11, 1, 10, 0)
    assert rows[1]["cancelled_at"] is None and rows[5]["cancelled_at"] == datetime(2026, 10, 20, 10, 30)
    assert rows[4]["repeat_of"] == 1 and rows[2]["priority"] == 2 and rows[2]["channel"] == "online"
    assert rows[3]["description"] == "fault 3"
    cell = next(c for c in ws["E"][1:2])  # reported_at of the first ticket: a number shown as a time
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"
