"""The Database owns the connections, and Database.write is the only way to
write (issue 23): no public write connection, read connections that cannot
write, a transaction object dead once its block ends, and the authorisation
and the audit event inside the write's own transaction (a blank actor
writes nothing); a closed store reads nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import MutableClock, add_people
from ticket_helpers import data

from store import PermissionDenied, Store, StoreError
from store.database import Tx


def test_the_store_has_no_write_connection(store: Store) -> None:
    assert not hasattr(store, "conn") and not hasattr(store.db, "conn")
    assert not [name for name in vars(store.db) if "writer" in name and not name.startswith("_")]


def test_a_read_connection_cannot_write(store: Store) -> None:
    before = store.admin.stats()["sites"]
    with store.db.reader() as conn, pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM sites")
    assert store.admin.stats()["sites"] == before


def test_a_transaction_is_dead_after_its_block(store: Store) -> None:
    with store.db.write("ticket.note", 1) as tx:
        kept: Tx = tx
        tx.event("ticket.note", "note", None, 1, {}, {"note": "inside"})
    with pytest.raises(RuntimeError):
        kept.execute("DELETE FROM sites")
    assert store.admin.stats()["sites"] > 0


def test_a_write_is_authorised_and_audited_in_its_own_transaction(store: Store) -> None:
    events = store.admin.stats()["events"]
    add_people(store, "vic")
    store.actor = "vic"
    with pytest.raises(PermissionDenied), store.db.write("site.add") as tx:
        tx.execute("DELETE FROM sites")  # never reached: refused before the block runs
    store.actor = "ann"
    with store.db.write("site.add") as tx:
        tx.event("site.add", "site", None, None, {}, {"code": "X"})
    rows = store.db.q("SELECT actor, action FROM events ORDER BY id DESC LIMIT 1")
    assert (rows[0][0], rows[0][1]) == ("ann", "site.add")
    assert store.admin.stats()["events"] == events + 2  # the user added, then this one


def test_blank_actor_cannot_write(db_path: Path, store: Store, clock: MutableClock) -> None:
    nobody = Store(db_path, clock=clock, actor="  ")
    try:
        with pytest.raises(PermissionDenied):
            nobody.tickets.create_ticket(data())
    finally:
        nobody.close()

def test_close_db_closes_the_connection(db_path: Path, clock: MutableClock) -> None:
    s = Store(db_path, create=True, clock=clock, actor="ann")
    s.close()
    with pytest.raises((StoreError, sqlite3.ProgrammingError)):
        s.queue.find()
