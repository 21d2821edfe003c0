"""In-process measurements, one mode per fresh process; prints one JSON line.

    python bench/inproc.py console --db FILE --jump N [--seconds S] [--runs R]
    python bench/inproc.py naive   --db FILE --jump N [--seconds S]
    python bench/inproc.py floor   --db FILE --jump N --rows V [--runs R]

console: the real app (console.app.make_app, ConsoleSettings(cursor_blink=False))
in App.run_test(size=(160, 50)): its geometry, the store calls one poll refresh
makes (median of R, per call), and steady-state CPU with the queue showing
queue rows N.. (countdowns ticking every second): live (poll + tick + clock)
and with live paused (tick + clock only).
naive: the same for bench/naive_datatable.py (its refresh is a full reload).
floor: plain sqlite3 query + formatting of the visible rows, and one tick's
countdown text + escape codes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SIZE = (160, 50)


def med_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000 if xs else float("nan")


class Timed:
    """Wraps a function at class level: counts calls and sums wall time."""

    def __init__(self, owner: type, name: str) -> None:
        self.owner, self.name = owner, name
        self.orig = getattr(owner, name)
        self.calls = 0
        self.total = 0.0
        self.samples: list[float] = []
        timed = self

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return timed.orig(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                timed.calls += 1
                timed.total += dt
                timed.samples.append(dt)

        setattr(owner, name, wrapper)

    def reset(self) -> None:
        self.calls, self.total, self.samples = 0, 0.0, []


# ----------------------------------------------------------------- console
def refresh_once(store, f, cursor_id: int | None, scroll: int, window: int, timings: dict[str, list[float]]) -> None:
    """Exactly the store reads MainScreen's poll makes for one refresh after a
    change (console/screens/queue_poll.py read_live/_read; the escalation levels
    it records once a minute are writes, measured by bench/escalation_bench.py)."""
    from store.timeutil import system_clock

    def timed(name, fn, *a):
        t0 = time.perf_counter()
        out = fn(*a)
        timings.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    t0 = time.perf_counter()
    timed("data_version", store.db.data_version)
    now = system_clock()
    since = now.subtract(seconds=1)
    timed("crossings", store.queue.crossings, since, now)
    timed("queue_count", store.queue.queue_count, f)
    if cursor_id is not None:
        timed("queue_position", store.queue.queue_position, cursor_id, f)
    offset = max(0, scroll - window // 3)
    timed(f"queue({window} rows)", store.queue.find, f, offset, window)
    timed("counts", store.queue.counts, now)
    timed("technicians", store.people.technicians)
    # The rest of what the poll reads with the rows (console/screens/queue_poll.py
    # _read): the callbacks and items due, escalations waiting, messages given
    # up (when the user may retry them), parts below their minimum, a handover note.
    timed("due callbacks", store.scores.due_callbacks_count, store.actor)
    timed("overdue items", store.items.overdue_items_count, store.actor)
    timed("escalations waiting", store.escalations.waiting_for, store.actor)
    if store.permits.refusal("notify.retry") is None:
        timed("failed messages", store.outbox.failed_count)
    timed("low parts", store.parts.low_count)
    timed("handover note", store.handover.waiting_note)
    timings.setdefault("TOTAL", []).append(time.perf_counter() - t0)


def refresh_bench(db: str, runs: int, window: int, visible: int, positions: dict[str, int]) -> dict:
    from store import Store
    from store.models import QueueFilter

    store = Store(db, actor="bench")
    f = QueueFilter()
    out = {}
    for label, cursor_index in positions.items():
        rows = store.queue.find(f, cursor_index, 1)
        cursor_id = rows[0].id if rows else None
        scroll = max(0, cursor_index - (visible - 1))
        timings: dict[str, list[float]] = {}
        for _ in range(runs):
            refresh_once(store, f, cursor_id, scroll, window, timings)
        out[label] = {k: med_ms(v) for k, v in timings.items()}
        out[label]["cursor_index"] = cursor_index
    # The queue() call split into SQL and row conversion (at the ticking position).
    from store import rows as store_mod

    label = next(iter(positions))
    offset = max(0, positions[label] - (visible - 1) - window // 3)
    sql = (f"SELECT {store_mod.QUEUE_COLUMNS} FROM (SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key"
           f" LIMIT ? OFFSET ?) w JOIN tickets t ON t.id = w.id {store_mod.QUEUE_JOINS} ORDER BY t.queue_key")
    sq, conv = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        raw = store.db.q(sql, [window, offset])
        t1 = time.perf_counter()
        [store_mod._queue_row(r) for r in raw]
        t2 = time.perf_counter()
        sq.append(t1 - t0)
        conv.append(t2 - t1)
    out["queue_split"] = {"sql": med_ms(sq), "rows_to_models": med_ms(conv), "rows": window}
    store.close()
    return out


async def console_steady(db: str, jump: int, seconds: float) -> dict:
    import textual.screen

    from console.app import make_app
    from console.screens.main import MainScreen
    from console.settings import ConsoleSettings
    from console.widgets.queue import QueueTable
    from store import Store

    tick = Timed(QueueTable, "tick")
    lines = Timed(QueueTable, "render_line")
    update = Timed(textual.screen.Screen, "_on_timer_update")
    polls = {"full": 0, "counts": 0, "noop": 0}
    orig_ok = MainScreen._poll_ok

    def poll_ok(self, snap, *args):
        kind = "noop" if snap is None else ("counts" if getattr(snap, "rows", 0) is None else "full")
        polls[kind] += 1
        return orig_ok(self, snap, *args)

    MainScreen._poll_ok = poll_ok
    t_start = time.perf_counter()
    app = make_app(Store(db, actor="bench"), settings=ConsoleSettings(cursor_blink=False))
    res: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, MainScreen) and time.perf_counter() - t_start < 30:
            await pilot.pause(0.01)
        table = app.screen.query_one(QueueTable)
        while table.total == 0 and time.perf_counter() - t_start < 30:
            await pilot.pause(0.02)
        res["first_rows_inproc_s"] = time.perf_counter() - t_start
        await pilot.pause(1.0)  # the first layout passes change the region (scrollbars)
        region = table.scrollable_content_region
        res["geometry"] = {"table_width": region.width, "table_height": region.height,
                           "visible_rows": region.height - 1, "page": max(1, region.height - 2),
                           "window": table.window, "board_shown": app.screen.query_one("#board").display}
        visible = region.height - 1
        if seconds <= 0:
            return res
        table.cursor = min(table.total - 1, jump + visible - 1)  # view top = jump, as after paging down
        await pilot.pause(2.5)
        top = int(table.scroll_offset.y)
        res["view_top"] = top
        from console.format import row_clock

        now = app.clock().timestamp()
        texts = [row_clock(r, now)[0] for r in (table.row_at(top + i) for i in range(visible)) if r is not None]
        res["visible_ticking"] = sum(1 for t in texts if t and ("h" not in t and "d" not in t and "=" not in t))
        for label, paused in (("live", False), ("paused", True)):
            if paused:
                app.screen.action_toggle_live()
                await pilot.pause(1.2)
            for t in (tick, lines, update):
                t.reset()
            polls.update(full=0, counts=0, noop=0)
            c0, w0 = time.process_time(), time.perf_counter()
            await pilot.pause(seconds)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            ticks = max(1, tick.calls)
            res[label] = {
                "wall_s": wall, "ticks": tick.calls, "cpu_ms_per_s": cpu / wall * 1000,
                "cpu_ms_per_tick": cpu / ticks * 1000,
                "tick_ms_median": med_ms(tick.samples), "tick_ms_max": max(tick.samples, default=0) * 1000,
                "render_lines_per_tick": lines.calls / ticks, "render_line_ms_per_tick": lines.total / ticks * 1000,
                "screen_update_ms_per_tick": update.total / ticks * 1000,
                "polls_full_refresh": polls["full"], "polls_counts_only": polls["counts"], "polls_noop": polls["noop"],
            }
        res["open"] = table.total
    return res


# ------------------------------------------------------------------- naive
async def naive_steady(db: str, jump: int, seconds: float) -> dict:
    from naive_datatable import NaiveApp

    tick = Timed(NaiveApp, "tick")
    t_start = time.perf_counter()
    app = NaiveApp(db, jump)
    res: dict = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        res["first_rows_inproc_s"] = time.perf_counter() - t_start
        res["load_s"] = app.loads[0]
        res["open"] = len(app.keys)
        # The naive refresh: reload everything and repaint.
        t0 = time.perf_counter()
        app.load()
        await pilot.pause()
        res["reload_and_paint_s"] = time.perf_counter() - t0
        app.action_jump()
        await pilot.pause(2.5)
        tick.reset()
        c0, w0 = time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        ticks = max(1, tick.calls)
        res["steady"] = {"wall_s": wall, "ticks": tick.calls, "cpu_ms_per_s": cpu / wall * 1000,
                         "cpu_ms_per_tick": cpu / ticks * 1000, "tick_ms_median": med_ms(tick.samples)}
    return res


# ------------------------------------------------------------------- floor
def floor_bench(db: str, jump: int, rows: int, runs: int) -> dict:
    import sqlite3

    import floor

    conn = sqlite3.connect(db)
    q = []
    for _ in range(runs):
        t0 = time.perf_counter()
        got = floor.fetch(conn, rows, jump)
        floor.full_screen(got)
        q.append(time.perf_counter() - t0)
    drawn = [r[2] for r in got]
    now = time.time()
    tk = []
    for k in range(runs):
        t0 = time.perf_counter()
        floor.tick_update(got, drawn, now + k + 1)
        tk.append(time.perf_counter() - t0)
    return {"refresh_ms": med_ms(q), "tick_ms": med_ms(tk), "rows": len(got)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["console", "naive", "floor"])
    ap.add_argument("--db", required=True)
    ap.add_argument("--jump", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rows", type=int, default=46)
    ap.add_argument("--positions", default="", help="label=index,... cursor positions for the refresh figure")
    ap.add_argument("--no-refresh", action="store_true")
    args = ap.parse_args()
    if args.mode == "console":
        res = asyncio.run(console_steady(args.db, args.jump, args.seconds))
        if not args.no_refresh and args.seconds > 0:
            g = res["geometry"]
            positions = {"ticking": args.jump + g["visible_rows"] - 1}
            for item in filter(None, args.positions.split(",")):
                k, v = item.split("=")
                positions[k] = int(v)
            res["refresh"] = refresh_bench(args.db, args.runs, g["window"], g["visible_rows"], positions)
    elif args.mode == "naive":
        res = asyncio.run(naive_steady(args.db, args.jump, args.seconds))
    else:
        res = floor_bench(args.db, args.jump, args.rows, args.runs)
    print("JSON " + json.dumps(res))


if __name__ == "__main__":
    main()
