"""Issue 25's spare-parts figures: using parts on a ticket (target ≤ 10 ms,
one write with its event, through the store) and a month's parts report
(target ≤ 1 s) over a year of uses.

    .venv/bin/python bench/parts_bench.py                   # 500 parts × 20 lots, 300 uses timed
    .venv/bin/python bench/parts_bench.py --uses-per-month 40000

The uses are timed through the store on a file with ``--parts`` parts of
``--lots`` lots each at the store. The report is timed on a copy to which a
year of uses (``--uses-per-month`` each month, what a center with about a
million tickets over its life records) is added in bulk with plain SQL: that
copy is for timing the read only (its audit log does not cover those rows)."""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402
from store.timeutil import to_db  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=500)
    ap.add_argument("--lots", type=int, default=20)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--uses-per-month", type=int, default=30_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="parts-bench-"))
    now = [pendulum.datetime(2026, 1, 5, 8, tz="UTC")]
    s = Store(work / "p.db", create=True, actor="bench", clock=lambda: now[0])
    s.admin.load("bench.seed", {"sites": [{"id": 1, "code": "HQ", "name": "HQ"}],
                                "teams": [{"id": 1, "name": "A"}],
                                "technicians": [{"id": 1, "name": "Li Wei", "team_id": 1}]}, {"seed": "bench"})
    for i in range(args.parts):
        s.parts.add_part(code=f"P{i:05}", name=f"part {i}", unit_cost="5")
    for k in range(args.lots):
        now[0] = now[0].add(hours=1)
        for i in range(args.parts):
            s.parts.receive_parts(f"P{i:05}", 50, f"{5 + k % 4}.25")
    t = s.tickets.create_ticket({"channel": "phone", "reporter": "x", "phone": "010 6666 8888", "site_id": 1, "category": "atm",
                                 "priority": 2, "description": "bench"})
    times = []
    for n in range(args.runs):
        a = time.perf_counter()
        s.parts.use_parts(t.id, f"P{n % args.parts:05}", 3, location="store")
        times.append((time.perf_counter() - a) * 1000)
    times.sort()
    print(f"use on a ticket: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * .95)]:.2f} ms,"
          f" max {times[-1]:.2f} ms ({args.runs} uses; {args.parts * args.lots:,} lots)")
    s.close()

    copy = work / "report.db"
    shutil.copy(work / "p.db", copy)
    conn = sqlite3.connect(copy)
    r = random.Random(1)
    start = pendulum.datetime(2025, 1, 1, tz="UTC")
    rows = []
    for month in range(12):
        base = start.add(months=month)
        for _n in range(args.uses_per_month):
            at = base.add(seconds=r.randrange(27 * 86400))
            rows.append((to_db(at), "use", r.randrange(1, args.parts + 1), 1, r.randint(1, 3), "15.75", "[]", t.id, 1,
                         r.choice(["atm", "printer", "pc"]), r.choice(["warranty", "charged"])))
    conn.executemany("INSERT INTO stock_moves (at, kind, part_id, location_id, quantity, cost, takes, ticket_id,"
                     " technician_id, equipment_category, charge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    s = Store(copy, actor="bench", clock=lambda: now[0])
    runs = []
    for _n in range(5):
        a = time.perf_counter()
        usage = s.parts.usage("2025-06")
        runs.append((time.perf_counter() - a) * 1000)
    print(f"a month's parts report: median {statistics.median(runs):.0f} ms ({usage.total.quantity:,} units in"
          f" {args.uses_per_month:,} uses that month; {12 * args.uses_per_month:,} uses in the file)")
    a = time.perf_counter()
    s.parts.usage("2025-01", "2025-12")
    print(f"the year's parts report: {(time.perf_counter() - a) * 1000:.0f} ms")
    s.close()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
