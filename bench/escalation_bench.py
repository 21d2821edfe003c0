"""Issue 24's figures on a big file: the sender's scan for due escalations
each minute (target ≤ 20 ms, indexed) and a console's escalation count per
poll (target ≤ 5 ms).

    .venv/bin/python bench/escalation_bench.py                        # builds 1,000,000 tickets (100,000 open)
    .venv/bin/python bench/escalation_bench.py --db bench/out/scale-1000000.db

The file is copied to bench/out/esc-work.db (the bench writes). The first
pass works out every open ticket's next level (``esc_due`` unknown on a file
that never had a sender) and fires what is due, in short writes; it is timed
on its own. Then the clock moves a minute at a time and each pass is timed:
the scan is the indexed range of tickets whose ``esc_due`` has come."""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    src = args.db or out / f"scale-{args.tickets}.db"
    if not src.exists():
        subprocess.run([str(ROOT / ".venv/bin/dispatch"), "--db", str(src), "demo", "--scale", str(args.tickets),
                        "--no-console"], check=True)
    work = out / "esc-work.db"
    for sfx in ("", "-wal", "-shm"):
        Path(f"{work}{sfx}").unlink(missing_ok=True)
    shutil.copy(src, work)
    now = [pendulum.now("UTC")]
    store = Store(work, actor="root", clock=lambda: now[0])
    login = store.db.value("SELECT login FROM users WHERE role = 'manager' ORDER BY login LIMIT 1")
    store.actor = login
    open_n = store.db.value("SELECT COUNT(*) FROM tickets WHERE is_open = 1")
    t0 = time.perf_counter()
    first = store.escalations.fire_due()
    first_s = time.perf_counter() - t0
    passes, scans, counts, fired = [], [], [], 0
    for _ in range(args.runs):
        now[0] = now[0].add(minutes=1)
        t0 = time.perf_counter()
        fired += len(store.escalations.fire_due())
        passes.append((time.perf_counter() - t0) * 1000)
        # The scan alone: the same minute again, everything due is fired already.
        t0 = time.perf_counter()
        again = store.escalations.fire_due()
        scans.append((time.perf_counter() - t0) * 1000)
        assert again == []
        t0 = time.perf_counter()
        store.escalations.waiting_for(login)
        counts.append((time.perf_counter() - t0) * 1000)
    plan = store.db.q("EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE is_open = 1 AND esc_due <= ?",
                      (now[0].isoformat(),))
    print(f"open tickets {open_n:,}; first pass {first_s:.1f} s, {len(first):,} escalations fired")
    print(f"a pass each minute: median {statistics.median(passes):.1f} ms, max {max(passes):.1f} ms,"
          f" {fired / args.runs:.0f} escalations fired a minute (recorded, audited, queued)")
    print(f"the scan (nothing new due): median {statistics.median(scans):.1f} ms, max {max(scans):.1f} ms (target 20)")
    print(f"console count ({login}): median {statistics.median(counts):.2f} ms, max {max(counts):.2f} ms (target 5)")
    print("plan:", "; ".join(r[3] for r in plan))
    store.close()


if __name__ == "__main__":
    main()
