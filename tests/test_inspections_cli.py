"""``dispatch inspections plan add|list|edit|retire``, ``run``, ``list``,
``show``, ``record``, ``repair`` (issue 25): one line per step, one-line
errors with exit 2, Chinese, and ``dispatch check`` green after each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_clock import use_clock
from cli_helpers import invoke, ok
from click.testing import Result
from conftest import MutableClock

from store import Store
from store.i18n import set_language

CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"},
                      {"key": "volts", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}],
              "network": [{"key": "link", "label": "Link light"}]}


@pytest.fixture
def db(people: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    return str(db_path)


@pytest.fixture
def checklist(tmp_path: Path) -> str:
    path = tmp_path / "checklist.json"
    path.write_text(json.dumps(CHECKLISTS), encoding="utf-8")
    return str(path)


def error(result: Result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("dispatch: error: ") and words in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_a_plan_its_visits_a_checklist_and_a_repair(db: str, checklist: str) -> None:
    out = ok(db, "inspections", "plan", "add", "--site", "NB", "--every", "month", "--starts", "2026-11-27",
             "--team", "bravo team", "--checklist", checklist)
    assert out == "plan 1: North Branch, every month from 2026-11-27, team Bravo Team (version 1)\n"
    assert "North Branch  every month" in ok(db, "inspections", "plan", "list")
    assert ok(db, "inspections", "run") == ("visit 1: North Branch, due 2026-11-27 (1:2026-11-27)\n"
                                            "  the customer was not told: North Branch has no address"
                                            " ('dispatch site contact')\n1 visit made\n")
    assert ok(db, "inspections", "run") == "0 visits made\n"
    assert "2026-11-27  open" in ok(db, "inspections", "list")
    out = ok(db, "inspections", "record", "1", "3", "--item", "reader=pass", "--item", "volts=11.2:terminals corroded")
    assert out.splitlines() == ["visit 1, equipment 3: 2 items, 1 failed",
                                "  finding: volts ('dispatch inspections repair 1 3 volts' opens its repair)"]
    out = ok(db, "inspections", "record", "1", "4", "--item", "link=pass")
    assert out == "visit 1, equipment 4: 1 items, 0 failed; the visit is done\n"
    assert ok(db, "inspections", "repair", "1", "3", "volts") == "ticket #1 opened for the finding volts of visit 1\n"
    show = ok(db, "inspections", "show", "1")
    assert "FAIL  Battery voltage 11.2 V [12–14 V] — terminals corroded → #1" in show
    data = json.loads(ok(db, "inspections", "show", "1", "--format", "json"))
    assert data["state"] == "done" and data["recorded"][0]["results"][1]["repair"] == 1


def test_refusals_are_one_line(db: str, checklist: str, tmp_path: Path) -> None:
    error(invoke(db, "inspections", "plan", "add", "--site", "2", "--every", "weekly", "--starts", "2026-11-27",
                 "--team", "2", "--checklist", checklist), "--every: weekly")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    error(invoke(db, "inspections", "plan", "add", "--site", "2", "--every", "month", "--starts", "2026-11-27",
                 "--team", "2", "--checklist", str(bad)), "not a JSON checklist file")
    error(invoke(db, "inspections", "plan", "add", "--site", "2", "--every", "month", "--starts", "2026-11-01",
                 "--team", "2", "--checklist", checklist), "today (2026-11-25) or later")
    error(invoke(db, "inspections", "show", "9"), "No inspection visit 9")
    error(invoke(db, "inspections", "plan", "add", "--site", "XX", "--every", "month", "--starts", "2026-11-27",
                 "--team", "2", "--checklist", checklist), "--site: no site XX")
    error(invoke(db, "inspections", "plan", "add", "--equipment", "NB-ATM-A", "--every", "month", "--starts",
                 "2026-11-27", "--team", "Nobody", "--checklist", checklist), "--team: no team Nobody")
    ok(db, "inspections", "plan", "add", "--site", "2", "--every", "7", "--starts", "2026-11-25", "--team", "2",
       "--checklist", checklist)
    ok(db, "inspections", "run")
    error(invoke(db, "inspections", "record", "1", "3", "--item", "reader"), "--item reader")
    error(invoke(db, "inspections", "record", "1", "3", "--item", "reader=pass"), "volts")
    error(invoke(db, "inspections", "plan", "edit", "1"), "nothing to change")
    assert ok(db, "inspections", "plan", "retire", "1") == "plan 1 retired\n"


def test_in_chinese(db: str, checklist: str) -> None:
    set_language("zh_Hans")
    try:
        out = ok(db, "inspections", "plan", "add", "--equipment", "3", "--every", "quarter", "--starts", "2026-11-26",
                 "--team", "2", "--checklist", checklist)
        assert out == "计划 1：North Branch · NB-ATM-A，自 2026-11-26 起每季度，工班 Bravo Team（版本 1）\n"
        assert "生成了 1 次巡检" in ok(db, "inspections", "run")
        result = invoke(db, "inspections", "show", "9")
        assert result.exit_code == 2 and result.stderr == "dispatch：错误：没有巡检 9\n"
    finally:
        set_language("en")


def test_the_report_for_the_customer(db: str, checklist: str, tmp_path: Path) -> None:
    import openpyxl

    ok(db, "inspections", "plan", "add", "--site", "2", "--every", "month", "--starts", "2026-11-27", "--team", "2",
       "--checklist", checklist)
    ok(db, "inspections", "run")
    ok(db, "inspections", "record", "1", "3", "--item", "reader=pass", "--item", "volts=11.2:terminals corroded")
    ok(db, "inspections", "repair", "1", "3", "volts")
    out = tmp_path / "report.xlsx"
    assert ok(db, "inspections", "report", "1", "-o", str(out)) == f"{out}\n"
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"
    cells = [c for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    assert "Inspection report — visit 1:2026-11-27" in cells
    assert "Battery voltage: 11.2 V, outside 12–14 V; terminals corroded\nRepair under way: ticket #1" in cells
    assert "Not inspected on this visit: equipment 4" in cells
    data = list(book.worksheets[1].iter_rows(values_only=True))
    assert data[2][5:] == ("volts", "Battery voltage", "measure", 12, 14, "V", 11.2, "fail", "terminals corroded", 1)
    refused = tmp_path / "x.xlsx"
    error(invoke(db, "inspections", "report", "9", "-o", str(refused)), "No inspection visit 9")
    assert not refused.exists()
    error(invoke(db, "inspections", "report", "1", "-o", str(tmp_path / "x.csv")), "ends in .xlsx")


def test_the_months_figures_per_category(db: str, checklist: str, people: Store, clock: MutableClock) -> None:
    from ticket_helpers import make

    ok(db, "inspections", "plan", "add", "--site", "2", "--every", "month", "--starts", "2026-11-27", "--team", "2",
       "--checklist", checklist)
    ok(db, "inspections", "run")
    ok(db, "inspections", "record", "1", "3", "--item", "reader=fail:dirty", "--item", "volts=13")
    ok(db, "inspections", "record", "1", "4", "--item", "link=pass")
    clock.advance(days=3)
    make(people, site_id=2, equipment_id=4, category="network")
    out = ok(db, "inspections", "figures", "--month", "2026-11")
    assert out.splitlines()[0] == "Done on time: 100.0% (1 of 1 visits)"
    assert "ATM              1          1" in out and "network          0          1" in out
    assert out.splitlines()[-1] == "visit 1:2026-11-27, equipment 4: a fault within 30 days (#1)"
    data = json.loads(ok(db, "inspections", "figures", "--month", "2026-11", "--format", "json"))
    assert data["per_category"] == {"atm": {"findings": 1, "inspected": 1}, "network": {"findings": 0, "inspected": 1}}


def test_hostile_labels_and_notes_are_printed_cleaned_and_stored_whole(db: str, people: Store, tmp_path: Path) -> None:
    label = "Fan \x1b[2J[b]noise[/b]\u202e"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"atm": [{"key": "fan", "label": label}]}), encoding="utf-8")
    ok(db, "inspections", "plan", "add", "--equipment", "NB-ATM-A", "--every", "month", "--starts", "2026-11-25",
       "--team", "2", "--checklist", str(path))
    ok(db, "inspections", "run")
    ok(db, "inspections", "record", "1", "3", "--item", "fan=fail:rattles \x1b]0;x\x07 [red]loud[/red]")
    out = ok(db, "inspections", "show", "1")
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "[b]noise[/b]" in out and "[red]loud[/red]" in out
    assert people.inspections.plan(1).plan.checklists["atm"][0].label == label
