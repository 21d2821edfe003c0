"""Writers × latency (where the time goes, and the variants of the write
path side by side), and a batched recompute.

    .venv/bin/python bench/writers.py                   # 1, 4, 20 writers × 60 s; the variants at 20 writers, 3 rounds
    .venv/bin/python bench/writers.py --seconds 20 --writers 20 --rounds 2 --recompute 0   # a quicker look

Each writer is tests/stress_worker.py (the stress test's own): random
workflow operations through the Store on one file, each logged (fsynced)
after it committed; a fifth of them are spare-parts steps (receive, move,
use on a ticket; and half the resolves use parts), counted in "stock".
An operation's latency includes its reads and any retry after another
writer was first (StaleTicket), as a dispatcher feels it.

The fleets run on copies of the stress test's file with ``--tickets`` more
tickets (100,000 by default; ``--source`` reuses a file made before), and
each fleet's line is followed, at the end, by where its operations' time went
(tests/stress_worker.py Phases: the wait for the lock, the queue's turn, the
naps between asks, the transaction, COMMIT, the fsync after it, the CPU), the
share of the time the write lock was held, the hand-over from one COMMIT to
the next BEGIN, and how often the next writer's turn came only after that
COMMIT (``lock_spans``).

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
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tests/test_stress.py imports its neighbours as the suite does

from bench.scale_files import copy_db  # noqa: E402
from demo_data.scale import generate_scale  # noqa: E402
from store import Store  # noqa: E402
from tests.stress_worker import percentile, run_fleet  # noqa: E402
from tests.test_stress import make_file  # noqa: E402

VARIANTS = ("as shipped", "full+noqueue", "full", "noqueue", "normal")


SOURCE: Path | None = None  # --source: a fleet file made before (by an earlier run's fleet_file)
PHASES = ("wait", "turn", "naps", "body", "commit", "sync", "cpu")


def fleet_file(work: Path, writers: int, tickets: int) -> Path:
    """The stress test's file for up to ``writers`` writers with ``tickets``
    more tickets in bulk (demo_data/scale.py, 10 % open), made once and copied
    for each fleet."""
    source = SOURCE or work / f"source-{writers}-{tickets}.db"
    if not source.exists():
        make_file(source, writers)
        if tickets:
            store = Store(source, actor="ann")
            generate_scale(store, tickets, chunk=50_000)
            store.close()
    return source


def fleet(work: Path, writers: int, seconds: float, variant: str | None = None, tickets: int = 0) -> dict[str, float]:
    name = f"{(variant or 'default').replace('+', '-').replace(' ', '-')}-{len(list(work.glob('w*.db')))}"
    db = work / f"w{writers}-{name}.db"
    copy_db(fleet_file(work, max(writers, 20), tickets), db)
    load = os.getloadavg()[0]
    entries, _killed, errors = run_fleet(db, work / f"logs-{writers}-{name}", writers, seconds,
                                         variant=None if variant in (None, "as shipped") else variant)
    done = [e["ms"] for e in entries if "op" in e]
    fails = [e for e in entries if "fail" in e]
    stock = sum(1 for e in entries if e.get("moves"))
    phases = {k: [e["phases"].get(k, 0.0) for e in entries if "phases" in e] for k in PHASES}
    shares = {f"{k}_{q}": percentile(v, p) for k, v in phases.items() for q, p in (("p50", 0.5), ("p99", 0.99))}
    shares |= {f"{k}_mean": sum(v) / len(v) if v else 0.0 for k, v in phases.items()}
    shares |= lock_spans(work / f"logs-{writers}-{name}")
    return {"writers": writers, "ops": len(done), "stock": stock, "ops_s": len(done) / seconds,
            "p50": percentile(done, 0.5), "p95": percentile(done, 0.95),
            "p99": percentile(done, 0.99), "fails": len(fails) + len(errors), "load": load, **shares}


def lock_spans(logs: Path) -> dict[str, float]:
    """Every writer's writes side by side (tests/stress_worker.py Phases
    ``spans``: BEGIN done, COMMIT asked, COMMIT done and turn granted, on the
    machine's monotonic clock): the share of the time some transaction held
    the lock between BEGIN and COMMIT; the hand-over, from one write's COMMIT
    to the next write's BEGIN done (the in-lock part of COMMIT, then the lock
    lying free until the next writer noticed), mean, p50 and p99; and the
    share of hand-overs where the next writer's turn had not even come when
    the COMMIT was asked (it got a CPU only after the whole transaction
    before it)."""
    spans = sorted(tuple(s) for f in logs.glob("*.spans") for s in json.loads(f.read_text()))
    if len(spans) < 2:
        return {}
    held = sum(s[1] - s[0] for s in spans)
    pairs = list(itertools.pairwise(spans))
    gaps = [max(0.0, nxt[0] - cur[1]) for cur, nxt in pairs]
    return {"lock_busy": held / (spans[-1][1] - spans[0][0]), "handover_p50": percentile(gaps, 0.5) * 1000,
            "handover_p99": percentile(gaps, 0.99) * 1000, "handover_mean": sum(gaps) / len(gaps) * 1000,
            "late_turns": sum(1 for cur, nxt in pairs if nxt[3] > cur[1]) / len(pairs)}


def line(label: str, r: dict[str, float]) -> str:
    return (f"{label:>13} {r['writers']:>7.0f} {r['ops']:>7.0f} {r['stock']:>5.0f} {r['ops_s']:>7.1f} {r['p50']:>7.1f}"
            f" {r['p95']:>7.1f} {r['p99']:>7.1f} {r['fails']:>5.0f} {r['load']:>5.1f}")


def phase_line(label: str, r: dict[str, float]) -> str:
    """mean / p50 / p99 ms of each part of an operation (tests/stress_worker.py Phases), the
    share of the time the lock was held, and the hand-over between two writes (``lock_spans``)."""
    return f"{label:>13} {r['writers']:>7.0f} " + " ".join(
        f"{r[k + '_mean']:>5.1f}/{r[k + '_p50']:>5.1f}/{r[k + '_p99']:>5.1f}" for k in PHASES) + (
        f" {r['lock_busy'] * 100:>4.0f}% {r['handover_mean']:>5.1f}/{r['handover_p50']:>5.1f}/{r['handover_p99']:>5.1f}"
        f" {r['late_turns'] * 100:>4.0f}%"
        if "lock_busy" in r else "")


# A dispatcher during a recompute: another process adds a note to ticket 1
# every 20 ms until STOP exists, then writes each save's milliseconds to OUT.
NOTE_WRITER = """
import json, sys, time, pathlib
from store import Store
from store.errors import StoreError
db, stop, out = sys.argv[1:4]
s = Store(db, actor="bench")
ms, fails = [], 0
while not pathlib.Path(stop).exists():
    t = time.perf_counter()
    try:
        s.tickets.add_note(1, "still here")
    except StoreError:  # 'locked' after the busy timeout (5 s)
        fails += 1
    ms.append((time.perf_counter() - t) * 1000)
    time.sleep(0.02)
