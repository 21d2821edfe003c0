"""The demo's audit log is the store's own: replaying it gives the tickets.

The demo is built through the Store's public methods on a moving clock, so
each ticket row must be exactly what its events say, step by step: every
event's ``old`` is the state the history had reached, its ``new`` changes
only what it names, each step is one the lifecycle rules allow, and folding
the ``new`` values from ``ticket.create`` on gives the row."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from conftest import NOW as BUILT_AT

from demo_data.tables import DISPATCHERS
from store import Store
from store.rules.lifecycle import allowed_actions
from store.rules.replay import REMARKS, differences, public, replay
from store.timeutil import fixed_clock

NOW = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
assert NOW == BUILT_AT  # the session demo is built at this instant
INVOICE_ACTIONS = ("ticket.invoice", "ticket.invoice_check")
ACTION = {"ticket.assign": "assign", "ticket.reassign": "assign", "ticket.respond": "respond",
          "ticket.arrive": "arrive", "ticket.pause": "hold", "ticket.resume": "resume",
          "ticket.resolve": "resolve", "ticket.close": "close", "ticket.cancel": "cancel"}


@pytest.fixture
def demo(demo_copy: Callable[[], Path]) -> Iterator[Store]:
    """A copy of the session's demo: seed 7 built at NOW by ``generate_demo`` (conftest's ``demo_build``)."""
    store = Store(demo_copy(), clock=fixed_clock(NOW), actor="demo")
    yield store
    store.close()


def _history(store: Store) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for r in store.db.q(
            "SELECT * FROM events WHERE entity = 'ticket' ORDER BY ticket_id, id"):
        e = dict(r)
        e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
        out.setdefault(e["ticket_id"], []).append(e)
    return out


def test_every_ticket_row_is_its_history_replayed(demo: Store) -> None:
    history = _history(demo)
    rows = [dict(r) for r in demo.db.q("SELECT * FROM tickets ORDER BY id")]
    assert len(rows) == len(history) > 1000
    for row in rows:
        events = history[row["id"]]
        create, changes = events[0], events[1:]
        assert create["action"] == "ticket.create", row["id"]
        state = dict(create["new"])
        for e in changes:
            where = (row["id"], e["id"], e["action"])
            # A step the rules allow from where the history stood (an invoice: on a ticket closed with a fee).
            if e["action"] in INVOICE_ACTIONS:
                assert state["status"] == "closed" and state.get("fee_cents"), where
            else:
                assert ACTION[e["action"]] in allowed_actions(
                    state["status"], state.get("technician_id"), state.get("first_response_at") is not None), where
            # Its old values are the history so far, and it names exactly what it changes.
            assert set(e["old"]) == set(e["new"]) - REMARKS, where
            for key, was in e["old"].items():
                assert state.get(key) == was != e["new"][key], (*where, key)
            state.update({k: v for k, v in e["new"].items() if k not in REMARKS})
        # The store's replay (what 'dispatch check' runs) agrees with this step-by-step one.
        assert replay(events) == state, row["id"]
        assert differences(row, events) == [], row["id"]
        pub = public(row)
        assert {k: state.get(k) for k in pub} == pub, row["id"]
        assert set(state) <= set(pub), row["id"]
        # The store's bookkeeping agrees: one version per write, the last writer and instant.
        assert row["version"] == len(events)
        assert (row["updated_at"], row["updated_by"]) == (events[-1]["at"], events[-1]["actor"])
        assert (row["reported_at"], row["created_by"]) == (create["at"], create["actor"])


def test_history_is_in_time_order_by_dispatchers(demo: Store) -> None:
    events = [dict(r) for r in demo.db.q("SELECT id, at, actor, entity, action FROM events ORDER BY id")]
    times = [e["at"] for e in events]
    assert times == sorted(times)  # the build's clock only moved forward
    assert max(times) <= "2026-11-25T09:00:00Z"
    assert {e["actor"] for e in events if e["entity"] == "ticket"} == set(DISPATCHERS)
    # No ticket, pause or event was written in bulk: the one load is the reference data.
    assert [e["action"] for e in events if e["entity"] == "database"] == ["demo.reference"]


def test_pauses_are_the_hold_and_resume_steps(demo: Store) -> None:
    history = _history(demo)
    expected: list[tuple[int, str, str, str | None]] = []
    for tid, events in history.items():
        for e in events:
            if e["action"] == "ticket.pause":
                expected.append((tid, e["new"]["wait_reason"], e["at"], None))
            elif e["action"] in ("ticket.resume", "ticket.cancel") and e["old"].get("status") == "waiting":
                expected[-1] = (*expected[-1][:3], e["at"])
    pauses = [tuple(r) for r in demo.db.q(
        "SELECT ticket_id, reason, started_at, ended_at FROM pauses ORDER BY ticket_id, started_at")]
    assert pauses == sorted(expected) and len(pauses) > 50


def assert_tickets_replay(store: Store) -> int:
    """Every ticket row equals the replay of its audit events, and the audit
    chain is intact (the store's own check, as `dispatch check` runs it; also
    used by tests/test_stress.py on a file many killed processes wrote).
    Returns how many tickets it checked."""
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:10]
    return report.tickets
