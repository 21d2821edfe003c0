"""`dispatch ship` to the head office (issue 26): centers shipped from empty,
an incremental ship, and the center's writers while a ship runs.

    .venv/bin/python bench/hq_ship.py --source FILE [--centers 10] [--incremental 1000] [--seconds 20]

Needs Debian's PostgreSQL 15 (a throwaway server is started as in the tests,
tests/hq_pg.py: fsync off, so the figures are the shipper's and the server's
CPU, not a disk's). FILE is a built center (``dispatch demo --scale 100000
--no-console``); each center is a copy of it under its own code (the head
office's work is the same as for distinct files: every row carries the code).

1. From empty: each center shipped in turn into one database (time, events,
   rows, rows/s), the load average beside each.
2. Incremental: 1,000 new events (a note on each of 1,000 tickets, through the
   Store) shipped; beside it the floor: a ship with nothing new, same run. The
   center has UNDELIVERED assignment messages waiting (default 200: tickets
   assigned to a technician whose address is down, no sender running), which
   every batch sends again (store/hq/ship.py UNDELIVERED). Then
   1,000 cancellations of open tickets (their figure columns change, so their
   months' summaries are recomputed in the batch, store/hq/summary.py).
3. Writers: tests/stress_worker.py's fleet (bench/writers.py) for SECONDS
   without a shipper, then with one shipping the same file in a loop; p50/p99.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psycopg  # noqa: E402
from hq_pg import pg_server  # noqa: E402

from bench.scale_files import copy_db  # noqa: E402
from store import Store  # noqa: E402
from store.context import default_actor  # noqa: E402
from store.errors import StoreError  # noqa: E402
from store.hq.ship import ship  # noqa: E402
from tests.stress_worker import percentile, run_fleet  # noqa: E402
from tests.test_stress import make_file  # noqa: E402


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def set_code(path: Path, code: str) -> None:
    s = Store(path, actor=default_actor())
    s.settings.set_setting("center_code", code)
    s.close()


def from_empty(url: str, work: Path, source: Path, centers: int) -> list[Path]:
    paths = []
    total_rows = total_s = 0.0
    with psycopg.connect(url) as conn:
        for i in range(centers):
            path = work / f"c{i:02d}.db"
            copy_db(source, path)
            set_code(path, f"C{i:02d}")
            paths.append(path)
            r = ship(path, conn, batch=5000)
            rows = sum(r.rows.values())
            total_rows += rows
            total_s += r.seconds
            print(f"center C{i:02d}: {r.events:,} events, {rows:,} rows in {r.seconds:.1f} s"
                  f" (month summaries {r.summary_seconds:.1f} s)"
                  f" ({rows / r.seconds:,.0f} rows/s) [{load()}]", flush=True)
        n = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    print(f"from empty: {centers} centers, {n:,} head-office tickets, {total_rows:,.0f} rows in {total_s:.1f} s"
          f" ({total_rows / total_s:,.0f} rows/s) [{load()}]", flush=True)
    return paths


def undelivered(url: str, path: Path, n: int) -> None:
    """``n`` assignment messages left waiting at the center (its unassigned open tickets given to a technician
    whose address is down), shipped before the measures."""
    s = Store(path, actor=default_actor())
    tech = s.db.q("SELECT id FROM technicians WHERE on_duty = 1 AND retired = 0 ORDER BY id LIMIT 1")[0][0]
    s.outbox.set_technician_addresses(tech, ["json://localhost:9/down"])
    for tid, version in s.db.q("SELECT id, version FROM tickets WHERE is_open = 1 AND technician_id IS NULL"
                               " ORDER BY id LIMIT ?", (n,)):
        s.tickets.assign(tid, version, technician_id=tech)
    waiting = s.db.q("SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0]
    s.close()
    with psycopg.connect(url) as conn:
        ship(path, conn)
    print(f"undelivered: {waiting:,} assignment messages waiting at the center [{load()}]", flush=True)


def incremental(url: str, path: Path, events: int) -> None:
    with psycopg.connect(url) as conn:
        floor = ship(path, conn)  # nothing new: the fixed cost (verify, lock, one read)
        s = Store(path, actor=default_actor())
        ids = [r[0] for r in s.db.q("SELECT id FROM tickets ORDER BY id DESC LIMIT ?", (events,))]
        for tid in ids:
            s.tickets.add_note(tid, "bench: a note")
        s.close()
        r = ship(path, conn)
    print(f"incremental: {r.events:,} new events, {sum(r.rows.values()):,} rows in {r.seconds:.2f} s"
          f" (month summaries {r.summary_seconds:.2f} s; undelivered messages sent {r.undelivered});"
          f" floor (nothing new) {floor.seconds:.2f} s [{load()}]", flush=True)
    # Events that change the figures: the months they touch are recomputed in the batch (store/hq/summary.py).
    with psycopg.connect(url) as conn:
        s = Store(path, actor=default_actor())
        open_ids = [(r[0], r[1]) for r in s.db.q(
            "SELECT id, version FROM tickets WHERE is_open = 1 ORDER BY id DESC LIMIT ?", (events,))]
        for tid, version in open_ids:
            try:
                s.tickets.cancel(tid, version, reason="bench: a cancellation")
            except StoreError:  # a status that cannot be cancelled: one event fewer
                pass
        s.close()
        months = conn.execute("SELECT count(*) FROM hq_months").fetchone()[0]
        conn.rollback()
        r = ship(path, conn)
    print(f"incremental, figures changed: {r.events:,} cancellations, {sum(r.rows.values()):,} rows in {r.seconds:.2f} s"
          f" (month summaries {r.summary_seconds:.2f} s: {r.months} of the {months} center-months recomputed)"
          f" [{load()}]", flush=True)


def writers(url: str, work: Path, n: int, seconds: float) -> None:
    def fleet(tag: str) -> tuple[float, float, int]:
        entries, _killed, errors = run_fleet(db, work / f"logs-{tag}", n, seconds)
        done = [e["ms"] for e in entries if "op" in e]
        return percentile(done, 0.5), percentile(done, 0.99), len(done) + 0 * len(errors)

    db = work / "writers.db"
    make_file(db, n)
    s = Store(db, actor="ann")
    s.settings.set_setting("center_code", "W")
    s.close()
    a = load()
    p50, p99, ops = fleet("alone")
    print(f"writers ({n}) without a shipper: {ops} ops, p50 {p50:.1f} ms, p99 {p99:.1f} ms [{a}]", flush=True)
    stop = threading.Event()
    shipped = [0, 0]

    def shipper() -> None:
        with psycopg.connect(url) as conn:
            while not stop.is_set():
                r = ship(db, conn, batch=500)
                shipped[0] += 1
                shipped[1] += r.events
                stop.wait(0.2)

    t = threading.Thread(target=shipper)
    t.start()
    a = load()
    p50s, p99s, ops = fleet("shipping")
    stop.set()
    t.join()
    print(f"writers ({n}) while shipping: {ops} ops, p50 {p50s:.1f} ms, p99 {p99s:.1f} ms;"
          f" {shipped[0]} runs shipped {shipped[1]:,} events [{a}]", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True, help="a built center (dispatch demo --scale N)")
    ap.add_argument("--centers", type=int, default=10)
    ap.add_argument("--incremental", type=int, default=1000)
    ap.add_argument("--undelivered", type=int, default=200, help="assignment messages left waiting at the center")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--skip", default="", help="comma list of parts to skip: empty,incremental,writers")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="hq-bench-") as tmp, pg_server() as server:
        work = Path(tmp)
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
        url = server.url("bench")
        paths = from_empty(url, work, args.source, args.centers) if "empty" not in skip else []
        if "incremental" not in skip:
            if not paths:
                paths = from_empty(url, work, args.source, 1)
            if args.undelivered:
                undelivered(url, paths[0], args.undelivered)
            incremental(url, paths[0], args.incremental)
        if "writers" not in skip:
            writers(url, work, args.writers, args.seconds)


if __name__ == "__main__":
    main()
