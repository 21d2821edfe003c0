"""The inspection report from the console (issue 25, 'w' on a done visit
of the Inspections screen): the workbook the CLI writes, through the export
form (the default folder, the progress bar, a toast naming the file), and in
a browser tab a download with nothing written on the server."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pendulum
import pytest
from console_helpers import app_for, burst, settle, until
from textual.widgets import Input

from console.screens.inspection_report_form import InspectionReportScreen
from console.screens.inspections import InspectionsScreen
from store import Store
from store.transfer.inspection_report import write_inspection_report

CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"},
                      {"key": "volts", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}]}


@pytest.fixture
def done_visit(store: Store, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:  # type: ignore[no-untyped-def]
    """Head Office's ATM every 7 days from 25 Nov; the 2 Dec visit done with a finding, 25 Nov still open."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the default export folder goes there
    clock.set(pendulum.datetime(2026, 11, 20, 9))
    store.inspections.add_plan(equipment_id=1, every="days", days=7, starts=date(2026, 11, 25), team_id=1,
                               notice_days=0, checklists=CHECKLISTS)
    clock.set(pendulum.datetime(2026, 12, 3, 9))
    store.inspections.run_inspections()
    store.inspections.record_checklist(2, 1, {"reader": {"outcome": "pass"}, "volts": {"value": "11.2", "note": "rust"}})
    return store


async def open_visits(pilot: Any) -> InspectionsScreen:
    await settle(pilot)
    await burst(pilot, "V", "a")  # every visit, the done one too
    screen = pilot.app.screen
    assert isinstance(screen, InspectionsScreen)
    await until(pilot, lambda: len(screen.shown) == 2 and screen.everything)
    return screen


def cells(book: openpyxl.Workbook) -> list[list[Any]]:
    return [[c for c in row] for ws in book.worksheets for row in ws.iter_rows(values_only=True)]


async def test_w_writes_the_report_of_a_done_visit(done_visit: Store, tmp_path: Path) -> None:
    app = app_for(done_visit)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_visits(pilot)
        assert [v.state for v in screen.shown] == ["overdue", "done"]
        await burst(pilot, "w")  # the 25 Nov visit is not done: refused, says why
        await settle(pilot)
        assert pilot.app.screen is screen
        assert any("not done yet" in n.message for n in app._notifications)
        await burst(pilot, "j", "w")
        form = pilot.app.screen
        assert isinstance(form, InspectionReportScreen)
        want = tmp_path / "home" / "dispatch-exports" / "inspection-1-2026-12-02.xlsx"
        assert form.query_one("#f-path", Input).value == str(want)
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: pilot.app.screen is screen)
        assert any(str(want) in n.message for n in app._notifications)
        assert [p.name for p in want.parent.iterdir()] == [want.name]  # no temporary file left
        cli = tmp_path / "cli.xlsx"
        write_inspection_report(done_visit, 2, cli)
        got = cells(openpyxl.load_workbook(want))
        assert got == cells(openpyxl.load_workbook(cli))
        assert any(row[0] and "11.2 V, outside 12–14 V; rust" in str(row[1]) for row in got if row[1])


async def test_in_a_browser_tab_the_report_is_a_download(done_visit: Store, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_for(done_visit)
    sent: list[tuple[str, bytes]] = []
    monkeypatch.setattr(type(app), "is_web", property(lambda _self: True))
    monkeypatch.setattr(app, "deliver_binary", lambda data, save_filename, **_kw: sent.append((save_filename, data.read())))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_visits(pilot)
        await burst(pilot, "j", "w")
        form = pilot.app.screen
        assert isinstance(form, InspectionReportScreen)
        assert form.query_one("#f-path", Input).value == "inspection-1-2026-12-02.xlsx"
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: pilot.app.screen is screen)
        assert [name for name, _data in sent] == ["inspection-1-2026-12-02.xlsx"]
        assert any("inspection-1-2026-12-02.xlsx" in n.message for n in app._notifications)
    assert not (tmp_path / "home" / "dispatch-exports").exists()  # nothing written on the server
    cli = tmp_path / "cli.xlsx"
    write_inspection_report(done_visit, 2, cli)
    assert cells(openpyxl.load_workbook(io.BytesIO(sent[0][1]))) == cells(openpyxl.load_workbook(cli))
