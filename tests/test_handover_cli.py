"""Issue 27, ``dispatch handover``: the text for a chat message (plain, no
colour), JSON with the same groups, the A4 sheet, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

from cli_clock import use_clock
from cli_helpers import invoke, ok, one_line_error
from conftest import NOW
from openpyxl import load_workbook

from store import Store
from store.rules import handover as rules
from store.timeutil import fixed_clock


def _demo(demo_copy) -> str:
    return str(demo_copy())


def test_json_has_every_group_in_order_with_the_same_lines_as_the_text(demo_copy, monkeypatch) -> None:
    db = _demo(demo_copy)
    monkeypatch.setenv("DISPATCH_ACTOR", "mei.lin")
    use_clock(monkeypatch, fixed_clock(NOW))
    data = json.loads(ok(db, "handover", "--since", "yesterday 18:00", "--format", "json"))
    text = ok(db, "handover", "--since", "yesterday 18:00")
    assert [g["key"] for g in data["groups"]] == [k for k, _t in rules.GROUPS]
    assert data["items"] == sum(g["total"] for g in data["groups"] if g["action"]) > 0
    s = Store(db, clock=fixed_clock(NOW), actor="mei.lin")
    want = s.handover.report(NOW.in_timezone(s.settings.timezone).subtract(days=1).set(hour=18, minute=0))
    s.close()
    assert [[x["ticket"] for x in g["lines"]] for g in data["groups"]] == [[x.ticket for x in g.lines] for g in want.groups]
    assert "\x1b" not in text
    for g in data["groups"]:
        if g["total"]:
            assert f"{g['title']} ({g['total']})" in text
            for x in g["lines"]:
                assert f"  #{x['ticket']} {x['text']}" in text
    assert text.splitlines()[0].startswith("Handover by mei.lin, ")


def test_the_sheet_is_one_a4_workbook_with_every_line(demo_copy, tmp_path: Path, monkeypatch) -> None:
    db = _demo(demo_copy)
    out = tmp_path / "handover.xlsx"
    use_clock(monkeypatch, fixed_clock(NOW))
    assert ok(db, "handover", "--since", "yesterday 08:00", "-o", str(out)).strip() == str(out)
    data = json.loads(ok(db, "handover", "--since", "yesterday 08:00", "--format", "json"))
    ws = load_workbook(out).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    cells = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    for g in data["groups"]:
        assert f"{g['title']} ({g['total']})" in cells
        for x in g["lines"]:
            assert f"#{x['ticket']}" in cells and x["text"] in cells


def test_bad_input_is_one_line_and_no_file_is_touched(demo_copy, tmp_path: Path, monkeypatch) -> None:
    db = _demo(demo_copy)
    use_clock(monkeypatch, fixed_clock(NOW))
    one_line_error(invoke(db, "handover", "--since", "25:00"), "--since: a time like 14:05")
    one_line_error(invoke(db, "handover", "--since", "soon"), "--since")
    kept = tmp_path / "keep.pdf"
    kept.write_bytes(b"%PDF old")
    one_line_error(invoke(db, "handover", "-o", str(kept)), "a workbook (.xlsx) or a page (.html)")
    assert kept.read_bytes() == b"%PDF old"
    one_line_error(invoke(db, "handover", "-o", str(tmp_path / "no" / "h.xlsx")), "no such folder")


def test_the_sheet_as_a_page_to_print_escapes_every_text(demo_copy, tmp_path: Path, monkeypatch) -> None:
    db = _demo(demo_copy)
    use_clock(monkeypatch, fixed_clock(NOW))
    s = Store(db, clock=fixed_clock(NOW), actor="mei.lin")
    (t,) = s.db.q("SELECT id FROM tickets WHERE is_open = 1 LIMIT 1")
    s.tickets.add_note(t[0], "<script>alert(1)</script> & 客户")
    s.close()
    out = tmp_path / "handover.html"
    ok(db, "handover", "--since", "yesterday 08:00", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    assert "@page { size: A4 portrait" in page and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 客户" in page
    data = json.loads(ok(db, "handover", "--since", "yesterday 08:00", "--format", "json"))
    for g in data["groups"]:
        for x in g["lines"]:
            assert f"<td>#{x['ticket']}</td>" in page
