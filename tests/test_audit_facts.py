"""The stored facts of closed tickets with no holds under 24x7 are checked in
one SQL scan (store/repo/audit_facts.py CLOSED_24X7_MISMATCHES): it must say
"differs" exactly when derive() does, for every fact."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pendulum
import pytest

from store import Store
from store.repo.audit_facts import CLOSED_24X7_MISMATCHES
from store.rules.derive import DERIVED
from store.timeutil import to_db


def _closed(r: random.Random, tid: int) -> dict[str, Any]:
    reported = pendulum.datetime(2026, 10, 1, tz="UTC").add(seconds=r.randint(0, 30 * 86400))
    t, row = reported, {}
    for key in ("first_response_at", "arrived_at", "resolved_at"):
        t = t.add(seconds=r.choice([0, 1, 899, 900, 901, 3600, 14400, 14401, 90000]))
        row[key] = to_db(t) if r.random() < 0.8 else None
    status = "closed" if row["resolved_at"] and r.random() < 0.8 else "cancelled"
    return {"id": tid, "status": status, "priority": r.randint(1, 4), "channel": "phone", "reporter": "R",
            "phone": "555", "site_id": 1, "equipment_id": None, "category": "atm", "description": "x",
            "reported_at": to_db(reported), "created_by": "bob", "version": 1, "updated_at": to_db(t),
            "updated_by": "bob", "closed_at": to_db(t) if status == "closed" else None,
            "cancelled_at": None if status == "closed" else to_db(t), **row}


@pytest.fixture
def loaded(store: Store, db_path: Path) -> sqlite3.Connection:
    r = random.Random(7)
    store.admin.load("test.closed", {"tickets": [_closed(r, 100 + i) for i in range(400)]}, {"bulk": True})
    return sqlite3.connect(db_path, isolation_level=None)


def test_the_scan_passes_what_derive_gives(loaded: sqlite3.Connection) -> None:
    assert loaded.execute(CLOSED_24X7_MISMATCHES).fetchall() == []


@pytest.mark.parametrize("column", DERIVED)
def test_the_scan_finds_any_fact_changed(loaded: sqlite3.Connection, store: Store, column: str) -> None:
    r = random.Random(column)
    ids = r.sample(range(100, 500), 25)
    for tid in ids:
        old = loaded.execute(f"SELECT {column} FROM tickets WHERE id = ?", (tid,)).fetchone()[0]
        new = {None: r.choice([0, 1, "2026-10-01T00:00:00Z", 60.0])}.get(old) if old is None else (
            1 - old if column.endswith("_ok") else old + 1 if isinstance(old, int | float) else None)
        loaded.execute(f"UPDATE tickets SET {column} = ? WHERE id = ?", (new, tid))
    assert sorted(r[0] for r in loaded.execute(CLOSED_24X7_MISMATCHES)) == sorted(ids)
    problems = store.audit.verify_audit().problems
    assert sum(f"stored {column} is" in p for p in problems) == len(ids), problems[:3]
