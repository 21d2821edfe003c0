"""Where the console's time to first rows goes, in-process (imports excluded).

    python bench/startup_phases.py --db FILE

Prints milliseconds since make_app() for: MainScreen mounted, the first poll
started and finished (its store calls), rows handed to the table, and the
first compositor update that rendered queue rows."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


async def run(db: str) -> None:
    from console.app import make_app
    from console.screens.main import MainScreen
    from console.settings import ConsoleSettings
    from console.widgets.queue import QueueTable
    from store import Store

    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def mark(name: str) -> None:
        marks.setdefault(name, (time.perf_counter() - t0) * 1000)

    def wrap(owner, name, before=None, after=None):
        orig = getattr(owner, name)

        @functools.wraps(orig)
        def f(*a, **k):
            if before:
                mark(before)
            out = orig(*a, **k)
            if after:
                mark(after)
            return out
        setattr(owner, name, f)

    wrap(MainScreen, "on_mount", "MainScreen.on_mount")
    wrap(QueueTable, "set_rows", None, "table.set_rows (rows arrive)")
    orig_render = QueueTable.render_line

    def render_line(self, y):
        out = orig_render(self, y)
        if y == 1 and self.total:
            mark("first queue row rendered")
        return out
    QueueTable.render_line = render_line
    store = Store(db, actor="bench")
    # The calls the first poll makes (console/screens/queue_poll.py), on the
    # repositories they now live on (instance attributes).
    wrap(store.db, "data_version", "store.data_version start", "store.data_version end")
    for name in ("crossings", "queue_count", "find", "counts"):
        wrap(store.queue, name, f"store.queue.{name} start", f"store.queue.{name} end")
    wrap(store.people, "technicians", "store.technicians start", "store.technicians end")
    mark("make_app")
    app = make_app(store, settings=ConsoleSettings(cursor_blink=False))
    async with app.run_test(size=(160, 50)) as pilot:
        while "first queue row rendered" not in marks and time.perf_counter() - t0 < 30:
            await pilot.pause(0.005)
    for name, ms in sorted(marks.items(), key=lambda kv: kv[1]):
        print(f"{ms:8.1f} ms  {name}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    asyncio.run(run(ap.parse_args().db))
