"""Filters, counts and one poll's refresh on a big file (issue 16 goals:
each filter ≤ 50 ms, counts + technicians of a poll ≤ 10 ms).

    .venv/bin/python bench/filters.py /tmp/scale1m.db

A filter's cost is what the console's poll does when it is applied:
queue_count, queue_position of the ticket under the cursor, and one window
of rows (3 screens at 160×50). Median of RUNS, in ms; with --plan, SQLite's
query plan of the window query. The window is also read mid-way through the
filtered queue and at its end (the last WINDOW rows), where OFFSET skips
most of the matches: goal ≤ 20 ms at any position. The load average is
printed beside the figures.
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
from store.models import QueueFilter

RUNS = int(os.environ.get("RUNS", "9"))
WINDOW = 150


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(path: str, plan: bool = False) -> None:
    store = Store(Path(path), actor="bench")
    opened = store.db.q("SELECT COUNT(*) FROM tickets WHERE is_open = 1")[0][0]
    team = store.db.q("SELECT team_id FROM technicians ORDER BY id LIMIT 1")[0][0]
    filters = {
        "none": QueueFilter(),
        "priority 4": QueueFilter(priorities=(4,)),
        "priority 1": QueueFilter(priorities=(1,)),
        "priority 2+3": QueueFilter(priorities=(2, 3)),
        "unassigned": QueueFilter(unassigned=True),
        f"team {team}": QueueFilter(team_id=team),
        "status new": QueueFilter(statuses=("new",)),
        "status waiting": QueueFilter(statuses=("waiting",)),
        "status waiting+onsite": QueueFilter(statuses=("waiting", "onsite")),
        "text /ATM": QueueFilter(text="ATM"),
        "text /吞卡 (2 chars)": QueueFilter(text="吞卡"),
        "text /zq (rare, 2 chars)": QueueFilter(text="zq"),
    }
    print(f"{path}: {opened:,} open; load {os.getloadavg()[0]:.2f}")
    print(f"{'filter':<26}{'matches':>8}{'count':>7}{'position':>9}{'window':>8}{'total ms':>9}   goal ≤ 50"
          f"   window mid / end (goal ≤ 20)")
    for name, f in filters.items():
        first = store.queue.find(f, 0, 1)
        # The cursor's ticket: a row a few screens down, as after some scrolling.
        rows = store.queue.find(f, 100, 1) or first
        tid = rows[0].id if rows else None
        c = median_ms(lambda f=f: store.queue.queue_count(f))
        p = median_ms(lambda f=f, tid=tid: store.queue.queue_position(tid, f)) if tid else 0.0
        w = median_ms(lambda f=f: store.queue.find(f, 0, WINDOW))
        n = store.queue.queue_count(f)
        mid = median_ms(lambda f=f, n=n: store.queue.find(f, n // 2, WINDOW))
        end = median_ms(lambda f=f, n=n: store.queue.find(f, max(0, n - WINDOW), WINDOW))
        print(f"{name:<26}{n:>8}{c:>7.1f}{p:>9.1f}{w:>8.1f}{c + p + w:>9.1f}   {mid:>8.1f} / {end:.1f}")
        if plan:
            from store.repo.queue import QueueRepo  # noqa: F401  (the SQL lives in the store)

            where, params = store.queue._filter_sql(f)
            sql = f"SELECT t.id FROM tickets t {where} ORDER BY t.queue_key LIMIT 150"
            for row in store.db.q("EXPLAIN QUERY PLAN " + sql, params):
                print("      ", row[3])
    def poll() -> None:  # what one poll that read a change costs (console/screens/main.py poll)
        store.db.data_version()
        store.queue.crossings(store.now().subtract(seconds=1), store.now())
        f = QueueFilter()
        store.queue.queue_count(f)
        store.queue.queue_position(store.queue.find(f, 0, 1)[0].id, f)
        store.queue.find(f, 0, WINDOW)
        store.queue.counts()
        store.people.technicians()

    counts = median_ms(lambda: store.queue.counts())
    techs = median_ms(lambda: store.people.technicians())
    dv = median_ms(lambda: store.db.data_version())
    print(f"{'counts':<24}{counts:>9.1f} ms   goal ≤ 10 (with technicians); load {os.getloadavg()[0]:.2f}")
    # The same file left running a day: more deadlines passed (bench/counts_bench.py: every age).
    aged = median_ms(lambda: store.queue.counts(store.now().add(days=1)))
    print(f"{'counts, a day on':<24}{aged:>9.1f} ms   goal ≤ 10")
    print(f"{'technicians':<24}{techs:>9.1f} ms")
    print(f"{'counts + technicians':<24}{counts + techs:>9.1f} ms")
    print(f"{'data_version':<24}{dv:>9.2f} ms")
    print(f"{'one poll with a change':<24}{median_ms(poll):>9.1f} ms   goal ≤ 10")
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], "--plan" in sys.argv)
