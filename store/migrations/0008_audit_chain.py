"""0008_audit_chain: tamper-evident history, each event chained to the one before.

Every event gets ``prev`` (the hash of the event before it) and ``hash`` (over
``prev`` and its content), chained in id order from the first event. The
append-only triggers come off only for the back-fill, inside this step's
transaction, and go back exactly as they were. Tickets already there with no
history of their own (bulk loads before this step) are recorded as one
baseline event, so the check can tell them from tickets slipped in later.

The hash and the digest are copied here as they were at this step (store/audit.py
``link`` and ``RowDigest``): they are the file's format, which the check reads.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

GENESIS = "0" * 64  # the "previous hash" of the first event
# The columns an event's hash covers, in this order (the id is not: ``prev`` ties the order).
FIELDS = ("at", "actor", "entered_by", "action", "entity", "entity_id", "ticket_id", "old", "new")
# Ticket columns the store keeps for itself (derived SLA fields, bookkeeping): not history, not in the digest.
BOOKKEEPING = frozenset({"version", "updated_at", "updated_by", "is_open", "next_clock", "due_at", "risk_at",
                         "frozen_left_s", "window_s", "queue_key"})
EVENTS_NO_UPDATE = ("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
EVENTS_NO_DELETE = ("CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
BACKFILL_BATCH = 5000
_NOW = "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


def link(prev: str, values: Sequence[Any]) -> str:
    """The hash of an event (its FIELDS, in order) that follows the event hashed ``prev``."""
    text = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + text).encode("utf-8", "surrogatepass")).hexdigest()


def apply(db: sqlite_utils.Database) -> None:
    conn = db.conn
    conn.execute("ALTER TABLE events ADD COLUMN prev TEXT")
    conn.execute("ALTER TABLE events ADD COLUMN hash TEXT")
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
    prev, last_id = GENESIS, 0
    while True:
        rows = conn.execute(f"SELECT id, {', '.join(FIELDS)} FROM events WHERE id > ? ORDER BY id LIMIT ?",
                            (last_id, BACKFILL_BATCH)).fetchall()
        if not rows:
            break
        updates = []
        for r in rows:
            h = link(prev, tuple(r[1:]))
            updates.append((prev, h, r[0]))
            prev = h
        conn.executemany("UPDATE events SET prev = ?, hash = ? WHERE id = ?", updates)
        last_id = rows[-1][0]
    conn.execute(EVENTS_NO_UPDATE)
    conn.execute(EVENTS_NO_DELETE)
    _baseline(conn, prev)


def _baseline(conn: sqlite3.Connection, prev: str) -> None:
    """Tickets without a ``ticket.create`` (earlier bulk loads), recorded as
    they are now: their ids and one digest over their history's columns."""
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM tickets WHERE id NOT IN"
        " (SELECT ticket_id FROM events WHERE action = 'ticket.create' AND ticket_id IS NOT NULL) ORDER BY id")]
    if not ids:
        return
    columns = sorted({r[1] for r in conn.execute("PRAGMA table_info(tickets)")} - BOOKKEEPING | {"version"})
    digest, count, wanted = hashlib.sha256(), 0, set(ids)
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode
    for r in conn.execute(f"SELECT {', '.join(columns)} FROM tickets WHERE id BETWEEN ? AND ? ORDER BY id",
                          (ids[0], ids[-1])):
        if r[columns.index("id")] in wanted:
            digest.update(encode(list(r)).encode("utf-8", "surrogatepass") + b"\n")
            count += 1
    note = {"first": ids[0], "last": ids[-1], "count": count, "sha256": digest.hexdigest(), "columns": columns}
    at = conn.execute(_NOW).fetchone()[0]
    values = (at, "dispatch", None, "audit.baseline", "database", None, None, "{}",
              json.dumps({"tickets_loaded": note}, ensure_ascii=False))
    conn.execute(f"INSERT INTO events ({', '.join(FIELDS)}, prev, hash) VALUES ({', '.join('?' * (len(FIELDS) + 2))})",
                 (*values, prev, link(prev, values)))
