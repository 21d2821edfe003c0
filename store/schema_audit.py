"""Migration 0015: the whole file under the audit check (issue 21).

- ``events_no_replace``: ``INSERT OR REPLACE`` (and ``REPLACE``, and an
  upsert) on an event id that exists is refused. REPLACE deletes the old row
  without firing delete triggers (unless recursive_triggers is on), so the
  append-only triggers alone let it rewrite an event.
- ``audit_head``: the last event's id and hash and how many events there are,
  moved by a trigger in the same statement as every append; it only moves
  forward. Events cut from the end of the log leave it ahead of them.
- A baseline event (``audit.baseline``) for a file that has history already:
  every audited table's rows as they are (store/ledger.py replays them from
  here on), the stored facts of the tickets closed by now, and the holds of
  tickets that came in bulk loads. A new file needs none: it starts as
  migration 0001 makes it.

Never edit a released step: a later feature adds a new one."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

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


def m0015_audit_whole(db: sqlite_utils.Database) -> None:
    from .audit import GENESIS
    from .database import append_events
    from .ledger import TABLES
    from .repo.audit_facts import facts_note
    from .repo.audit_tables import rows_loaded
    from .repo.audit_tickets import PAUSE_COLUMNS

    conn = db.conn
    _current_open(conn)
    conn.execute("CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), event_id INTEGER NOT NULL,"
                 " hash TEXT NOT NULL, events INTEGER NOT NULL)")
    if conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None:
        from . import audit

        holds = audit.RowDigest(PAUSE_COLUMNS)
        for r in conn.execute(
                f"SELECT {', '.join(PAUSE_COLUMNS)} FROM pauses WHERE ticket_id NOT IN (SELECT ticket_id FROM events"
                " WHERE action = 'ticket.create' AND ticket_id IS NOT NULL) ORDER BY ticket_id, id"):
            holds.add(dict(zip(PAUSE_COLUMNS, r, strict=True)))
        note = {"rows_loaded": rows_loaded(conn, dict.fromkeys(TABLES)), "facts": facts_note(conn),
                "pauses_loaded": {"count": holds.count, "sha256": holds.hexdigest()}}
        at = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')").fetchone()[0]
        append_events(conn, [{"at": at, "actor": "dispatch", "entered_by": None, "action": "audit.baseline",
                              "entity": "database", "entity_id": None, "ticket_id": None, "old": "{}",
                              "new": json.dumps(note, ensure_ascii=False)}])
    last = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    count = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    conn.execute("INSERT INTO audit_head (id, event_id, hash, events) VALUES (1, ?, ?, ?)",
                 (last[0] if last else 0, (last[1] if last else None) or GENESIS, count))
    for sql in TRIGGERS.values():
        conn.execute(sql)


REDERIVE_BATCH = 5000


def _current_open(conn: sqlite3.Connection) -> None:
    """Open tickets' stored facts under the policy and calendar in force now,
    as a finished recompute leaves them (the check holds them to that): those
    that differ are written again, in batches by id, and a pending recompute
    is done with. Closed tickets keep theirs (the baseline records them)."""
    from .derive import derive
    from .sla import Pause, Policy
    from .store import calendar_from
    from .timeutil import from_db

    settings = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
    policy = {r[0]: Policy(r[1], r[2], r[3])
              for r in conn.execute("SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy")}
    calendar = calendar_from(settings.get("calendar", {"kind": "24x7"}), settings.get("timezone", "UTC"))
    after = 0
    while True:
        cur = conn.execute("SELECT * FROM tickets WHERE is_open = 1 AND id > ? ORDER BY id LIMIT ?", (after, REDERIVE_BATCH))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if not rows:
            break
        pauses: dict[int, list[Pause]] = {}
        for tid, start, end in conn.execute("SELECT ticket_id, started_at, ended_at FROM pauses WHERE ticket_id BETWEEN ? AND ?"
                                            " ORDER BY started_at", (rows[0]["id"], rows[-1]["id"])):
            pauses.setdefault(tid, []).append(Pause(from_db(start), from_db(end)))
        for row in rows:
            d = derive(row, pauses.get(row["id"], []), policy, calendar)
            if any(row[k] != v for k, v in d.items()):
                conn.execute("UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?", [*d.values(), row["id"]])
        after = rows[-1]["id"]
    conn.execute("DELETE FROM settings WHERE key = 'recompute_pending'")
