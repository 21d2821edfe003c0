"""What grows while the console scrolls, in-process (issue 28, "Memory").

    .venv/bin/python bench/memory_trace.py --db FILE [--rounds 3] [--pages 60] [--trace 1]
    .venv/bin/python bench/memory_trace.py --db FILE --writes 600 [--rounds 4] [--trace 8]
    .venv/bin/python bench/memory_trace.py --db FILE --hours 2 [--rate 1] [--step 1] [--report 15] [--who Statement]

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

``--hours H``: the console's clock (and the other dispatcher's) is a fast
one: each step moves it ``--step`` seconds (1: the real tick), then runs
what the real second runs — the main screen's clock tick (countdowns, the
status bar's clock) and one live poll to its end (crossings, counts, the
escalations falling due, the read time) — plus ``--rate`` writes a
simulated second. ``--report`` simulated minutes make a round (RSS,
objects, types grown). No real time passes for the console's own timers,
so a toast's seconds on screen are real ones: they pile up less than they
would at 1× (Textual drops each after its timeout). Each round also prints
the caches that grew (every functools.lru_cache and Textual LRU/FIFO cache
alive, entries/limit); ``--who T1,T2`` what holds the objects of those types
new in the round (two levels of referrers; for sqlite3's ``Statement`` the
connection's statement cache).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import threading
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

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


class FastClock:
    """A clock that moves only when told (both Stores' and the console's)."""

    def __init__(self) -> None:
        import pendulum

        self.now = pendulum.now("UTC")

    def __call__(self) -> Any:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now = self.now.add(seconds=seconds)


def grown(before: Counter[str] | None, types: Counter[str]) -> None:
    if before is not None:
        print("  grew:", (types - before).most_common(12), flush=True)


def sqlite_mb() -> float:
    """SQLite's own heap in this process (page caches, prepared statements):
    sqlite3_memory_used from the library the sqlite3 module is linked with."""
    import _sqlite3
    import ctypes

    used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    used.restype = ctypes.c_int64
    return float(used()) / 2**20


def malloc_mb() -> tuple[float, float]:
    """glibc's heap, all arenas (mallinfo2): (in use, free but kept) in MB."""
    import ctypes

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                    "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        fn = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return 0.0, 0.0
    fn.restype = Info
    info = fn()
    return (info.uordblks + info.hblkhd) / 2**20, info.fordblks / 2**20


def malloc_mode(mode: str) -> None:
    """What of console/memory.py's C-heap measures runs: "console" (as the
    console does: two arenas, a trim every 60 polls), "off", "arenas", "trim"."""
    from console import memory

    if mode in ("off", "trim"):
        memory.limit_arenas = lambda arenas=2: False
    if mode in ("off", "arenas"):
        memory.give_back = lambda: False


def caches() -> dict[str, tuple[int, int | None]]:
    """Every functools.lru_cache and Textual LRU/FIFO cache alive: (entries, limit) by name."""
    import functools

    from textual.cache import FIFOCache, LRUCache

    out: dict[str, tuple[int, int | None]] = {}
    for o in gc.get_objects():
        if isinstance(o, functools._lru_cache_wrapper):
            info = o.cache_info()
            name = f"{getattr(o, '__module__', '?')}.{getattr(o, '__qualname__', '?')}"
            n, limit = out.get(name, (0, info.maxsize))
            out[name] = (n + info.currsize, limit)
        elif isinstance(o, (LRUCache, FIFOCache)):
            name = f"{type(o).__name__}({o._maxsize})"
            n, limit = out.get(name, (0, None))
            out[name] = (n + len(o), limit)
    return out


def caches_grown(before: dict[str, tuple[int, int | None]], now: dict[str, tuple[int, int | None]]) -> None:
    moved = sorted(((n - before.get(k, (0, 0))[0], k, n, lim) for k, (n, lim) in now.items()), reverse=True)
    print("  caches grown:", ", ".join(f"{k} +{d} ={n}/{lim}" for d, k, n, lim in moved[:8] if d > 0), flush=True)


def holders(kinds: list[str], seen: set[int]) -> set[int]:
    """For objects of the ``kinds`` new since ``seen`` (ids), what holds them:
    two levels of referrers by type (the chain to the cache or list keeping
    them). Returns the ids of those objects now alive."""
    now = {id(o): o for o in gc.get_objects() if type(o).__qualname__ in kinds}
    new = [o for i, o in now.items() if i not in seen][:200]
    for kind in kinds:
        of_kind = [o for o in new if type(o).__qualname__ == kind]
        if not of_kind:
            continue
        one: Counter[str] = Counter()
        two: Counter[str] = Counter()
        for o in of_kind:
            for ref in gc.get_referrers(o):
                if ref is new or ref is of_kind or type(ref).__name__ == "frame":
                    continue
                one[type(ref).__qualname__ + (f"[{len(ref)}]" if isinstance(ref, (dict, list, set, tuple)) else "")] += 1
                for ref2 in gc.get_referrers(ref):
                    if ref2 is new or ref2 is of_kind or type(ref2).__name__ == "frame":
                        continue
                    name = getattr(ref2, "__qualname__", "") or getattr(ref2, "__name__", "")
                    two[type(ref2).__qualname__ + (f" {name}" if name else "")] += 1
        if kind == "Statement":  # sqlite3's statement cache: which SQL texts keep coming new
            for o in of_kind[:8]:
                for ref in gc.get_referrers(o):
                    if isinstance(ref, dict):
                        sql = next((k for k, v in ref.items() if v is o), None)
                        print("    new statement:", " ".join(str(sql).split())[:300])
        print(f"  {len(of_kind)} new {kind}: held by {one.most_common(5)}; those by {two.most_common(6)}", flush=True)
    return set(now)


