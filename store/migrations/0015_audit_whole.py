"""0015_audit_whole: the whole file under the audit check (issue 21).

- ``events_no_replace``: ``INSERT OR REPLACE`` (and ``REPLACE``, and an
  upsert) on an event id that exists is refused. REPLACE deletes the old row
  without firing delete triggers (unless recursive_triggers is on), so the
  append-only triggers alone let it rewrite an event.
- ``audit_head``: the last event's id and hash and how many events there are,
  moved by a trigger in the same statement as every append; it only moves
  forward. Events cut from the end of the log leave it ahead of them.

Left to the store, which does them with today's rules after the migrations
(store/upgrade.py), in this order: the open tickets' deadlines and facts under
the policy and calendar in force (``open_deadlines``, as a finished recompute
leaves them: the check holds open tickets to that), then, for a file that has
history already, the baseline event (``audit_baseline``): every audited
table's rows as they are, the stored facts of the tickets closed by then, and
the holds of tickets that came in bulk loads. A new file needs neither.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

GENESIS = "0" * 64  # the "previous hash" of the first event (as in 0008)
EVENTS_NO_REPLACE = ("CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
                     "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) "
                     "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
EVENTS_HEAD = ("CREATE TRIGGER events_head AFTER INSERT ON events "
               "BEGIN UPDATE audit_head SET event_id = NEW.id, hash = NEW.hash, events = events + 1; END")
AUDIT_HEAD_FORWARD = ("CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
                      "WHEN NEW.events <= OLD.events OR NEW.event_id <= OLD.event_id "
                      "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END")
AUDIT_HEAD_KEEP = ("CREATE TRIGGER audit_head_keep BEFORE DELETE ON audit_head "
                   "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END")
TRIGGERS = {"events_no_replace": EVENTS_NO_REPLACE, "events_head": EVENTS_HEAD,
            "audit_head_forward": AUDIT_HEAD_FORWARD, "audit_head_keep": AUDIT_HEAD_KEEP}


def apply(db: sqlite_utils.Database) -> dict[str, Any] | None:
    conn = db.conn
    conn.execute("CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), event_id INTEGER NOT NULL,"
                 " hash TEXT NOT NULL, events INTEGER NOT NULL)")
    last = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    count = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.execute("INSERT INTO audit_head (id, event_id, hash, events) VALUES (1, ?, ?, ?)",
                 (last[0] if last else 0, (last[1] if last else None) or GENESIS, count))
    for sql in TRIGGERS.values():
        conn.execute(sql)  # from here on the baseline event, when it is appended, moves the head
    todo = []
    if conn.execute("SELECT 1 FROM tickets WHERE is_open = 1 LIMIT 1").fetchone() is not None:
        todo.append("open_deadlines")
    if last is not None:
        todo.append("audit_baseline")
    return {"todo": todo} if todo else None
