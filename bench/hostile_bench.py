"""How long a very long name takes to show: the formatting paths, then the real console.

    python bench/hostile_bench.py                 # 20,000 and 1,000,000 characters
    python bench/hostile_bench.py --sizes 20000   # one size
    DISPATCH_SRC=/work/main python bench/hostile_bench.py   # the same on another checkout (before/after)

For each size N it builds a small file whose technician, team, site, asset
tag, reporter, ticket description, one audit actor and its note are N
characters long (inserted as they are: the forms cap them, a file need not;
the center name is 120 characters, the most a file may hold), then times

- fit(): one queue cell (40 cells) of the name, and clean() of the whole name;
- the console (App.run_test at 120x40): start to the first queue rows, the
  queue row and board, the status bar, then the detail screen with its
  fields and timeline.

Each step has a budget (--budget, seconds): a step over it prints "> budget"
and the run moves on, so a quadratic path shows as a stall, not a hang.

Measured on the 2-core dev machine (issue 14), before → after the fix:
  20,000 chars:  fit(name, 40) 1,605 ms → 0.2 ms; three queue lines 4,429 ms → <1 ms;
                 enter → detail 3,034 ms → 388 ms
  1,000,000:     fit 0.04 ms; queue shown 151 ms; enter → detail 378 ms (before: minutes;
                 after the fit fix alone, 6.7 s of wrapping the whole text in the detail screen)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("DISPATCH_SRC") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from store.context import default_actor  # noqa: E402


def build(path: Path, n: int) -> Store:
    big = lambda c: (c * n)[:n]  # noqa: E731
    store = Store(path, create=True, actor=default_actor())
    store.admin.load("bench.seed", {
        "sites": [{"id": 1, "code": "S1", "name": big("Site "), "address": "x"}],
        "teams": [{"id": 1, "name": big("Team "), "foreman_id": None}],
        "technicians": [{"id": 1, "name": big("Tech "), "team_id": 1, "phone": "1", "skills": json.dumps(["atm"]),
                         "on_duty": 1}],
        "equipment": [{"id": 1, "site_id": 1, "asset_tag": big("TAG-"), "category": "atm", "model": "m"}],
    }, {"seed": "bench"})
    store.users.add_user(default_actor(), "Bench", "manager")
    t = store.tickets.create_ticket({"reporter": "Wang", "phone": "138 0000", "site_id": 1, "equipment_id": 1,
                             "category": "atm", "priority": 2, "description": "ATM swallows cards"})
    store.tickets.assign(t.id, t.version, technician_id=1)
    store.close()
    # A damaged or foreign-written file: a center name and an actor no form would take.
    import sqlite3
    conn = sqlite3.connect(path)
    # The center name is checked when the file opens (at most 120 characters): the longest allowed.
    conn.execute("UPDATE settings SET value = ? WHERE key = 'center_name'", (json.dumps(big("Center ")[:120]),))
    conn.execute("UPDATE tickets SET reporter = ?, description = ?", (big("Wang "), big("ATM swallows cards ")))
    conn.execute("INSERT INTO events (at, actor, action, entity, entity_id, ticket_id, old, new, entered_by)"
                 " SELECT at, ?, 'ticket.note', 'ticket', ticket_id, ticket_id, '{}', ?, NULL FROM events"
                 " WHERE ticket_id IS NOT NULL ORDER BY id DESC LIMIT 1",
                 (big("actor"), json.dumps({"note": big("note ")})))
    conn.commit()
    conn.close()
    return Store(path, actor=default_actor())


async def console_steps(store: Store, budget: float) -> dict[str, float | str]:
    from console.app import make_app
    from console.settings import ConsoleSettings

    out: dict[str, float | str] = {}
    app = make_app(store, settings=ConsoleSettings(poll_seconds=0.2, cursor_blink=False))

    async def step(name: str, cond, pilot) -> None:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        while not cond():
            if time.perf_counter() - t0 > budget:
                out[name] = f"> {budget:g} s"
                return
            await pilot.pause()
            await asyncio.sleep(0.01)
        out[name] = round(time.perf_counter() - t0, 3)

    t0 = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        out["start (run_test entered)"] = round(time.perf_counter() - t0, 3)
        from console.widgets.queue import QueueTable

        await step("queue rows shown", lambda: bool(app.screen.query(QueueTable) and app.screen.query_one(QueueTable).rows), pilot)
        t1 = time.perf_counter()
        table = app.screen.query_one(QueueTable)
        for y in range(3):
            table.render_line(y)
        out["queue render_line x3"] = round(time.perf_counter() - t1, 3)
        t1 = time.perf_counter()
        await pilot.press("enter")
        from console.screens.detail import DetailScreen

        await step("detail screen shown", lambda: isinstance(app.screen, DetailScreen)
                   and getattr(app.screen, "ticket", None) is not None, pilot)
        t2 = time.perf_counter()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["detail settled"] = round(time.perf_counter() - t2, 3)
        out["enter → detail total"] = round(time.perf_counter() - t1, 3)
        svg = app.export_screenshot()
        out["screen export bytes"] = len(svg)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[20_000, 1_000_000])
    ap.add_argument("--budget", type=float, default=60.0)
    args = ap.parse_args()
    from console.format import fit
    from store.text import clean

    print(f"source: {ROOT}")
    for n in args.sizes:
        name = ("Tech " * n)[:n]
        t0 = time.perf_counter()
        fit(name, 40)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        clean(name, single_line=True)
        t_clean = time.perf_counter() - t0
        print(f"\n{n:,} characters")
        print(f"  fit(name, 40)                      {t_fit * 1000:10.2f} ms")
        print(f"  clean(name, single_line=True)      {t_clean * 1000:10.2f} ms")
        with tempfile.TemporaryDirectory() as tmp:
            store = build(Path(tmp) / "h.db", n)
            steps = asyncio.run(console_steps(store, args.budget))
            store.close()
        for k, v in steps.items():
            print(f"  {k:<34} {v if isinstance(v, str) else f'{v * 1000:10.0f} ms' if 'bytes' not in k else v}")


if __name__ == "__main__":
    main()
