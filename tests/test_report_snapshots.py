"""Snapshots of the reports screen's charts at 80×24 and 160×50 on the
hand-built October (tests/report_data.py) with the fixed test clock. plotext
draws them the same in every process since the charts keep plotext's points
in order (tests/test_report_charts_stable.py).

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

import pytest
from console_helpers import app_for, settle
from report_data import build_october
from textual.pilot import Pilot

from console.screens.reports import ReportsScreen
from store import Store

SIZES = [(80, 24), (160, 50)]


@pytest.fixture
def october(store: Store, clock, now) -> Store:
    build_october(store)
    return store


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", ["per_day", "sla", "ranking", "breaches"])
def test_report_chart_snapshot(october: Store, snap_compare, size, view) -> None:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("left_square_bracket")  # November → October
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ReportsScreen)
        while screen.view != view:  # one key at a time, as a person switches charts
            await pilot.press("v")
            await settle(pilot)
        # The chart lays itself out after the legend beside it has its width:
        # let a few refreshes pass, so the picture is the settled one.
        for _ in range(5):
            await pilot.pause()
            await settle(pilot)

    assert snap_compare(app_for(october), terminal_size=size, run_before=run)
