"""Issue 24: what the queue's escalation mark (the highest level not
acknowledged, one correlated lookup per row of the window) costs the queue's
window read, against the same read without it, on a big file.

    .venv/bin/python bench/queue_mark_bench.py --db bench/out/q-esc.db

The two reads alternate in one process (this machine is shared and its load
moves by a factor of two from one minute to the next: alternating A and B
compares them under the same load). Figures: the SQL alone, and ``find`` (the
SQL and the rows made into QueueRow models, what a poll calls), median and
90th percentile in ms, at three places in the queue. Give it a file where the
escalations have fired (bench/escalation_bench.py, or ``fire_due`` once)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import Store, rows  # noqa: E402
from store.repo import queue as queue_repo  # noqa: E402

WITH = rows.QUEUE_COLUMNS
MARK = WITH[WITH.index(",\n(SELECT MAX(x.level)"):].rstrip("\n")
WITHOUT = WITH.replace(MARK, "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--window", type=int, default=138)  # 3 screens of 46 rows (160×50)
    args = ap.parse_args()
    store = Store(args.db, actor="bench")
    open_n = store.queue.queue_count()
    print(f"{open_n:,} open; {store.db.value('SELECT COUNT(*) FROM escalations WHERE acknowledged_at IS NULL'):,}"
          " escalations not acknowledged")
    for label, offset in (("top", 0), ("middle", open_n // 2), ("end", max(0, open_n - args.window))):
        times: dict[str, list[float]] = {k: [] for k in ("sql without", "sql with", "find without", "find with")}
        sql = ("SELECT {cols} FROM (SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT ? OFFSET ?) w"
               f" JOIN tickets t ON t.id = w.id {rows.QUEUE_JOINS} ORDER BY t.queue_key")
        marked = 0
        for _ in range(args.runs):
            for name, cols in (("without", WITHOUT), ("with", WITH)):
                t0 = time.perf_counter()
                raw = store.db.q(sql.format(cols=cols), [args.window, offset])
                times[f"sql {name}"].append(time.perf_counter() - t0)
                queue_repo.QUEUE_COLUMNS = cols  # type: ignore[attr-defined]
                t0 = time.perf_counter()
                found = store.queue.find(None, offset, args.window)
                times[f"find {name}"].append(time.perf_counter() - t0)
                queue_repo.QUEUE_COLUMNS = WITH  # type: ignore[attr-defined]
                if name == "with":
                    marked = sum(1 for r in found if r.esc_level)
                assert len(raw) == len(found)
        line = [f"{label:>6} (offset {offset:,}, {marked} of {args.window} rows marked):"]
        for k, v in times.items():
            v.sort()
            line.append(f"{k} {statistics.median(v) * 1000:.2f}/{v[int(len(v) * 0.9)] * 1000:.2f}")
        sql_ratio = statistics.median(times["sql with"]) / statistics.median(times["sql without"]) - 1
        find_ratio = statistics.median(times["find with"]) / statistics.median(times["find without"]) - 1
        print("  ".join(line) + f"  → sql {sql_ratio:+.0%}, find {find_ratio:+.0%}")
    store.close()


if __name__ == "__main__":
    main()
