"""The top line (console/widgets/status.py): what survives narrowing, and the
read time that says the view is live even when nothing changed. Help: it
scrolls with the queue's keys and explains the queue's marks."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import MutableClock
from console_helpers import app_for, settle, until
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.app import DispatchApp
from console.screens.help import HelpScreen
from console.widgets.status import StatusBar
from store import QueueCounts, Store

LONG_CENTER = "Jingcheng Bank Equipment Repair and Maintenance Service Center, North District"


def header(app: DispatchApp) -> str:
    """The status line as shown on screen (ASCII content assumed)."""
    bar = app.screen.query_one(StatusBar)
    line = [" "] * app.size.width
    for widget in bar.query(Static):
        text = "".join(seg.text for seg in widget.render_line(0))
        for i, ch in enumerate(text[: app.size.width - widget.region.x]):
            line[widget.region.x + i] = ch
    return "".join(line)


@pytest.mark.parametrize("width", [80, 100, 120, 160])
async def test_read_time_and_clock_survive_a_long_center_name(store: Store, width: int) -> None:
    store.settings.set_setting("center_name", LONG_CENTER)
    app = app_for(store)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "read" in header(app))
        line = header(app)
        assert "● read 09:00:00" in line
        assert " 09:00 ● read" in line  # the clock
        assert "open 0 · at risk 0 · breached 0 · unassigned 0" in line
        if width in (100, 120):
            assert "Jingcheng Bank" in line and "…" in line  # the name is what gets cut
        if width == 160:
            assert LONG_CENTER in line
        assert line.rstrip().endswith("● read 09:00:00")


async def test_stale_and_paused_outlast_everything(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.settings.set_setting("center_name", LONG_CENTER)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await until(pilot, lambda: header(app).rstrip().endswith("09:00 PAUSED"))

        def locked() -> int:
            raise sqlite3.OperationalError("database is locked by another process holding a long transaction")

        monkeypatch.setattr(store.db, "data_version", locked)
        await pilot.press("p")  # live again: the next read fails
        await until(pilot, lambda: "STALE" in header(app))
        bar = app.screen.query_one(StatusBar)
        bar.set_counts(QueueCounts(open=123456, at_risk=23456, breached=34567, unassigned=45678))
        await pilot.pause()
        line = header(app)
        # The counts whole, the clock, the state; no room for the reason or the center.
        assert "open 123456 · at risk 23456 · breached 34567 · unassigned 45678" in line
        assert line.rstrip().endswith(" 09:00 STALE") and "Jingcheng" not in line
        # Narrower than the app allows, the counts take their short form first.
        counts, info = bar.layout_parts(70)
        assert (counts.plain, info.plain) == ("open 123456 · ! 23456 · ✗ 34567 · unassigned 45678", "09:00 STALE")


def test_layout_gives_way_in_order() -> None:
    """Narrowing the line drops the center name first, then the clock, then the
    counts are cut; the state's first word stays as long as it fits."""
    bar = StatusBar(LONG_CENTER)
    bar.counts = QueueCounts(open=40, at_risk=7, breached=12, unassigned=10)
    bar.clock_text = "21:10"
    for live in ["● read 21:10:05", "PAUSED", "STALE: disk I/O error on /srv/dispatch/dispatch.db"]:
        bar.live = live
        head = live.partition(": ")[0] if ": " in live else live
        previous: tuple[bool, bool, bool, bool] | None = None
        for width in range(len(head), 200):
            counts, info = bar.layout_parts(width)
            c, i = counts.plain, info.plain
            assert len(c) + (1 if c else 0) + len(i) <= width, (width, c, i)
            has = (
                i.endswith(live) or (head in i),  # the state
                c.endswith("unassigned 10"),  # all the counts
                "21:10 " in i,  # the clock
                "Jingcheng" in i,  # the center
            )
            assert has[0], (width, i)
            # The state in full as soon as there is room for it beside the rest.
            if width >= len("open 40 · at risk 7 · breached 12 · unassigned 10") + 1 + len("21:10 ") + len(live):
                assert i.endswith(live), (width, i)
            # A center name is never cut to a stub: 8 cells at least.
            center = i.partition("21:10 ")[0].strip() if "21:10 " in i else ""
            assert not center or len(center) >= 8, (width, i)
            # What is shown at one width stays shown when wider.
            if previous is not None:
                assert all(now or not before for before, now in zip(previous, has, strict=True)), width
            # Nothing lower in rank shows while something higher is missing.
            assert list(has) == sorted(has, reverse=True), (width, c, i)
            previous = has
        assert all(has)


async def test_read_time_follows_every_poll_even_without_changes(store: Store, clock: MutableClock) -> None:
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "● read 09:00:00" in header(app))
        clock.advance(seconds=7)  # no write: data_version is unchanged
        await until(pilot, lambda: "● read 09:00:07" in header(app))


# ------------------------------------------------------------------- help

async def test_help_scrolls_with_the_queue_keys_and_explains_the_marks(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        view = app.screen.query_one("#help", VerticalScroll)
        text = str(app.screen.query_one(Static).render())
        for mark in ("resp", "site", "fix", "!", "✗", "=47m10s", "=+47m", "+44m", "↻", "PAUSED / STALE", "done"):
            assert f"\n{mark}" in text, mark
        assert view.max_scroll_y > 5  # more than a screen: it must scroll
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("k", "k")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y - 2
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("j")
        await pilot.pause()
        assert view.scroll_y == 1
        await pilot.press("pagedown")
        await pilot.pause()
        assert view.scroll_y > 5
        await pilot.press("pageup")
        await pilot.pause()
        assert view.scroll_y == 1
        await pilot.press("down")
        await pilot.pause()
        assert view.scroll_y == 2
        await pilot.press("end", "up", "home")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("G", "g", "j")  # typed fast: each key starts where the last ended
        await pilot.pause()
        assert view.scroll_y == 1
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_a_read_time_waiting_for_the_tick_never_replaces_stale(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A quiet poll's read time is shown with the next clock tick; when a
    failing poll says STALE before that tick, the tick must not put the old
    read time back (the header said '● read' while the file was failing,
    until the next failed poll: seen under load)."""
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def locked() -> int:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(store.db, "data_version", locked)  # every poll from now on fails
        screen = app.screen
        screen._live_line = ("● read 09:00:00", False)  # a quiet poll's, waiting for the tick
        screen._poll_failed(sqlite3.OperationalError("database is locked"))
        screen._tick_clock()
        bar = screen.query_one(StatusBar)
        assert bar.live.startswith("STALE") and bar.alert, bar.live