pathlib.Path(out).write_text(json.dumps({"ms": ms, "fails": fails}))
"""

# The recompute as it was before batches were sized by time: 2,000 tickets a
# batch whatever they cost, 110 ms between batches (the same code, its budget
# set out of reach).
BY_COUNT = {"RECOMPUTE_BUDGET_S": 1e9, "RECOMPUTE_FIRST": 2000, "RECOMPUTE_PAUSE_S": 0.11}


def recompute_file(work: Path, tickets: int) -> Path:
    db = work / "recompute-source.db"
    store = Store(db, create=True, actor="bench")
    generate_scale(store, tickets, open_share=1.0, chunk=50_000)
    store.close()
    return db


def recompute(work: Path, source: Path, variant: str) -> dict[str, float]:
    """One calendar change on a copy of ``source`` while a writer saves notes:
    the recompute's time, its longest batch (the write lock held) and the
    writer's latencies meanwhile."""
    db = work / f"recompute-{variant}.db"
    for sfx in ("", "-wal", "-shm", "-queue"):
        Path(f"{db}{sfx}").unlink(missing_ok=True)
    shutil.copy(source, db)
    stop, out = work / "stop", work / "notes.json"
    stop.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    store = Store(db, actor="bench")
    if variant == "by count":
        for k, v in BY_COUNT.items():
            setattr(store.settings, k, v)
    opened = store.queue.counts(store.now()).open
    writer = subprocess.Popen([sys.executable, "-c", NOTE_WRITER, str(db), str(stop), str(out)], cwd=ROOT)
    while not store.db.value("SELECT count(*) FROM events WHERE action = 'ticket.note'"):
        time.sleep(0.01)
    batches: list[float] = []
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        batches.append(now - last[0])
        last[0] = now

    load = os.getloadavg()[0]
    started = time.perf_counter()
    last[0] = started
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30",
                                            "weekdays": [1, 2, 3, 4, 5]}, progress)
    took = time.perf_counter() - started
    stop.touch()
    writer.wait(timeout=120)
    saved = json.loads(out.read_text())
    ms = saved["ms"]
    store.close()
    pause = BY_COUNT["RECOMPUTE_PAUSE_S"] if variant == "by count" else store.settings.RECOMPUTE_PAUSE_S
    # A batch's progress call comes after its commit; the pause before it is not the lock's.
    held = [b - (pause if i else 0) for i, b in enumerate(batches)]
    return {"open": opened, "s": took, "batches": len(batches), "longest": max(held) * 1000,
            "saves": len(ms), "p50": percentile(ms, 0.5), "p99": percentile(ms, 0.99), "max": max(ms), "fails": saved["fails"],
            "load": load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", default="1,4,20")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the variants at the most writers (0: skip)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--recompute", type=int, default=300_000,
                    help="open tickets to recompute, by time and by count in turn, each round (0: skip)")
    ap.add_argument("--tickets", type=int, default=100_000,
                    help="tickets added in bulk to the fleets' file before they start (0: the stress test's small file)")
    ap.add_argument("--source", type=Path, help="a fleet file made before, for 20 writers (copied, never written)")
    ap.add_argument("--fleets", action=argparse.BooleanOptionalAction, default=True,
                    help="the writer fleets (--no-fleets: only the recompute)")
    args = ap.parse_args()
    global SOURCE
    SOURCE = args.source
    work = Path(tempfile.mkdtemp(prefix="dispatch-writers-"))
    head = (f"{'variant':>13} {'writers':>7} {'ops':>7} {'stock':>5} {'ops/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
            f" {'p99 ms':>7} {'fails':>5} {'load':>5}")
    phase_head = (f"{'variant':>13} {'writers':>7} " + " ".join(f"{k:>17}" for k in PHASES)
                  + f" {'held':>5} {'hand-over':>17} {'late':>5}")
    os.environ["DISPATCH_BENCH_PHASES"] = "1"  # the workers time each part of an operation
    results: list[tuple[str, dict[str, float]]] = []

    def show(label: str, r: dict[str, float]) -> None:
        results.append((label, r))
        print(line(label, r), flush=True)

    try:
        print(head)
        counts = [int(x) for x in args.writers.split(",")] if args.fleets else []
        for n in counts:
            show("as shipped", fleet(work, n, args.seconds, tickets=args.tickets))
        for _round in range(args.rounds if counts else 0):
            for variant in args.variants.split(","):
                show(variant, fleet(work, max(counts), args.seconds, variant, tickets=args.tickets))
        if results:
            print("\nwhere an operation's time went, ms mean/p50/p99 (tests/stress_worker.py Phases)")
            print(phase_head)
            for label, r in results:
                print(phase_line(label, r))
        if args.recompute:
            source = recompute_file(work, args.recompute)
            print(f"\n{'recompute':>9} {'open':>8} {'s':>6} {'batches':>7} {'longest ms':>10} {'saves':>5}"
                  f" {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'fails':>5} {'load':>5}"
                  "  (a writer saving a note every 20 ms meanwhile)")
            for _round in range(max(1, args.rounds)):
                for variant in ("by time", "by count"):
                    r = recompute(work, source, variant)
                    print(f"{variant:>9} {r['open']:>8,.0f} {r['s']:>6.1f} {r['batches']:>7.0f} {r['longest']:>10.0f}"
                          f" {r['saves']:>5.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['max']:>7.1f} {r['fails']:>5.0f}"
                          f" {r['load']:>5.1f}",
                          flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
