"""The detail screen of a ticket with a long history (issue 16: ≤ 0.3 s to
paint whatever the history).

    .venv/bin/python bench/detail_bench.py --db /tmp/demo.db --events 5000

Copies the file, gives one open ticket ``--events`` audit events (copies of
its own events, so the timeline has real steps to put into words), then, in
process at 160×50, times from pushing DetailScreen to the first screen
update after its timeline is mounted: the first open in a console (cold) and
``--warm`` opens again after going back, medians of each. Beside each open:
the collector's passes during it (``gc.callbacks``: how many full, generation
2, and the milliseconds of all of them) — a full pass walks every object the
collector tracks, which the console freezes after start-up
(console/memory.py); ``--no-freeze`` thaws them first, to see what that saves.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from scale_files import OUT, copy_db  # noqa: E402


def grow_history(db: Path, events: int) -> int:
    import sqlite3

    c = sqlite3.connect(db)
    tid = c.execute("SELECT t.id FROM tickets t WHERE t.is_open = 1 ORDER BY"
                    " (SELECT COUNT(*) FROM events e WHERE e.ticket_id = t.id) DESC LIMIT 1").fetchone()[0]
    have = c.execute("SELECT COUNT(*) FROM events WHERE ticket_id = ?", (tid,)).fetchone()[0]
    # (the copies carry their originals' hashes: the bench file's chain is not checked)
    cols = "at, actor, action, entity, entity_id, ticket_id, old, new, entered_by, hash"
    while have < events:
        # Copies of its own steps after the first (create stays the first event).
        c.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM events WHERE ticket_id = ?"
                  " AND action != 'ticket.create' ORDER BY id LIMIT ?", (tid, events - have))
        have = c.execute("SELECT COUNT(*) FROM events WHERE ticket_id = ?", (tid,)).fetchone()[0]
    c.commit()
    c.close()
    return tid


class GcTally:
    """The collector's passes, timed (gc.callbacks)."""

    def __init__(self) -> None:
        self.passes: list[tuple[int, float]] = []  # (generation, seconds)
        self._t0 = 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.passes.append((info["generation"], time.perf_counter() - self._t0))

    def take(self) -> tuple[int, float, float]:
        """(full passes, their ms, all passes' ms) since the last take."""
        full = [t for g, t in self.passes if g == 2]
        out = len(full), sum(full) * 1000, sum(t for _g, t in self.passes) * 1000
        self.passes.clear()
        return out


Passes = list[tuple[int, float, float]]  # per open: full passes, their ms, all passes' ms


async def once(db: Path, tid: int, warm: int, tally: GcTally, freeze: bool = True) -> tuple[float, list[float], int, Passes]:
    """One console: the first open of the ticket's detail (cold: its modules,
    styles and the file's pages read for the first time), then ``warm`` more
    opens after going back (what a dispatcher does all day)."""
    from console.app import make_app
    from console.screens.detail import DetailScreen
    from console.settings import ConsoleSettings
    from store import Store

    store = Store(db)
    app = make_app(store, settings=ConsoleSettings(cursor_blink=False))
    times: list[float] = []
    passes: list[tuple[int, float, float]] = []
    mounted = 0
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        if not freeze:
            gc.unfreeze()  # what the console froze after its first screen (console/memory.py)
        for _ in range(1 + warm):
            screen = DetailScreen(tid)
            tally.take()
            t0 = time.perf_counter()
            await app.push_screen(screen)
            timeline = screen.query_one("#timeline")
            while not timeline.children and time.perf_counter() - t0 < 60:
                await pilot.pause(0.002)
            await pilot.pause()  # the update that paints it
            times.append(time.perf_counter() - t0)
            passes.append(tally.take())
            mounted = len(timeline.children)
            await app.pop_screen()
            await pilot.pause()
            await app.workers.wait_for_complete()
    store.close()
    return times[0], times[1:], mounted, passes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3, help="consoles started (each opens the detail cold once)")
    ap.add_argument("--warm", type=int, default=5, help="opens again in each console, after going back")
    ap.add_argument("--no-freeze", action="store_true", help="thaw what the console froze after start-up first")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / "detail.db"
    copy_db(args.db, db)
    tid = grow_history(db, args.events)
    cold: list[float] = []
    warm: list[float] = []
    tally = GcTally()
    gc_ms: list[float] = []
    full_ms: list[float] = []
    for _ in range(args.runs):
        first, again, mounted, passes = asyncio.run(once(db, tid, args.warm, tally, not args.no_freeze))
        cold.append(first)
        warm.extend(again)
        gc_ms.extend(p[2] for p in passes)
        full_ms.extend(p[1] for p in passes)
        print(f"  ticket #{tid}: cold {first * 1000:.0f} ms, warm {', '.join(f'{t * 1000:.0f}' for t in again)} ms,"
              f" {mounted} timeline widgets mounted; collector per open (full passes/their ms/all ms): "
              + ", ".join(f"{n}/{f:.0f}/{a:.0f}" for n, f, a in passes), file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"detail screen, {args.events:,} events: first open {statistics.median(cold) * 1000:.0f} ms median,"
          f" opened again {statistics.median(warm) * 1000:.0f} ms median" if warm else "", f"(goal ≤ 300 ms; load {load:.1f});"
          f" the collector {statistics.median(gc_ms):.0f} ms an open (median; full passes {max(full_ms):.0f} ms at most),"
          f" {'not frozen' if args.no_freeze else 'start-up frozen'}")

if __name__ == "__main__":
    main()
