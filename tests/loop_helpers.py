"""Shared by the callback and score tests: closed tickets on given days, and
acting as someone for one step (the foremen: conftest's add_people)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pendulum import DateTime

from store import Store

RECORD = {"symptom": "Card stuck", "cause": "Worn roller", "action": "Replaced roller", "parts": "roller"}
SATISFIED = {"contacted_within_hour": True, "polite": True, "working": True}


@contextmanager
def acting(store: Store, login: str) -> Iterator[Store]:
    before = store.actor
    store.actor = login
    try:
        yield store
    finally:
        store.actor = before


def close_ticket(store: Store, clock: Any, technician_id: int, closed_at: DateTime, **kw: Any) -> int:
    """A ticket reported an hour before ``closed_at`` and closed then (the clock is put back)."""
    back = clock.now
    clock.set(closed_at.subtract(hours=1))
    with acting(store, "ann"):
        data = {"reporter": "Wang", "phone": "138 0000 0000", "site_id": 1, "equipment_id": None,
                "category": "atm", "priority": 2, "description": "ATM swallows cards", **kw}
        t = store.tickets.create_ticket(data)
        # Someone off duty today (Chen Jie in the seed) worked that day: the store refuses work
        # for a technician off duty, so they are on duty for the job and off again after it.
        off = not next(x.on_duty for x in store.people.technicians() if x.id == technician_id)
        if off:
            store.people.set_on_duty(technician_id, True)
        t = store.tickets.assign(t.id, t.version, technician_id=technician_id)
        if off:
            store.people.set_on_duty(technician_id, False)
        t = store.tickets.respond(t.id, t.version)
        t = store.tickets.arrive(t.id, t.version)
        t = store.tickets.resolve(t.id, t.version, **RECORD)
        clock.set(closed_at)
        t = store.tickets.close(t.id, t.version, signoff="Wang")
    clock.set(back)
    return t.id
