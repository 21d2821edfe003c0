"""Writers × latency (where the time goes, and the variants of the write
path side by side), and a batched recompute.

    .venv/bin/python bench/writers.py                   # 1, 4, 20 writers × 60 s; the variants at 20 writers, 3 rounds
    .venv/bin/python bench/writers.py --seconds 20 --writers 20 --rounds 2 --recompute 0   # a quicker look

Each writer is tests/stress_worker.py (the stress test's own): random
workflow operations through the Store on one file, each logged (fsynced)
after it committed. An operation's latency includes its reads and any
retry after another writer was first (StaleTicket), as a dispatcher feels it.

The variants (tests/stress_worker.py VARIANT) run the same fleet with the
write path changed, one after the other and again in the next round, so that
each figure is beside the others taken under the same load: ``as shipped``
(the queue of turns and the fsync after COMMIT, store/turns.py and
store/durable.py), ``full+noqueue`` (how writes were made before: SQLite's
fsync inside COMMIT, every waiting writer asking SQLite), ``full`` and
``noqueue`` (one change each), ``normal`` (no fsync at all: not durable; the
floor). The machine's load average is printed beside each run."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tests/test_stress.py imports its neighbours as the suite does

from demo_data.scale import generate_scale  # noqa: E402
from store import Store  # noqa: E402
from tests.stress_worker import percentile, run_fleet  # noqa: E402
from tests.test_stress import make_file  # noqa: E402

VARIANTS = ("as shipped", "full+noqueue", "full", "noqueue", "normal")


def fleet(work: Path, writers: int, seconds: float, variant: str | None = None) -> dict[str, float]:
    name = f"{(variant or 'default').replace('+', '-').replace(' ', '-')}-{len(list(work.glob('*.db')))}"
    db = work / f"w{writers}-{name}.db"
    make_file(db, writers)
    load = os.getloadavg()[0]
    entries, _killed, errors = run_fleet(db, work / f"logs-{writers}-{name}", writers, seconds,
                                         variant=None if variant in (None, "as shipped") else variant)
    done = [e["ms"] for e in entries if "op" in e]
    fails = [e for e in entries if "fail" in e]
    return {"writers": writers, "ops": len(done), "ops_s": len(done) / seconds, "p50": percentile(done, 0.5),
            "p99": percentile(done, 0.99), "fails": len(fails) + len(errors), "load": load}


def line(label: str, r: dict[str, float]) -> str:
    return (f"{label:>13} {r['writers']:>7.0f} {r['ops']:>7.0f} {r['ops_s']:>7.1f} {r['p50']:>7.1f} {r['p99']:>7.1f}"
            f" {r['fails']:>5.0f} {r['load']:>5.1f}")


def recompute(work: Path, tickets: int) -> tuple[int, float, float]:
    db = work / "recompute.db"
    store = Store(db, create=True, actor="bench")
    generate_scale(store, tickets, open_share=1.0, chunk=50_000)
    opened = store.queue.counts(store.now()).open
    batches: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        batches.append(now - last[0])
        last[0] = now

    started = time.perf_counter()
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]},
                      progress)
    took = time.perf_counter() - started
    store.close()
    return opened, took, max(batches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", default="1,4,20")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the variants at the most writers (0: skip)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--recompute", type=int, default=300_000, help="open tickets to recompute (0: skip)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dispatch-writers-"))
    head = f"{'variant':>13} {'writers':>7} {'ops':>7} {'ops/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'fails':>5} {'load':>5}"
    try:
        print(head)
        counts = [int(x) for x in args.writers.split(",")]
        for n in counts:
            print(line("as shipped", fleet(work, n, args.seconds)), flush=True)
        for _round in range(args.rounds):
            for variant in args.variants.split(","):
                print(line(variant, fleet(work, max(counts), args.seconds, variant)), flush=True)
        if args.recompute:
            opened, took, worst = recompute(work, args.recompute)
            print(f"recompute {opened:,} open tickets in batches: {took:.1f} s, longest batch (write lock held)"
                  f" {worst * 1000:.0f} ms", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
