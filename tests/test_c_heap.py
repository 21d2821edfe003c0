"""The console gives memory back over a long shift (issue 28, "Memory"):
freed C heap returned every TRIM_EVERY_POLLS polls, start-up objects frozen
while it runs and thawed when it closes (console/memory.py). Counted, not
timed: polls are driven by hand."""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import pytest
from console_helpers import app_for, settle, until

from console import live, memory
from console.settings import ConsoleSettings
from store import Store


async def test_the_c_heap_is_trimmed_every_so_many_polls(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(memory, "give_back", lambda: trims.append(1) or True)
    # The watcher's own timer never fires: every poll is one of the test's.
    app = app_for(store, settings=ConsoleSettings(poll_seconds=1e6, cursor_blink=False))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        watcher = app.live
        polls, trims_before = watcher._polls, len(trims)
        for _ in range(2 * live.TRIM_EVERY_POLLS):
            watcher._poll()
            while watcher._running:  # the poll's thread, then its result shown on this loop
                await asyncio.sleep(0.001)
        done = watcher._polls - polls
        assert done == 2 * live.TRIM_EVERY_POLLS
        expected = (polls + done) // live.TRIM_EVERY_POLLS - polls // live.TRIM_EVERY_POLLS
        assert len(trims) - trims_before == expected == 2


async def test_start_up_objects_are_frozen_while_the_console_runs(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: gc.get_freeze_count() > 0)  # after the first screen's refresh
    # Closed: a process that goes on (this one) can collect them again.
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_c_heap_calls_are_glibcs() -> None:
    libc: Any = memory._libc()
    if libc is None:
        pytest.skip("not glibc (musl)")
    assert memory.limit_arenas() is True
    assert isinstance(memory.give_back(), bool)
