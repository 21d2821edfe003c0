"""Issue 16: a file whose clocks cross a few times a second (100,000 open)
must not stack a toast per poll (each toast repaints what it covers as it
comes and goes: ~8 KB/s and 60 ms/s of CPU measured). A few crossings a
minute get toasts of their own; the rest are summed into one toast a minute."""

from __future__ import annotations

from console_helpers import app_for, make_ticket, settle, until

from console.screens.main import CROSSING_TOASTS_A_MINUTE
from store import Store


def crossing_toasts(app) -> list[str]:
    return [n.message for n in app._notifications if "at risk" in n.message]


async def test_crossings_beyond_a_few_a_minute_are_summed_into_one_toast(store: Store, clock) -> None:
    ids = []
    for _ in range(6):  # P1: at risk 11m15s after creation; one crossing every 5 s
        ids.append(make_ticket(store, priority=1).id)
        clock.advance(seconds=5)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        clock.advance(minutes=11, seconds=15 - 30 - 2)  # just before the first one crosses
        await until(pilot, lambda: screen._last_check == clock.now)
        await settle(pilot)
        assert crossing_toasts(app) == []
        for _ in ids:  # one crossing per poll, all within 30 s
            clock.advance(seconds=5)
            await until(pilot, lambda: screen._last_check == clock.now)
            await settle(pilot)
        toasts = crossing_toasts(app)
        own = [t for t in toasts if t.startswith("#")]
        assert [t.split()[0] for t in own] == [f"#{i}" for i in ids[:CROSSING_TOASTS_A_MINUTE]]
        assert toasts[CROSSING_TOASTS_A_MINUTE:] == ["1 ticket crossed into at risk or breached."]
