"""Time the import of 10,000 equipment rows from a CSV file (read, validate,
save in one transaction), then a re-import of the same file (every row
matched and unchanged). Run: .venv/bin/python bench/import_bench.py

``--history N``: a helpdesk history of N tickets (bench/history_rows.py)
through ``dispatch import tickets``' path: the file read and every row
checked, then the bulk load; rows/s beside the floor (the same final rows
written by a bare sqlite3 executemany into a table without indexes or
triggers, one transaction) and the 1-minute load average. ``--db FILE``
imports into (a copy of) that file instead of a new one.

``--row-by-row N``: what a center had before the importer, the store's own
per-ticket writes (create, assign, respond, arrive, resolve, close: six
transactions a ticket, backdated through the clock), for N tickets of the
same history; ``--code DIR`` runs it against another checkout (main's)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--history", type=int, metavar="N", help="import a history of N tickets")
parser.add_argument("--row-by-row", type=int, metavar="N", help="N tickets of it through the per-ticket writes")
parser.add_argument("--db", type=Path, help="import into this file (it is written: give a copy)")
parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent, help="the checkout to run")
ARGS = parser.parse_args()
sys.path.insert(0, str(ARGS.code))
sys.path.insert(1, str(Path(__file__).resolve().parent))  # history_rows

from store import Store  # noqa: E402
from store.transfer.csv_io import import_rows, read_csv  # noqa: E402

ROWS = 10_000


def load_average() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def equipment() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", actor="bench", create=True)
        for i in range(20):
            store.reference.add_site(code=f"S{i:02d}", name=f"Site {i}")
        csv_path = Path(tmp) / "equipment.csv"
        csv_path.write_text("asset_tag,category,model,site_code,installed,warranty_until\n" + "".join(
            f"EQ-{i:05d},atm,NCR SelfServ {i % 7},S{i % 20:02d},2024-01-{1 + i % 28:02d},2028-12-31\n"
            for i in range(ROWS)), encoding="utf-8")
        for label in ("first import", "re-import (all unchanged)"):
            start = time.perf_counter()
            rows = read_csv(csv_path, "equipment")
            report = import_rows(store, "equipment", rows)
            took = time.perf_counter() - start
            assert report.ok, report.errors[:3]
            print(f"{label}: {ROWS:,} equipment rows in {took:.2f} s ({ROWS / took:,.0f} rows/s): "
                  f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged")
        store.close()


def _store(tmp: str) -> Store:
    if ARGS.db is None:
        return Store(Path(tmp) / "bench.db", actor="bench", create=True)
    probe = sqlite3.connect(ARGS.db)
    managers = [r[0] for r in probe.execute("SELECT login FROM users WHERE role = 'manager' AND disabled = 0 ORDER BY login")]
    probe.close()
    return Store(ARGS.db, actor=managers[0] if managers else "bench")


def floor(plan: Any, tmp: str) -> float:
    """Seconds to write the plan's final rows with nothing else: one bare executemany."""
    rows = [t.ticket for t in plan.tickets]
    columns = list(rows[0]) if rows else []
    conn = sqlite3.connect(Path(tmp) / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {', '.join(columns)})")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO t ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     ([r[c] for c in columns] for r in rows))
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def history(n: int) -> None:
    from history_rows import history_rows, write_csv

    from store.transfer.history_csv import read_history

    with tempfile.TemporaryDirectory() as tmp:
        store = _store(tmp)
        before = store.admin.max_ticket_id()
        path = Path(tmp) / "history.csv"
        write_csv(history_rows(store, n), path)
        print(f"history of {n:,} tickets, into a file of {before:,}; {load_average()}", flush=True)
        t0 = time.perf_counter()
        read = read_history(path)
        plan = store.history.check(read.rows)
        t1 = time.perf_counter()
        report = store.history.load(plan, read.name, read.sha256, len(read.rows))
        t2 = time.perf_counter()
        base = floor(plan, tmp)
        total = t2 - t0
        print(f"read + check {t1 - t0:6.2f} s  {n / (t1 - t0):>9,.0f} rows/s")
        print(f"load         {t2 - t1:6.2f} s  {n / (t2 - t1):>9,.0f} rows/s   ({report.callbacks:,} callbacks)")
        print(f"whole import {total:6.2f} s  {n / total:>9,.0f} rows/s   floor (bare insert) {base:5.2f} s "
              f"{n / base:>9,.0f} rows/s   {load_average()}")
        store.close()


def row_by_row(n: int) -> None:
    import pendulum
    from history_rows import history_rows

    with tempfile.TemporaryDirectory() as tmp:
        store = _store(tmp)
        tz = store.settings.timezone
        rows = history_rows(store, n)
        techs = {t.name: t.id for t in store.people.technicians(include_retired=True)}
        sites = {s.code: s.id for s in store.reference.sites(limit=-1, include_retired=True)}
        tags = {r[0]: r[1] for r in store.db.q("SELECT asset_tag, id FROM equipment")}

        def when(text: str) -> Any:
            return pendulum.parse(text.replace(" ", "T"), tz=tz).in_timezone("UTC")

        def at_time(text: str) -> Any:
            moment = when(text)
            return lambda: moment

        start = time.perf_counter()
        for row in rows:
            store.clock = at_time(row["opened_at"])
            t = store.tickets.create_ticket({
                "reporter": row["reporter"], "phone": row["phone"], "site_id": sites[row["site"]],
                "equipment_id": tags.get(row["equipment"]), "category": row["category"],
                "priority": int(row["priority"]), "description": row["description"]})
            if row["cancelled_at"]:
                store.clock = at_time(row["cancelled_at"])
                store.tickets.cancel(t.id, t.version, reason=row["cancel_reason"])
                continue
            store.clock = at_time(row["assigned_at"])
            t = store.tickets.assign(t.id, t.version, technician_id=techs[row["technician"]])
            store.clock = at_time(row["responded_at"])
            t = store.tickets.respond(t.id, t.version)
            store.clock = at_time(row["arrived_at"])
            t = store.tickets.arrive(t.id, t.version)
            store.clock = at_time(row["resolved_at"])
            t = store.tickets.resolve(t.id, t.version, symptom=row["description"], cause=row["cause"], action=row["action"],
                                      parts=row["parts"])
            store.clock = at_time(row["closed_at"])
            store.tickets.close(t.id, t.version, signoff=row["reporter"])
        took = time.perf_counter() - start
        print(f"row by row ({ARGS.code}): {n:,} tickets in {took:.2f} s  {n / took:,.0f} rows/s "
              f"(no callbacks)   {load_average()}")
        store.close()


if __name__ == "__main__":
    if ARGS.history:
        history(ARGS.history)
    elif ARGS.row_by_row:
        row_by_row(ARGS.row_by_row)
    else:
        equipment()
