"""What grows while the console scrolls, in-process (issue 28, "Memory").

    .venv/bin/python bench/memory_trace.py --db FILE [--rounds 3] [--pages 60] [--trace 1]
    .venv/bin/python bench/memory_trace.py --db FILE --writes 600 [--rounds 4] [--trace 8]

The console as ``make_app`` builds it, under ``App.run_test(size=(160, 50))``
and a pilot, on a copy of FILE. Each round presses PageDown ``--pages``
times and Home; then it collects garbage and prints RSS, the number of
objects alive, the queue's per-row cache and the object types that grew since
the round before. ``--trace N`` also takes tracemalloc snapshots (N frames)
and prints the lines whose allocations grew most between the second round
and the last (slow: run few pages).

``--writes N``: instead of page moves, each round another dispatcher (a
second Store in this process, bench/busy.py's Writer) reassigns a ticket at
the top of the queue N times, and the console's live watcher (polling every
0.05 s here) shows each change before the next: what a long shift of other
dispatchers' writes leaves behind, without waiting an hour per round.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from scale_files import OUT, copy_db  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run(db: Path, rounds: int, pages: int, writes: int = 0) -> None:
    from busy import Writer

    from console.app import make_app
    from console.settings import ConsoleSettings
    from console.widgets.queue import QueueTable
    from store import Store

    store = Store(db, actor="root")
    writer = Writer(db) if writes else None
    app = make_app(store, settings=ConsoleSettings(cursor_blink=False, poll_seconds=0.05 if writes else 1.0))
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(50):
            await pilot.pause()
        table = app.screen.query_one(QueueTable)
        snaps: list[tracemalloc.Snapshot] = []
        before: Counter[str] | None = None
        for r in range(rounds):
            if writer is not None:
                for _ in range(writes):
                    shown = table.total, list(table.rows[:5])
                    writer.change()
                    for _ in range(40):  # until the poll has shown it (or ~0.4 s)
                        await asyncio.sleep(0.01)
                        if (table.total, list(table.rows[:5])) != shown:
                            break
            for i in range(0 if writer else pages):
                await pilot.press("pagedown")
                if i % 10 == 9:
                    await pilot.pause()
            await pilot.press("home")
            for _ in range(20):
                await pilot.pause()
                await asyncio.sleep(0.01)
            gc.collect()
            types = Counter(type(o).__qualname__ for o in gc.get_objects())
            print(f"round {r + 1}: RSS {rss_mb():.1f} MB, {sum(types.values()):,} objects, "
                  f"queue cells kept {len(table._tails)} for {len(table.rows)} rows loaded", flush=True)
            if before is not None:
                print("  grew:", (types - before).most_common(12), flush=True)
            before = types
            if tracemalloc.is_tracing():
                snaps.append(tracemalloc.take_snapshot())
        if len(snaps) > 2:
            print("--- allocations grown most, round 2 → last")
            for stat in snaps[-1].compare_to(snaps[1], "lineno")[:15]:
                print(" ", stat)
    store.close()
    if writer is not None:
        writer.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--trace", type=int, default=0, help="tracemalloc frames (0: off)")
    ap.add_argument("--writes", type=int, default=0, help="writes per round instead of page moves")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    work = OUT / "memory-trace.db"
    copy_db(args.db, work)
    if args.trace:
        tracemalloc.start(args.trace)
    asyncio.run(run(work, args.rounds, args.pages, args.writes))


if __name__ == "__main__":
    main()
