"""Profile the console at steady state (live paused: tick + clock + repaint only).

    python bench/profile_tick.py --db FILE --jump N [--seconds 6] [--live]

Prints the top functions by cumulative and by own time (cProfile, on the
main thread's CPU clock, ``time.thread_time``: a wait for a core under load
is not counted as time spent in whatever function was running)."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def run(db: str, jump: int, seconds: float, live: bool) -> None:
    from console.app import make_app
    from console.screens.main import MainScreen
    from console.settings import ConsoleSettings
    from console.widgets.queue import QueueTable
    from store import Store

    app = make_app(Store(db, actor="bench"), settings=ConsoleSettings(cursor_blink=False))
    async with app.run_test(size=(160, 50)) as pilot:
        while not isinstance(app.screen, MainScreen):
            await pilot.pause(0.01)
        table = app.screen.query_one(QueueTable)
        while table.total == 0:
            await pilot.pause(0.02)
        table.cursor = jump + table.scrollable_content_region.height - 2
        await pilot.pause(2.5)
        if not live:
            app.screen.action_toggle_live()
            await pilot.pause(1.2)
        prof = cProfile.Profile(time.thread_time)
        prof.enable()
        await pilot.pause(seconds)
        prof.disable()
    st = pstats.Stats(prof)
    st.sort_stats("cumulative").print_stats(45)
    st.sort_stats("tottime").print_stats(30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--jump", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--live", action="store_true")
    a = ap.parse_args()
    asyncio.run(run(a.db, a.jump, a.seconds, a.live))


if __name__ == "__main__":
    main()
