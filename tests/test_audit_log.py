"""The audit log: every write adds exactly one event with its real actor and
time, a refused write adds none, and the events table is append-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import MutableClock
from ticket_helpers import RECORD, data, event_count, make

from store import Store, StoreError


def test_every_write_adds_exactly_one_event(store: Store, clock: MutableClock) -> None:
    def once(action: str, write: Callable[[], Any]) -> Any:
        clock.advance(minutes=1)
        before = event_count(store)
        result = write()
        assert event_count(store) == before + 1, action
        event = store.tickets.events(1)[0]
        assert (event.action, event.actor, event.at) == (action, "ann", clock()), action
        return result

    t = once("ticket.create", lambda: make(store))
    assert store.tickets.timeline(t.id)[0].new["reporter"] == "Mrs Zhao"
    t = once("ticket.respond", lambda: store.tickets.respond(t.id, t.version))
    t = once("ticket.assign", lambda: store.tickets.assign(t.id, t.version, technician_id=1))
    t = once("ticket.reassign", lambda: store.tickets.assign(t.id, t.version, technician_id=3, reason="busy"))
    t = once("ticket.arrive", lambda: store.tickets.arrive(t.id, t.version))
    t = once("ticket.pause", lambda: store.tickets.hold(t.id, t.version, reason="parts"))
    t = once("ticket.resume", lambda: store.tickets.resume(t.id, t.version))
    t = once("ticket.resolve", lambda: store.tickets.resolve(t.id, t.version, **RECORD))
    t = once("ticket.close", lambda: store.tickets.close(t.id, t.version, signoff="Mrs Zhao"))
    u = make(store)
    once("ticket.cancel", lambda: store.tickets.cancel(u.id, u.version, reason="duplicate"))
    once("settings.set", lambda: store.settings.set_setting("center_name", "Bank Repair Center"))
    once("sla_policy.set", lambda: store.settings.set_policy(4, 60, 480, 2880))
    once("technician.duty", lambda: store.people.set_on_duty(2, False))
    once("import.test", lambda: store.admin.load("import.test", {"sites": [
        {"id": 3, "code": "SB", "name": "South Branch", "address": ""}]}, {"rows": 1}))
    # Refused writes leave nothing behind.
    before = event_count(store)
    for refused in (
        lambda: store.tickets.resume(t.id, t.version),
        lambda: store.tickets.respond(t.id, 1),
        lambda: store.tickets.create_ticket(data(phone="x")),
        lambda: store.settings.set_policy(1, 0, 0, 0),
    ):
        with pytest.raises(StoreError):
            refused()
    assert event_count(store) == before

def test_events_are_append_only(store: Store, db_path: Path) -> None:
    make(store)
    raw = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE events SET actor = 'mallory'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM events")
        raw.rollback()
    finally:
        raw.close()
    assert {e.actor for e in store.tickets.events()} == {"ann"}
    assert event_count(store) == 2 + len(store.users.find())  # the seed, the users added (conftest) and the ticket
