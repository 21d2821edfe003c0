"""Tickets through the store for the store's topic tests: valid input, and a
ticket taken on site or to resolved in one call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from store import QueueRow, Store, Ticket

RECORD = {"symptom": "card reader jams", "cause": "worn roller", "action": "replaced roller", "parts": "roller x1"}

def data(**overrides: Any) -> dict[str, Any]:
    """Valid input for create_ticket (ATM at Head Office, P2)."""
    out: dict[str, Any] = {
        "channel": "phone", "reporter": "Mrs Zhao", "phone": "010 6666 8888", "site_id": 1,
        "equipment_id": 1, "category": "atm", "priority": 2, "description": "ATM swallows cards",
    }
    out.update(overrides)
    return out

def make(store: Store, **overrides: Any) -> Ticket:
    return store.tickets.create_ticket(data(**overrides))

def to_onsite(store: Store, t: Ticket, tech: int = 1) -> Ticket:
    t = store.tickets.assign(t.id, t.version, technician_id=tech)
    return store.tickets.arrive(t.id, t.version)

def to_resolved(store: Store, t: Ticket, tech: int = 1) -> Ticket:
    t = to_onsite(store, t, tech)
    return store.tickets.resolve(t.id, t.version, **RECORD)

def row(store: Store, ticket_id: int) -> QueueRow:
    (found,) = [r for r in store.queue.find(limit=1000) if r.id == ticket_id]
    return found

def ids(rows: Iterable[QueueRow]) -> list[int]:
    return [r.id for r in rows]

def event_count(store: Store) -> int:
    return store.admin.stats()["events"]
