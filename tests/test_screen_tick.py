"""Issue 16 (worst-case tick, busy center): a second in which nothing was
written is one screen update. The main screen's 1-second clock drives the
countdowns (the queue has no timer of its own there), and what a poll that
found no write reads — the read time, counts moved only by clocks crossing —
is shown with that clock tick, not in an update of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot

from console.screens.main import MainScreen, Snapshot
from console.widgets.queue import QueueTable
from console.widgets.status import StatusBar
from store import Store
from tests.conftest import MutableClock
from tests.console_helpers import app_for, make_ticket, settle


@asynccontextmanager
async def queue_screen(store: Store) -> AsyncIterator[tuple[Pilot, MainScreen]]:
    """The console on a file with one ticket, its queue shown."""
    make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        yield pilot, screen


async def test_the_queue_ticks_with_the_screen_clock(store: Store, monkeypatch) -> None:
    async with queue_screen(store) as (_pilot, screen):
        table = screen.query_one(QueueTable)
        assert not table.own_tick
        assert not [t for t in table._timers if t.name == "countdown"]
        ticks: list[int] = []
        monkeypatch.setattr(table, "tick", lambda: ticks.append(1))
        screen._tick_clock()
        assert ticks == [1]


async def test_a_quiet_poll_is_shown_with_the_next_clock_tick(store: Store, clock: MutableClock) -> None:
    async with queue_screen(store) as (_pilot, screen):
        bar = screen.query_one(StatusBar)
        before = bar.live
        clock.advance(seconds=7)
        screen._poll_ok(None)  # a poll that found nothing written
        assert bar.live == before  # no repaint of its own
        screen._tick_clock()
        assert bar.live != before and "read" in bar.live
        # Counts moved only by a clock crossing wait for the tick too.
        assert screen._counts is not None
        crossed = screen._counts.model_copy(update={"at_risk": screen._counts.at_risk + 1})
        screen._poll_ok(Snapshot(screen._data_version, crossed, []))
        assert bar.counts != crossed
        screen._tick_clock()
        assert bar.counts == crossed


async def test_pausing_between_a_quiet_poll_and_the_clock_tick_still_says_paused(store: Store, clock: MutableClock) -> None:
    """Seen in tmux: 'p' pressed after a quiet poll's read time was kept for the
    next tick, and that tick put the read time back over PAUSED."""
    async with queue_screen(store) as (pilot, screen):
        bar = screen.query_one(StatusBar)
        clock.advance(seconds=7)
        screen._poll_ok(None)  # its read time waits for the next tick
        screen.action_toggle_live()
        screen._tick_clock()
        assert bar.live == "PAUSED" and bar.alert
        screen.action_toggle_live()
        await settle(pilot)
        assert "read" in bar.live and not bar.alert
