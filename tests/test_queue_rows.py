"""The queue's rows are built without pydantic's model_construct (store/rows.py
``_queue_row``: 70 % of a window's CPU went to it, issue 28): each row must be
the very model model_construct gives, field for field, in the same order,
with the same fields set, for tickets with and without deadlines, technician,
asset or escalation."""

from __future__ import annotations

from ticket_helpers import make

from store import QueueFilter, Store
from store.models import QueueRow
from store.rows import QUEUE_COLUMNS, QUEUE_JOINS, _queue_row
from store.timeutil import from_db


def test_a_queue_row_is_what_model_construct_gives(store: Store) -> None:
    made = [make(store, priority=1 + i % 4) for i in range(6)]
    store.tickets.assign(made[0].id, made[0].version, technician_id=1)
    held = store.tickets.ticket(made[1].id)
    store.tickets.hold(held.id, held.version, reason="customer")
    rows = store.db.q(f"SELECT {QUEUE_COLUMNS} FROM tickets t {QUEUE_JOINS} WHERE t.is_open = 1")
    assert len(rows) >= 6
    for r in rows:
        d = dict(r)
        due, risk = from_db(d["due_at"]), from_db(d["risk_at"])
        d.update(due_at=due, risk_at=risk, due_ts=due.timestamp() if due else None, risk_ts=risk.timestamp() if risk else None)
        expected = QueueRow.model_construct(**d)
        got = _queue_row(r)
        assert type(got) is QueueRow
        assert got == expected and repr(got) == repr(expected)
        assert list(got.__dict__) == list(expected.__dict__)
        assert got.__pydantic_fields_set__ == expected.__pydantic_fields_set__
        assert got.__pydantic_extra__ is None and got.__pydantic_private__ is None
        assert got.model_copy(update={"priority": 9}).priority == 9 and hash(got) == hash(expected)
    # And through the queue's own window.
    assert {r.id for r in store.queue.find(QueueFilter(), 0, 100)} == {r["id"] for r in rows}
