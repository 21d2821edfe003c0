"""The live watcher polls from one thread of its own (console/live.py): no
Textual worker or timer a poll, the same thread for every poll, and gone
once the console closes."""

from __future__ import annotations

import threading

from console_helpers import app_for, settle

from console.settings import ConsoleSettings
from store import Store


def live_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dispatch-live"]


async def test_every_poll_runs_in_the_watchers_one_thread_and_it_ends_with_the_console(store: Store) -> None:
    before = live_threads()
    app = app_for(store, settings=ConsoleSettings(poll_seconds=1e6, cursor_blink=False))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        watcher = app.live
        seen: set[int] = set()
        real = watcher._read

        def read() -> bool:
            seen.add(threading.get_ident())
            return real()

        watcher._read = read  # type: ignore[method-assign]
        polls = watcher._polls
        for _ in range(5):
            watcher.refresh()
            assert not [w for w in app.workers if w.group == "live"]  # no worker a poll
            await settle(pilot)
        assert watcher._polls == polls + 5
        ours = [t for t in live_threads() if t not in before]
        assert len(ours) == 1 and seen == {ours[0].ident}
    # The console has closed (no pilot to yield to): the thread's end, waited for
    # (it may still be handing on its last poll on a busy machine).
    ours[0].join(timeout=120)
    assert not ours[0].is_alive()
