"""The reports screen with Pilot: figures, keys for period/scope/comparison,
charts, drill down to a ticket; and snapshots at 80×24 and 160×50."""

from __future__ import annotations

import pytest
from console_helpers import app_for, settle, until
from report_data import build_october
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from console.screens.detail import DetailScreen
from console.screens.drill import DrillScreen
from console.screens.reports import ReportsScreen
from store import Store
from store.rules.periods import Period


@pytest.fixture
def october(store: Store, clock, now) -> Store:
    build_october(store)
    return store


async def _open(pilot: Pilot) -> ReportsScreen:
    await settle(pilot)
    await pilot.press("R")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReportsScreen)
    await pilot.press("left_square_bracket")  # November → October
    await settle(pilot)
    return screen


def _cell(screen: ReportsScreen, key: str, col: int) -> str:
    table = screen.query_one("#figures", DataTable)
    return str(table.get_row(key)[col])


async def test_figures_keys_and_drill_down(october: Store) -> None:
    app = app_for(october)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        assert screen.period == Period.parse_month("2026-10")
        assert _cell(screen, "opened", 1) == "8" and _cell(screen, "opened", 3) == "▲ up"
        assert _cell(screen, "sla_response", 1) == "57.1 %"
        await pilot.press("s")  # scope: the first team
        await settle(pilot)
        assert _cell(screen, "opened", 1) == "3"
        assert "Alpha Team" in str(screen.query_one("#rp-title", Static).render())
        await pilot.press("s", "s", "s", "s")  # technician, site, category, back to the center
        await settle(pilot)
        assert screen.scope.kind == "center" and _cell(screen, "opened", 1) == "8"
        await pilot.press("c")  # October a year before
        await settle(pilot)
        assert "2025-10" in str(screen.query_one("#rp-title", Static).render())
        # Enter on "SLA met: first response" lists the tickets that missed it.
        table = screen.query_one("#figures", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("sla_response"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrillScreen))
        drill = app.screen.query_one("#drill", DataTable)
        assert [k.value for k in drill.rows] == ["2", "6", "7"]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.ticket_id == 2


async def test_charts_and_bar_drill(october: Store) -> None:
    app = app_for(october)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        for view in ("per_day", "sla", "ranking", "breaches"):
            await pilot.press("v")
            await settle(pilot)
            assert screen.view == view
        legend = screen.query_one("#legend", DataTable)
        assert [k.value for k in legend.rows][:2] == ["site:2", "site:1"]  # North Branch 3, Head Office 2
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrillScreen))
        assert [k.value for k in app.screen.query_one("#drill", DataTable).rows] == ["2", "7", "8"]


SIZES = [(80, 24), (160, 50)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
# Only the figures view: plotext 5 places axis labels one cell apart from one
# process to the next (it depends on PYTHONHASHSEED), so a chart's picture is
# not stable across runs; the charts are checked by test_charts_and_bar_drill.
@pytest.mark.parametrize("view", ["figures"])
def test_reports_snapshot(october: Store, snap_compare, size, view) -> None:
    async def run(pilot: Pilot) -> None:
        screen = await _open(pilot)
        while screen.view != view:
            await pilot.press("v")
        await settle(pilot)
        # The chart lays itself out after the legend beside it has its width:
        # let a few refreshes pass, so the picture is the settled one.
        for _ in range(5):
            await pilot.pause()
            await settle(pilot)

    assert snap_compare(app_for(october), terminal_size=size, run_before=run)
