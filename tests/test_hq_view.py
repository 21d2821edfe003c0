"""`dispatch hq`: the head office's read-only view (console/screens/hq.py) on
three shipped centers: the centers side by side with their lag, a center's
month with the reports screen's charts, month keys, esc and q; snapshots of
the main view at 80×24 and 160×50 in English and Chinese.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from console_helpers import screen_rows, settle, until
from textual.pilot import Pilot
from textual.widgets import DataTable

from console.screens.hq import HqApp, HqCenterScreen, HqScreen
from store.i18n import LOCALE_DIR, set_language
from store.rules.periods import Period

pytestmark = pytest.mark.xdist_group("hq")
SIZES = [(80, 24), (160, 50)]
SHIPPED_AT = pendulum.datetime(2026, 11, 25, 8, 40, tz="UTC")
LATER = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")  # the view's clock: 20 minutes after the last ship
FIRST_CENTER = "29m36s"  # BJ's mean first response in 2026-11 (the snapshots' data), under a 2-cell header


@pytest.fixture
def head_office(shipped: Callable[[], dict[str, Path]], hq_url: str) -> str:
    """Three centers shipped; their ship time set to a fixed instant so the lag reads the same every run."""
    import psycopg

    shipped()
    with psycopg.connect(hq_url) as conn:
        conn.execute("UPDATE centers SET last_shipped_at = %s", (SHIPPED_AT,))
    return hq_url


def _app(url: str) -> HqApp:
    return HqApp(url, Period.parse_month("2026-11"), clock=lambda: LATER)


async def _loaded(pilot: Pilot) -> None:
    for _ in range(200):
        await settle(pilot)
        screen = pilot.app.screen
        if isinstance(screen, HqScreen | HqCenterScreen):
            prefix = "hq" if isinstance(screen, HqScreen) else "hc"
            status = str(screen.query_one(f"#{prefix}-status").render())
            if screen.query_one(f"#{prefix}-figures", DataTable).row_count and "…" not in status:
                return
        await pilot.pause(0.05)
    raise AssertionError("the head office was never read")


async def _pictured(pilot: Pilot) -> None:
    """Read, and drawn: the first center's first figure on the screen whole (a
    frame drawn before the table sized its columns once stayed cut to the
    headers: console/widgets/table.py)."""
    await _loaded(pilot)
    await until(pilot, lambda: any(FIRST_CENTER in row for row in screen_rows(pilot.app)))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hq_view_snapshot(head_office: str, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(head_office), terminal_size=size, run_before=_pictured)


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hq_view_snapshot_zh(head_office: str, chinese: None, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(head_office), terminal_size=size, run_before=_pictured)


async def test_the_view_reads_the_company_and_opens_a_center(head_office: str) -> None:
    app = _app(head_office)
    async with app.run_test(size=(160, 50)) as pilot:
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, HqScreen)
        figures = screen.query_one("#hq-figures", DataTable)
        assert [str(c.label) for c in figures.columns.values()] == ["Figure", "BJ", "GZ", "SH", "Company", "Change"]
        lag = screen.query_one("#lag", DataTable)
        assert [str(c) for c in lag.get_row_at(0)][:3] == ["BJ", "2026-11-25 08:40", "20 min ago"]
        # Enter on the figure's name: not a center.
        await pilot.press("enter")
        assert app.screen is screen
        await pilot.press("right", "right", "enter")  # the GZ column
        await _loaded(pilot)
        center = app.screen
        assert isinstance(center, HqCenterScreen) and center.code == "GZ"
        table = center.query_one("#hc-figures", DataTable)
        opened = [str(c) for c in table.get_row("opened")]
        gz = [str(c) for c in figures.get_row("opened")][2]
        assert opened[1] == gz  # the same month's figure as in the centers' table
        await pilot.press("v")
        await settle(pilot)
        assert center.view == "per_day" and center.query_one("#hc-charts").display
        await pilot.press("left_square_bracket")
        await _loaded(pilot)
        assert center.period == Period.parse_month("2026-10")
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("right_square_bracket")
        await _loaded(pilot)
        assert screen.period == Period.parse_month("2026-12")
        await pilot.press("q")
    assert not app.is_running


async def test_an_unreachable_head_office_is_said_on_the_screen() -> None:
    app = HqApp("postgresql://a:secret-pw@127.0.0.1:1/hq", Period.parse_month("2026-11"), clock=lambda: LATER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        for _ in range(200):
            await settle(pilot)
            text = str(screen.query_one("#hq-status").render())
            if "cannot reach" in text:
                break
            await pilot.pause(0.05)
        assert "cannot reach the head office at 127.0.0.1:1/hq" in text and "secret-pw" not in text
