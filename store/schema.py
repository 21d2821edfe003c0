"""Ordered migrations. The schema version is ``PRAGMA user_version``.

Never edit a released migration: later features add a new function to
MIGRATIONS. Each runs inside the caller's BEGIN IMMEDIATE transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .schema_audit import m0015_audit_whole
from .schema_facts import m0013_report_facts
from .schema_later import (  # the steps from 0006 on
    m0006_callbacks,
    m0007_items,
    m0008_audit_chain,
    m0009_report_indexes,
    m0010_filter_indexes,
    m0011_user_language,
    m0012_held_totals,
    m0014_sign_in_attempts,
)
from .sla import DEFAULT_POLICY

if TYPE_CHECKING:
    import sqlite_utils


def m0001_initial(db: sqlite_utils.Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["sla_policy"].create(
        {"priority": int, "response_min": int, "onsite_min": int, "resolve_min": int},
        pk="priority",
    )
    db["sites"].create(
        {"id": int, "code": str, "name": str, "address": str}, pk="id", not_null={"code", "name"}
    )
    db["sites"].create_index(["code"], unique=True)
    db["teams"].create({"id": int, "name": str, "foreman_id": int}, pk="id", not_null={"name"})
    db["technicians"].create(
        {"id": int, "name": str, "team_id": int, "phone": str, "skills": str, "on_duty": int},
        pk="id",
        not_null={"name", "team_id"},
        foreign_keys=[("team_id", "teams", "id")],
        defaults={"skills": "[]", "on_duty": 1, "phone": ""},
    )
    db["equipment"].create(
        {"id": int, "site_id": int, "asset_tag": str, "category": str, "model": str},
        pk="id",
        not_null={"site_id", "asset_tag", "category"},
        foreign_keys=[("site_id", "sites", "id")],
        defaults={"model": ""},
    )
    db["equipment"].create_index(["asset_tag"], unique=True)
    db["equipment"].create_index(["site_id"])
    db["tickets"].create(
        {
            "id": int,
            "version": int,
            "status": str,
            "priority": int,
            "channel": str,
            "reporter": str,
            "phone": str,
            "site_id": int,
            "equipment_id": int,
            "category": str,
            "description": str,
            "reported_at": str,
            "created_by": str,
            "technician_id": int,
            "first_response_at": str,
            "assigned_at": str,
            "arrived_at": str,
            "arrival_mode": str,
            "resolved_at": str,
            "closed_at": str,
            "cancelled_at": str,
            "wait_reason": str,
            "paused_from": str,
            "symptom": str,
            "cause": str,
            "action": str,
            "parts": str,
            "signoff": str,
            "fee_cents": int,
            "cancel_reason": str,
            "repeat_of": int,
            # Derived SLA fields, recomputed on every write so the queue can be
            # sorted and windowed by an index (docs/rules.md §2).
            "is_open": int,
            "next_clock": str,
            "due_at": str,
            "risk_at": str,
            "frozen_left_s": float,
            "window_s": int,
            "queue_key": str,
            "updated_at": str,
            "updated_by": str,
        },
        pk="id",
        not_null={
            "version", "status", "priority", "channel", "reporter", "site_id", "category",
            "description", "reported_at", "created_by", "is_open", "updated_at", "updated_by",
        },
        defaults={"version": 1, "is_open": 1},
        foreign_keys=[
            ("site_id", "sites", "id"),
            ("equipment_id", "equipment", "id"),
            ("technician_id", "technicians", "id"),
            ("repeat_of", "tickets", "id"),
        ],
    )
    db.execute("CREATE INDEX tickets_queue ON tickets(queue_key) WHERE is_open = 1")
    db.execute("CREATE INDEX tickets_due ON tickets(due_at) WHERE is_open = 1")
    db.execute("CREATE INDEX tickets_risk ON tickets(risk_at) WHERE is_open = 1")
    # Clocks stopped while waiting, for the header counts (covering, so no table reads).
    db.execute(
        "CREATE INDEX tickets_held ON tickets(frozen_left_s, window_s)"
        " WHERE is_open = 1 AND due_at IS NULL AND next_clock IS NOT NULL"
    )
    db.execute("CREATE INDEX tickets_tech_open ON tickets(technician_id, status) WHERE is_open = 1")
    db.execute("CREATE INDEX tickets_equipment ON tickets(equipment_id, resolved_at)")
    db.execute("CREATE INDEX tickets_repeat ON tickets(repeat_of) WHERE repeat_of IS NOT NULL")
    db["pauses"].create(
        {"id": int, "ticket_id": int, "reason": str, "note": str, "started_at": str, "ended_at": str},
        pk="id",
        not_null={"ticket_id", "reason", "started_at"},
        foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db["pauses"].create_index(["ticket_id"])
    db["events"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "entity": str,
            "entity_id": int,
            "ticket_id": int,
            "old": str,
            "new": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "entity"},
    )
    db["events"].create_index(["ticket_id"])
    # The audit log is append-only: the database itself refuses edits.
    db.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    db["sla_policy"].insert_all(
        {
            "priority": p,
            "response_min": pol.response_min,
            "onsite_min": pol.onsite_min,
            "resolve_min": pol.resolve_min,
        }
        for p, pol in DEFAULT_POLICY.items()
    )
    db["settings"].insert_all(
        {"key": k, "value": json.dumps(v)}
        for k, v in {
            "center_name": "Repair Center",
            "timezone": "UTC",
            "repeat_window_days": 30,
            "calendar": {"kind": "24x7"},
        }.items()
    )


def m0002_hold_freezes_overdue(db: sqlite_utils.Database) -> None:
    """A hold now stops a clock even past its deadline (the overdue time is
    frozen): open tickets' stored SLA fields are derived again under that rule.
    (The migrations log, created by ``migrate``, starts with this step.)"""
    from .derive import SLA_FIELDS, derive
    from .sla import Pause, Policy
    from .store import calendar_from
    from .timeutil import from_db

    conn = db.conn
    settings = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM settings")}
    policy = {r[0]: Policy(r[1], r[2], r[3])
              for r in conn.execute("SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy")}
    calendar = calendar_from(settings.get("calendar", {"kind": "24x7"}), settings.get("timezone", "UTC"))
    pauses: dict[int, list[Pause]] = {}
    for tid, start, end in conn.execute(
            "SELECT ticket_id, started_at, ended_at FROM pauses WHERE ticket_id IN"
            " (SELECT id FROM tickets WHERE is_open = 1) ORDER BY started_at"):
        pauses.setdefault(tid, []).append(Pause(from_db(start), from_db(end)))
    cur = conn.execute("SELECT * FROM tickets WHERE is_open = 1")
    names = [d[0] for d in cur.description]
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        d = derive(row, pauses.get(row["id"], []), policy, calendar)
        d = {k: d[k] for k in SLA_FIELDS}  # (the report facts' columns come with 0013)
        conn.execute("UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?", [*d.values(), row["id"]])


def m0003_reference(db: sqlite_utils.Database) -> None:
    """Reference data a center sets up itself: a site's contact, an asset's
    dates, and ``retired`` everywhere (records a ticket refers to are never
    deleted, only retired: hidden from pickers, still named on tickets)."""
    for sql in (
        "ALTER TABLE sites ADD COLUMN contact TEXT DEFAULT ''",
        "ALTER TABLE sites ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE equipment ADD COLUMN installed TEXT",
        "ALTER TABLE equipment ADD COLUMN warranty_until TEXT",
        "ALTER TABLE equipment ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE teams ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE technicians ADD COLUMN retired INTEGER NOT NULL DEFAULT 0",
    ):
        db.execute(sql)


def m0004_users(db: sqlite_utils.Database) -> None:
    """People and roles (README "People, roles and the file"). An upgraded file
    starts with no users: until the first is added, whoever opens it acts as
    its manager, so nothing that worked before stops working."""
    db.execute(
        "CREATE TABLE users ("
        " login TEXT PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " role TEXT NOT NULL CHECK (role IN ('dispatcher', 'foreman', 'manager', 'viewer')),"
        " team_id INTEGER REFERENCES teams(id),"
        " disabled INTEGER NOT NULL DEFAULT 0,"
        " pin_hash TEXT,"
        " created_at TEXT NOT NULL)"
    )
    # Who typed a write made for someone else (a manager using --actor): the
    # event's actor is the person the write is for, entered_by the OS login.
    db.execute("ALTER TABLE events ADD COLUMN entered_by TEXT")


# Separators a phone number is typed with; the index keeps the digits only, so
# "138 0000-0001" and "13800000001" find each other. (A user function would be
# exact, but every connection, the sqlite3 shell included, would need it to
# write a ticket; replace() is built in.)
PHONE_SEPARATORS = (" ", "-", "(", ")", "+", ".", "/", "\t")


def digits_sql(expr: str) -> str:
    """SQL that strips the phone separators from ``expr``."""
    for sep in PHONE_SEPARATORS:
        expr = f"replace({expr}, '{sep}', '')"
    return expr


SEARCH_BACKFILL_BATCH = 50_000  # tickets per INSERT while back-filling: bounded memory on a big file


def m0005_search(db: sqlite_utils.Database) -> None:
    """A trigram full-text index over what a dispatcher searches a ticket by:
    substrings in any script (CJK has no spaces), >= 3 characters. It keeps its
    own copy of the text (not external content): the site name and asset tag
    live in other tables, and a row is then removed by rowid alone. ``state``
    holds "open" while the ticket is open, so the live queue's search reads
    only open matches, not every match in the history."""
    conn = db.conn
    conn.execute(
        "CREATE VIRTUAL TABLE ticket_search USING fts5("
        "description, reporter, site, asset, phone, state, tokenize = 'trigram')"
    )
    row = (
        "{t}.id, {t}.description, {t}.reporter,"
        " (SELECT name FROM sites WHERE id = {t}.site_id),"
        " COALESCE((SELECT asset_tag FROM equipment WHERE id = {t}.equipment_id), ''),"
        " " + digits_sql("COALESCE({t}.phone, '')") + ","
        " CASE WHEN {t}.is_open THEN 'open' ELSE '' END"
    )
    insert = "INSERT INTO ticket_search (rowid, description, reporter, site, asset, phone, state) SELECT "
    # Triggers keep it in step inside the writing transaction. Every write sets
    # is_open (a derived field), so WHEN skips the writes that change nothing
    # here: most steps (respond, assign, arrive…) cost the index nothing.
    conn.execute(
        "CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN "
        + insert + row.format(t="new") + "; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_search_update AFTER UPDATE OF description, reporter, phone, site_id, equipment_id,"
        " is_open ON tickets WHEN old.description IS NOT new.description OR old.reporter IS NOT new.reporter"
        " OR old.phone IS NOT new.phone OR old.site_id IS NOT new.site_id OR old.equipment_id IS NOT new.equipment_id"
        " OR old.is_open IS NOT new.is_open BEGIN DELETE FROM ticket_search WHERE rowid = old.id; "
        + insert + row.format(t="new") + "; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN "
        "DELETE FROM ticket_search WHERE rowid = old.id; END"
    )
    # A renamed site or re-tagged asset is found under its new name.
    conn.execute(
        "CREATE TRIGGER sites_search_rename AFTER UPDATE OF name ON sites BEGIN "
        "UPDATE ticket_search SET site = new.name WHERE rowid IN (SELECT id FROM tickets WHERE site_id = new.id); END"
    )
    conn.execute(
        "CREATE TRIGGER equipment_search_retag AFTER UPDATE OF asset_tag ON equipment BEGIN "
        "UPDATE ticket_search SET asset = new.asset_tag"
        " WHERE rowid IN (SELECT id FROM tickets WHERE equipment_id = new.id); END"
    )
    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
    for start in range(0, top, SEARCH_BACKFILL_BATCH):
        conn.execute(insert + row.format(t="t") + " FROM tickets t WHERE t.id > ? AND t.id <= ?",
                     (start, start + SEARCH_BACKFILL_BATCH))
    # One merged b-tree per term instead of one per batch: faster queries from the start.
    conn.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")


# Named steps, in order; ``PRAGMA user_version`` is how many have run, and the
# ``migrations`` table records each step's name and when it ran.
MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_initial", m0001_initial),
    ("0002_hold_freezes_overdue", m0002_hold_freezes_overdue),
    ("0003_reference", m0003_reference),
    ("0004_users", m0004_users),
    ("0005_search", m0005_search),
    ("0006_callbacks", m0006_callbacks),
    ("0007_items", m0007_items),
    ("0008_audit_chain", m0008_audit_chain),
    ("0009_report_indexes", m0009_report_indexes),
    ("0010_filter_indexes", m0010_filter_indexes),
    ("0011_user_language", m0011_user_language),
    ("0012_held_totals", m0012_held_totals),
    ("0013_report_facts", m0013_report_facts),
    ("0014_sign_in_attempts", m0014_sign_in_attempts),
    ("0015_audit_whole", m0015_audit_whole),
]
SCHEMA_VERSION = len(MIGRATIONS)
