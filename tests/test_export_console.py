"""Export from the reports screen (`x`) with Pilot: the month workbook to the
default folder, read back with openpyxl, the bar at 100 % and a toast naming
the file; a data export of the shown scope; refused paths keep the form and
write nothing; an existing file is replaced only after asking; Esc stops a
running export and leaves nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from console_helpers import app_for, settle, until
from report_data import build_october
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Select, Static

from console.screens.export_form import ExportScreen
from console.screens.reports import ReportsScreen
from console.widgets.confirm import ConfirmScreen
from store import Store


@pytest.fixture
def october(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    build_october(store)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the default export folder goes there
    (tmp_path / "home").mkdir()
    return store


async def _form(pilot: Pilot) -> ExportScreen:
    """Reports on October 2026, then the export form."""
    await settle(pilot)
    await pilot.press("R")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReportsScreen)
    await pilot.press("left_square_bracket")  # November → October
    await settle(pilot)
    await pilot.press("x")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    return screen


def _error(screen: ExportScreen) -> str:
    return str(screen.query_one("#e-path", Static).render())


def _toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_month_workbook_to_the_default_folder(october: Store, tmp_path: Path) -> None:
    app = app_for(october)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        path = screen.query_one("#f-path", Input)
        want = tmp_path / "home" / "dispatch-exports" / "month-2026-10.xlsx"
        assert path.value == str(want)
        bar = screen.query_one(ProgressBar)
        await pilot.press("tab", "enter")  # from the choice to the path, and go
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert bar.percentage == 1.0  # the bar reached 100 %
        assert any(str(want) in t for t in _toasts(app))
        book = openpyxl.load_workbook(want)
        assert [r[0] for r in book["Tickets"].iter_rows(min_row=2, values_only=True)] == [1, 2, 3, 4, 5, 6, 7, 8]
        assert "Figures" in book.sheetnames
        assert [p.name for p in want.parent.iterdir()] == [want.name]  # no temporary file left


async def test_daily_and_data_exports_follow_the_screen(october: Store, tmp_path: Path) -> None:
    app = app_for(october)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        screen.query_one("#f-kind", Select).value = "daily"
        await pilot.pause()
        path = screen.query_one("#f-path", Input)
        assert path.value.endswith("daily-2026-10-31.xlsx")  # the month's last day that is over
        path.value = str(tmp_path / "d.xlsx")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert openpyxl.load_workbook(tmp_path / "d.xlsx").sheetnames[0] == "Fault statistics 2026-10-31"

        await pilot.press("s")  # scope: the first team, Alpha Team
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#f-kind", Select).value == "daily"  # the last one chosen comes first
        screen.query_one("#f-kind", Select).value = "tickets"
        await pilot.pause()
        path = screen.query_one("#f-path", Input)
        assert path.value.endswith("tickets-2026-10-team-1.csv")
        path.value = str(tmp_path / "t.json")  # .json: JSON
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        rows = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
        assert [r["id"] for r in rows] == [1, 2, 4]


async def test_refused_paths_keep_the_form(october: Store, tmp_path: Path) -> None:
    app = app_for(october)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        path = screen.query_one("#f-path", Input)
        for typed, words in [(str(tmp_path / "m.txt"), "ends in .xlsx"),
                             (str(tmp_path / "no" / "m.xlsx"), "no such folder"),
                             (str(tmp_path), "is a folder"), ("  ", "the path of the file")]:
            path.value = typed
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen and path.value == typed  # kept as typed
            assert words in _error(screen)
            assert "Nothing written" in str(screen.query_one("#report", Static).render())
        screen.query_one("#f-kind", Select).value = "items"
        await pilot.pause()
        path.value = str(tmp_path / "items.xlsx")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "ends in .csv or .json" in _error(screen)
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("t.db")) == ["home"]

        # An existing file: asked first; Back keeps it as it was, Replace writes.
        old = tmp_path / "old.csv"
        old.write_text("keep me")
        path.value = str(old)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and old.read_text() == "keep me"
        assert "is kept" in str(screen.query_one("#report", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("r")
        await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert old.read_text(encoding="utf-8-sig").splitlines()[0].startswith("id,ticket_id,team")


async def test_esc_stops_a_running_export(october: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate, started = threading.Event(), threading.Event()
    count = october.exports.count_tickets

    def slow_count(*args: Any) -> int:  # holds the export until the test has pressed Esc
        started.set()
        gate.wait(10)
        return count(*args)

    monkeypatch.setattr(october.exports, "count_tickets", slow_count)
    app = app_for(october)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        out = tmp_path / "m.xlsx"
        screen.query_one("#f-path", Input).value = str(out)
        await pilot.press("ctrl+s")
        await until(pilot, started.is_set)
        await pilot.press("escape")
        assert app.screen is screen  # the first Esc stops the export, it does not close the form
        gate.set()
        await settle(pilot)
        assert "Stopped: nothing written" in str(screen.query_one("#report", Static).render())
        assert not out.exists() and not any(p.name.endswith(".part") for p in tmp_path.iterdir())
        await pilot.press("escape", "d")  # the second Esc closes it (asking first: a path was typed)
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)


async def test_a_refusal_stays_when_the_typing_is_handled_after_the_save(october: Store, tmp_path: Path) -> None:
    """Keys in one burst (SSH): the path's last Changed can be handled after
    ctrl+s has refused it; why it was refused stays on the form."""
    app = app_for(october)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        path = screen.query_one("#f-path", Input)
        path.value = str(tmp_path)  # its Changed is queued, not handled yet
        screen.action_start()  # the save, first
        await settle(pilot)
        assert "is a folder" in _error(screen)
        path.value = str(tmp_path / "m.xlsx")  # typing again clears it
        await settle(pilot)
        assert _error(screen) == ""
