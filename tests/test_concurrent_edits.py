"""Two dispatchers on one file: optimistic versions refuse a stale write and
say who changed the ticket when (their name cleaned for the terminal); a
watcher's data_version moves only on other connections' commits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import MutableClock
from pendulum import DateTime
from ticket_helpers import make

from store import StaleTicket, Store


def test_two_connections_stale_write_is_refused(store: Store, db_path: Path, clock: MutableClock, now: DateTime) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        seen_by_ann = store.tickets.ticket(t.id)
        seen_by_bob = bob.tickets.ticket(t.id)
        assert seen_by_ann.version == seen_by_bob.version == 1
        clock.advance(minutes=5)
        store.tickets.assign(t.id, seen_by_ann.version, technician_id=1)
        clock.advance(minutes=1)
        with pytest.raises(StaleTicket) as info:
            bob.tickets.assign(t.id, seen_by_bob.version, technician_id=3)
        err = info.value
        assert (err.ticket_id, err.by, err.at, err.version) == (t.id, "ann", now.add(minutes=5), 2)
        assert "ann" in str(err) and "2026-11-25 09:05:00" in str(err) and f"#{t.id}" in str(err)
        for s in (store, bob):
            shown = s.tickets.ticket(t.id)
            assert (shown.version, shown.technician_id, shown.updated_by) == (2, 1, "ann")
        assert [e.actor for e in bob.tickets.timeline(t.id)] == ["ann", "ann"]
        # Bob reloads and tries again on the version he now sees.
        again = bob.tickets.assign(t.id, bob.tickets.ticket(t.id).version, technician_id=3, reason="closer")
        assert (again.version, again.technician_id, again.updated_by) == (3, 3, "bob")
    finally:
        bob.close()

def test_data_version_changes_only_on_other_commits(store: Store, db_path: Path, clock: MutableClock) -> None:
    watcher = Store(db_path, clock=clock, actor="viewer")
    try:
        v0 = watcher.db.data_version()
        watcher.queue.find()
        watcher.queue.counts()
        watcher.tickets.ticket(make(store).id)  # the commit here is another connection's
        v1 = watcher.db.data_version()
        assert v1 != v0
        watcher.queue.find()
        watcher.people.technicians()
        assert watcher.db.data_version() == v1  # reads change nothing
        store.people.set_on_duty(1, False)
        v2 = watcher.db.data_version()
        assert v2 != v1
        assert watcher.db.data_version() == v2
    finally:
        watcher.close()

def test_conflict_message_strips_escapes_from_the_other_actor(store, db_path, clock) -> None:
    t = store.tickets.create_ticket({"reporter": "R", "phone": "123", "site_id": 1, "priority": 3, "description": "d"})
    # Only a raw write to the file can stamp such a name now (no user has it).
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE tickets SET version = 2, updated_by = ? WHERE id = ?", ("eve\x1b]52;c;aGk=\x07\x1b[31m", t.id))
    raw.commit()
    raw.close()
    with pytest.raises(StaleTicket) as info:
        store.tickets.respond(t.id, 1)
    assert "\x1b" not in str(info.value) and "eve" in str(info.value)
