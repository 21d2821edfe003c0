"""The header counts of a poll as a file ages (issue 28: "counts grow as
deadlines pass"; goal ≤ 10 ms on a 1M-ticket file, at any age).

    .venv/bin/python bench/counts_bench.py FILE [--alternatives]

A file left running differs for the counts only in where "now" falls among
the stored deadlines, so the file is aged by asking for the counts at later
times: now, +50 minutes (issue 28's 3.2 → 8.2 ms), +1 day, +1 week (every
running clock breached). Each row: `store.queue.counts(at)` (median of RUNS),
the running clocks breached at that time, and the floor: reading the one row
of kept totals. With --alternatives, the same times for the ways measured
against it (plain SQL on the same file):

- ranges: the counts before migration 0022 (two index range counts of the
  deadlines that passed, `due_at <= now`, `risk_at <= now`);
- complement: the running totals less the deadlines still ahead
  (`due_at > now`), no per-minute rows.

The load average is printed beside the figures.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store
from store.timeutil import to_db

RUNS = int(os.environ.get("RUNS", "9"))
AGES = {"now": {}, "+50 min": {"minutes": 50}, "+1 day": {"days": 1}, "+1 week": {"weeks": 1}}


def median_ms(fn: Callable[[], object]) -> float:
    fn()  # statements prepared, pages in the cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(path: str, alternatives: bool) -> None:
    store = Store(Path(path), actor="bench")
    running = store.db.value("SELECT running_due FROM queue_totals")
    print(f"{path}: {store.queue.counts().open:,} open, {running:,} running clocks; RUNS={RUNS};"
          f" load {os.getloadavg()[0]:.2f}")
    floor = median_ms(lambda: store.db.q("SELECT * FROM queue_totals"))
    head = f"{'age':<10}{'breached':>10}{'counts ms':>11}{'floor ms':>10}"
    print(head + (f"{'ranges ms':>11}{'complement ms':>15}" if alternatives else "") + "   goal ≤ 10")
    for label, delta in AGES.items():
        at = store.now().add(**delta)
        p = {"now": to_db(at)}
        c = store.queue.counts(at)
        ms = median_ms(lambda at=at: store.queue.counts(at))
        line = f"{label:<10}{c.breached:>10,}{ms:>11.2f}{floor:>10.2f}"
        if alternatives:
            ranges = median_ms(lambda p=p: store.db.q(
                "SELECT (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at <= :now),"
                " (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at <= :now)", p))
            complement = median_ms(lambda p=p: store.db.q(
                "SELECT running_due - (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND due_at > :now),"
                " running_risk - (SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND risk_at > :now)"
                " FROM queue_totals", p))
            line += f"{ranges:>11.2f}{complement:>15.2f}"
        print(line + f"   load {os.getloadavg()[0]:.2f}")
    rows = store.db.q("SELECT COUNT(*), MAX(due), MAX(risk) FROM deadline_minutes")[0]
    print(f"deadline_minutes: {rows[0]:,} rows, at most {rows[1] or 0:,} deadlines / {rows[2] or 0:,} at-risk"
          " times in one minute")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], "--alternatives" in sys.argv)
