"""The queue at a past moment on a 1M-ticket file (issue 27): the queue a
month back (cold: a new PastQueue, its first page and its counts) ≤ 1 s,
and a step of one event (the held queue moved, page and counts again)
≤ 50 ms. With the load average beside each figure, and the live queue's
first page and counts measured in the same run as a floor.

    .venv/bin/python bench/time_travel.py [--base /work/bench1m/base.db] [--work /tmp/tt-bench/1m.db]
                                          [--days 30] [--events 6000]

The base file is copied (never written); a month of work is then recorded on
the copy with a moving clock (assign, respond, arrive, holds, resumes,
priority changes with a reason, stated times, resolves, closes, new tickets),
``dispatch snapshot``'s keep runs (timed: the cron cost), and the figures are
taken at instants spread over the month."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pendulum  # noqa: E402

from bench.scale_files import copy_db, log  # noqa: E402
from store.errors import StoreError  # noqa: E402
from store.store import Store  # noqa: E402
from store.timeutil import from_db, to_db  # noqa: E402


class Clock:
    def __init__(self, now: pendulum.DateTime):
        self.now = now

    def __call__(self) -> pendulum.DateTime:
        return self.now


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def work(store: Store, clock: Clock, days: int, events: int, rng: random.Random) -> int:
    """About ``events`` ticket writes spread over ``days`` days."""
    open_ids = [r[0] for r in store.db.q("SELECT id FROM tickets WHERE is_open = 1")]
    techs = [r[0] for r in store.db.q("SELECT id FROM technicians WHERE on_duty = 1 AND retired = 0")]
    step_s = days * 86400 / events
    done = 0
    for i in range(events):
        clock.now = clock.now.add(seconds=int(step_s * rng.uniform(0.5, 1.5)))
        try:
            if rng.random() < 0.08:
                t = store.tickets.create_ticket({"site_id": 1, "priority": rng.choice([1, 2, 3, 4]), "category": "other",
                                                 "channel": "phone", "reporter": "bench", "phone": "138",
                                                 "description": f"bench ticket {i}"})
                open_ids.append(t.id)
                done += 1
                continue
            tid = rng.choice(open_ids)
            t = store.tickets.ticket(tid)
            v, s = t.version, t.status
            stated = clock.now.subtract(minutes=rng.choice([0, 0, 0, 7]))
            if rng.random() < 0.05 and s != "resolved":
                store.tickets.edit_ticket(tid, v, reason="bench: customer called again", priority=rng.choice([1, 2, 3, 4]))
            elif s == "new":
                store.tickets.assign(tid, v, technician_id=rng.choice(techs))
            elif s == "assigned":
                if t.first_response_at is None:
                    store.tickets.respond(tid, v, at=stated, note="called")
                else:
                    store.tickets.arrive(tid, v, at=stated, mode="onsite")
            elif s == "onsite":
                if rng.random() < 0.3:
                    store.tickets.hold(tid, v, at=stated, reason="parts", note="waiting for a part")
                else:
                    store.tickets.resolve(tid, v, at=stated, symptom="s", cause="c", action="a", parts="none")
            elif s == "waiting":
                store.tickets.resume(tid, v, at=stated)
            elif s == "resolved":
                store.tickets.close(tid, v, signoff="bench")
                open_ids.remove(tid)
            done += 1
        except StoreError:
            continue
    return done


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="/work/bench1m/base.db")
    ap.add_argument("--work", default="/tmp/tt-bench/1m.db")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--events", type=int, default=6000)
    ap.add_argument("--reuse", action="store_true", help="the work file is already prepared")
    a = ap.parse_args()
    work_path = Path(a.work)
    rng = random.Random(27)
    if not a.reuse:
        work_path.parent.mkdir(parents=True, exist_ok=True)
        log(f"copying {a.base} to {work_path}")
        copy_db(Path(a.base), work_path)
    last = Store(work_path, actor="root")  # (migration 0025 on a file from main)
    start = from_db(last.db.value("SELECT MAX(at) FROM events"))
    last.close()
    assert start is not None
    clock = Clock(start.add(minutes=1))
    store = Store(work_path, actor="root", clock=clock)
    if not a.reuse:
        t0 = time.perf_counter()
        n = work(store, clock, a.days, a.events, rng)
        log(f"recorded {n:,} writes over {a.days} days in {time.perf_counter() - t0:.0f} s ({load()})")
    t0 = time.perf_counter()
    kept = store.snapshots.keep()  # (incremental: with --reuse, those still due)
    log(f"dispatch snapshot: {kept} snapshots kept in {time.perf_counter() - t0:.1f} s ({load()})")
    end = from_db(store.db.value("SELECT MAX(at) FROM events"))
    assert end is not None
    clock.now = end
    open_now = store.queue.queue_count()
    rows = store.db.value("SELECT COUNT(*) FROM queue_snapshot_rows")
    snaps = store.db.value("SELECT COUNT(*) FROM queue_snapshots")
    log(f"{open_now:,} open now; {snaps} snapshots, {rows:,} snapshot rows")

    # Floor: the live queue's first page and counts, same run.
    floor = []
    for _ in range(5):
        t0 = time.perf_counter()
        store.queue.find(limit=100)
        store.queue.counts(end)
        floor.append(time.perf_counter() - t0)
    fl = statistics.median(floor)
    log(f"floor (live page + counts): {fl * 1000:.1f} ms ({load()})")

    cold: list[tuple[str, float, int]] = []
    for back_days in (30, 29, 25, 20, 15, 10, 5, 1):
        at = end.subtract(days=back_days)
        t0 = time.perf_counter()
        q = store.past.at(at)
        page = q.rows(0, 100)
        c = q.counts()
        took = time.perf_counter() - t0
        cold.append((to_db(at), took, len(q.overlay)))
        log(f"queue {back_days:2d} days back ({to_db(at)}): {took * 1000:.0f} ms, {len(page)} rows, open {c['open']:,},"
            f" {len(q.overlay):,} tickets replayed on the snapshot; {took / fl:.0f}× floor ({load()})")
    worst = max(t for _a, t, _n in cold)

    # Steps of one event from a month back, forward then back.
    q = store.past.at(end.subtract(days=30))
    steps: list[float] = []
    for i in range(120):
        t0 = time.perf_counter()
        nxt = store.past.step(q.place, forward=i < 80)
        assert nxt is not None
        q.move(nxt)
        q.rows(0, 100)
        q.counts()
        steps.append(time.perf_counter() - t0)
    steps.sort()
    med, p95, top = statistics.median(steps), steps[int(len(steps) * 0.95)], steps[-1]
    log(f"step by one event: median {med * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {top * 1000:.1f} ms"
        f" ({med / fl:.1f}× floor, {load()})")
    print(f"time_travel: queue a month back ≤ {worst:.2f} s (worst of {len(cold)}), step by one event median"
          f" {med * 1000:.1f} ms / p95 {p95 * 1000:.1f} ms; floor {fl * 1000:.1f} ms; {load()}")
    store.close()


if __name__ == "__main__":
    main()
