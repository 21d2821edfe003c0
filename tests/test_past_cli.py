"""Issue 27 from the shell: ``dispatch queue --at TIME`` and ``--before
EVENT`` print the queue as it stood (table with PAST, JSON with the values),
``dispatch snapshot`` keeps the snapshots and ``dispatch check`` names a
hand-edited one; bad input is one line."""

from __future__ import annotations

import json
import sqlite3

from cli_helpers import invoke, ok, one_line_error
from ticket_helpers import make

from store import Store


def _history(store: Store, clock) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    store.actor = "bob"
    a = make(store, priority=2, description="printer jams")
    clock.advance(minutes=10)
    b = make(store, priority=1, description="ATM down")
    clock.advance(minutes=10)
    store.tickets.assign(b.id, store.tickets.ticket(b.id).version, technician_id=1)
    clock.advance(minutes=10)
    store.tickets.cancel(a.id, store.tickets.ticket(a.id).version, reason="duplicate")
    clock.advance(minutes=10)
    return a.id, b.id


def test_queue_at_a_past_time_and_just_before_an_assign(store: Store, clock, db_path) -> None:  # type: ignore[no-untyped-def]
    a, b = _history(store, clock)
    tz = store.settings.timezone
    at = clock.now.subtract(minutes=25).in_timezone(tz).format("YYYY-MM-DD HH:mm")
    data = json.loads(ok(str(db_path), "queue", "--at", at, "--format", "json"))
    assert data["past"] is True and [t["id"] for t in data["tickets"]] == [b, a]
    assert data["counts"]["open"] == 2 and data["counts"]["unassigned"] == 2
    text = ok(str(db_path), "queue", "--at", at)
    assert text.startswith("PAST ") and "printer jams" in text
    before = json.loads(ok(str(db_path), "queue", "--before", f"{b}:assign", "--format", "json"))
    assert before["before_event"]["action"] == "ticket.assign" and before["before_event"]["ticket_id"] == b
    assert [t["technician"] for t in before["tickets"]] == [None, None]  # not yet assigned: what bob saw
    after = json.loads(ok(str(db_path), "queue", "--format", "json"))
    now = json.loads(ok(str(db_path), "queue", "--at", clock.now.in_timezone(tz).format("YYYY-MM-DD HH:mm"),
                        "--format", "json"))
    assert [t["id"] for t in now["tickets"]] == [t["id"] for t in after["tickets"]] == [b]


def test_bad_input_is_one_line(store: Store, clock, db_path) -> None:  # type: ignore[no-untyped-def]
    _history(store, clock)
    db = str(db_path)
    one_line_error(invoke(db, "queue", "--at", "2099-01-01 10:00"), "has not come yet")
    one_line_error(invoke(db, "queue", "--at", "soon"), "--at")
    one_line_error(invoke(db, "queue", "--before", "assign"), "TICKET:ACTION")
    one_line_error(invoke(db, "queue", "--before", "1:resolve"), "ticket #1 has 0 ticket.resolve events")
    one_line_error(invoke(db, "queue", "--before", "99999"), "No event 99999")
    one_line_error(invoke(db, "queue", "--at", "10:00", "--status", "new"), "do not apply")


def test_snapshot_then_check_names_a_hand_edited_row(store: Store, clock, db_path) -> None:  # type: ignore[no-untyped-def]
    _history(store, clock)
    store.actor = "ann"
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30",
                                            "weekdays": [1, 2, 3, 4, 5]})
    clock.advance(minutes=5)
    make(store, priority=3, description="after the change")
    db = str(db_path)
    assert "queue snapshot" in ok(db, "snapshot")
    conn = sqlite3.connect(db)
    sid, tid = conn.execute("SELECT snapshot_id, ticket_id FROM queue_snapshot_rows ORDER BY snapshot_id DESC LIMIT 1").fetchone()
    conn.execute("UPDATE queue_snapshot_rows SET due_at = '2020-01-01T00:00:00Z' WHERE snapshot_id = ? AND ticket_id = ?",
                 (sid, tid))
    conn.commit()
    conn.close()
    result = invoke(db, "check")
    assert result.exit_code == 2 and f"queue snapshot {sid} " in result.stderr and f"ticket #{tid} " in result.stderr