async def run_hours(db: Path, hours: float, step: float, rate: float, report: float, who: list[str]) -> None:
    """The console on a fast clock: ``hours`` of ticks and polls (and writes)."""
    from busy import Writer

    from console.app import make_app
    from console.settings import ConsoleSettings
    from console.widgets.queue import QueueTable
    from store import Store

    clock = FastClock()
    store = Store(db, actor="root", clock=clock)
    writer = Writer(db, clock=clock) if rate else None
    # Polls are driven below, one per simulated second: the watcher's own timer never fires.
    app = make_app(store, clock=clock, settings=ConsoleSettings(cursor_blink=False, poll_seconds=1e6))
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(50):
            await pilot.pause()
        screen: Any = app.screen
        table = screen.query_one(QueueTable)
        live = app.live
        snaps: list[tracemalloc.Snapshot] = []
        before: Counter[str] | None = None
        steps_per_round = max(1, round(report * 60 / step))
        rounds = max(1, round(hours * 60 / report))
        owed = 0.0
        seen: set[int] = set()
        was_cached: dict[str, tuple[int, int | None]] = {}
        for r in range(rounds):
            for _ in range(steps_per_round):
                clock.advance(step)
                owed += rate * step
                while writer is not None and owed >= 1:
                    writer.change()
                    owed -= 1
                screen._tick_clock()
                live._poll()  # the other Store's writes move data_version: this poll reads rows
                while live._running:
                    await asyncio.sleep(0.001)
                await pilot.pause(0)
            for _ in range(5):
                await pilot.pause()
            gc.collect()
            types = Counter(type(o).__qualname__ for o in gc.get_objects())
            used, kept = malloc_mb()
            print(f"{(r + 1) * report:g} simulated min: RSS {rss_mb():.1f} MB (SQLite {sqlite_mb():.1f}, "
                  f"malloc {used:.1f} in use + {kept:.1f} free kept, {threading.active_count()} threads), "
                  f"{sum(types.values()):,} objects, "
                  f"{len(app._notifications)} toasts, queue cells kept {len(table._tails)}", flush=True)
            grown(before, types)
            before = types
            cached = caches()
            if r:
                caches_grown(was_cached, cached)
            was_cached = cached
            if who:
                seen = holders(who, seen) if r else {id(o) for o in gc.get_objects()}
            if tracemalloc.is_tracing():
                snaps.append(tracemalloc.take_snapshot())
        if len(snaps) > 2:
            print("--- allocations grown most, round 2 → last")
            for stat in snaps[-1].compare_to(snaps[1], "lineno")[:15]:
                print(" ", stat)
    store.close()
    if writer is not None:
        writer.close()


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
        was_cached: dict[str, tuple[int, int | None]] = {}
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
            grown(before, types)
            before = types
            cached = caches()
            if r:
                caches_grown(was_cached, cached)
            was_cached = cached
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
    ap.add_argument("--hours", type=float, default=0, help="simulated hours of ticks and polls (fast clock)")
    ap.add_argument("--step", type=float, default=1.0, help="--hours: simulated seconds a step")
    ap.add_argument("--rate", type=float, default=0.0, help="--hours: writes a simulated second")
    ap.add_argument("--who", default="", help="--hours: types (comma-separated) whose new objects' holders to print")
    ap.add_argument("--report", type=float, default=15.0, help="--hours: simulated minutes a round")
    ap.add_argument("--work", type=Path, default=OUT / "memory-trace.db",
                    help="where the copy goes (two runs at once need two: a copy replaces the file)")
    ap.add_argument("--malloc", choices=("console", "off", "arenas", "trim"), default="console",
                    help="the C heap's measures (console/memory.py): as the console runs them, or not, or one")
    args = ap.parse_args()
    malloc_mode(args.malloc)
    OUT.mkdir(exist_ok=True)
    work = args.work
    copy_db(args.db, work)
    if args.trace:
        tracemalloc.start(args.trace)
    if args.hours:
        asyncio.run(run_hours(work, args.hours, args.step, args.rate, args.report,
                              [w for w in args.who.split(",") if w]))
    else:
        asyncio.run(run(work, args.rounds, args.pages, args.writes))


if __name__ == "__main__":
    main()
