"""The console's first screen: drawn once, outside Textual's start-up batch,
and keys typed before it is up wait for it (console/app.py, console/keys.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from textual import events

from console.app import DispatchApp
from console.screens.detail import DetailScreen
from console.screens.main import MainScreen
from console.widgets.queue import QueueTable
from store import Store


async def test_the_first_rows_are_drawn_for_a_frame_that_is_shown(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual shows nothing while the app's Mount runs (one batch update):
    rows drawn then were thrown away and drawn again, ~50 ms of every start."""
    make_ticket(store)
    batches: list[int] = []
    render_line = QueueTable.render_line

    def spy(self: QueueTable, y: int) -> Any:
        if self.total:
            batches.append(self.app._batch_count)
        return render_line(self, y)

    monkeypatch.setattr(QueueTable, "render_line", spy)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(batches))
        assert isinstance(app.screen, MainScreen)
    assert batches[0] == 0, "the first rows were drawn inside the start-up batch: that frame is never shown"


async def test_keys_typed_before_the_first_screen_is_up_wait_for_it(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SSH a dispatcher may type ':12⏎' while the console is still
    opening: the keys go to the queue once it is there, not to the blank
    screen before it."""
    tickets = [make_ticket(store, description=f"fault {i}") for i in range(12)]
    go = asyncio.Event()
    open_first_screen = DispatchApp._open_first_screen
    opening: list[asyncio.Task[None]] = []

    def later(self: DispatchApp) -> None:  # (the app's queue stays free meanwhile)
        async def when_told() -> None:
            await go.wait()
            await open_first_screen(self)

        opening.append(asyncio.create_task(when_told()))

    monkeypatch.setattr(DispatchApp, "_open_first_screen", later)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        assert pilot.app._driver is not None
        for key, char in (("colon", ":"), ("1", "1"), ("2", "2"), ("enter", "\r")):
            pilot.app._driver.send_message(events.Key(key, char))
        await pilot.pause()
        assert not isinstance(app.screen, MainScreen)  # still on its way: the keys wait
        go.set()
        await opening[0]
        await burst(pilot)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.ticket_id == tickets[11].id == 12
