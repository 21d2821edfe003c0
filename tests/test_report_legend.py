"""The tickets-per-day chart (issue 22): no legend drawn over the bars, and the
priorities told apart by their fill, named in the legend table beside it, not
by colour alone."""

from __future__ import annotations

from console_helpers import app_for, settle, until
from report_data import build_october
from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from console.screens.reports import PRIORITY_FILLS, ReportsScreen
from store import Store


async def test_tickets_per_day_fills_and_legend_beside(store: Store) -> None:
    build_october(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReportsScreen) and app.screen.report is not None)
        await pilot.press("left_square_bracket")  # October
        await until(pilot, lambda: app.screen.report is not None and app.screen.period.start.month == 10)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.view == "per_day"
        plot = app.screen.query_one("#plot", PlotextPlot)
        canvas = plot.plt.build()
        assert "P1" not in canvas and "P4" not in canvas  # nothing written over the bars
        drawn = {fill for fill in PRIORITY_FILLS if fill in canvas}
        assert len(drawn) >= 2  # October has P1 … P4 tickets: at least two fills show
        legend = app.screen.query_one("#legend", DataTable)
        firsts = [str(legend.get_row_at(i)[0]) for i in range(legend.row_count)]
        assert firsts == [f"{fill} P{p}" for fill, p in zip(PRIORITY_FILLS, (1, 2, 3, 4), strict=True)]
