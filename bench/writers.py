"""Writers × latency, the cost of synchronous=FULL, and a batched recompute.

    .venv/bin/python bench/writers.py                   # 1, 4, 20 writers × 60 s, FULL vs NORMAL, 300,000 tickets
    .venv/bin/python bench/writers.py --seconds 10 --recompute 50000   # a quick look

Each writer is tests/stress_worker.py (the stress test's own): random
workflow operations through the Store on one file, each logged (fsynced)
after it committed. An operation's latency includes its reads and any
retry after another writer was first (StaleTicket), as a dispatcher feels it.
The FULL/NORMAL rows run one writer each, so the difference is the fsync."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo_data.scale import generate_scale
from store import Store
from tests.stress_worker import percentile, run_fleet
from tests.test_stress import make_file


def fleet(work: Path, writers: int, seconds: float, sync: str | None = None) -> dict[str, float]:
    db = work / f"w{writers}-{sync or 'default'}.db"
    make_file(db, writers)
    entries, _killed, errors = run_fleet(db, work / f"logs-{writers}-{sync}", writers, seconds, sync=sync)
    done = [e["ms"] for e in entries if "op" in e]
    fails = [e for e in entries if "fail" in e]
    return {"writers": writers, "ops": len(done), "ops_s": len(done) / seconds, "p50": percentile(done, 0.5),
            "p99": percentile(done, 0.99), "fails": len(fails) + len(errors)}


def recompute(work: Path, tickets: int) -> tuple[int, float, float]:
    db = work / "recompute.db"
    store = Store(db, create=True, actor="bench")
    generate_scale(store, tickets, open_share=1.0, chunk=50_000)
    opened = store.counts(store.now()).open
    batches: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        batches.append(now - last[0])
        last[0] = now

    started = time.perf_counter()
    store.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]},
                      progress)
    took = time.perf_counter() - started
    store.close_db()
    return opened, took, max(batches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", default="1,4,20")
    ap.add_argument("--recompute", type=int, default=300_000, help="open tickets to recompute (0: skip)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dispatch-writers-"))
    try:
        print(f"{'writers':>7} {'ops':>7} {'ops/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'fails':>5}")
        for n in (int(x) for x in args.writers.split(",")):
            r = fleet(work, n, args.seconds)
            print(f"{n:>7} {r['ops']:>7.0f} {r['ops_s']:>7.1f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['fails']:>5.0f}",
                  flush=True)
        full, normal = fleet(work, 1, args.seconds, "full"), fleet(work, 1, args.seconds, "normal")
        per_full, per_normal = 1000 / max(full["ops_s"], 1e-9), 1000 / max(normal["ops_s"], 1e-9)
        print(f"synchronous=FULL: {full['ops_s']:.1f} ops/s (p50 {full['p50']:.1f} ms); NORMAL: {normal['ops_s']:.1f}"
              f" ops/s (p50 {normal['p50']:.1f} ms); FULL costs {per_full - per_normal:+.1f} ms per write", flush=True)
        if args.recompute:
            opened, took, worst = recompute(work, args.recompute)
            print(f"recompute {opened:,} open tickets in batches: {took:.1f} s, longest batch (write lock held)"
                  f" {worst * 1000:.0f} ms", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
