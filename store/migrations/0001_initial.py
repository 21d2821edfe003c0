"""0001_initial: the tables a new file starts with, its SLA policy and settings.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# The SLA policy a new file starts with, in minutes (response, on site,
# resolved) per priority: store/sla.py DEFAULT_POLICY as it was at this step.
POLICY = {1: (15, 60, 240), 2: (30, 120, 480), 3: (60, 240, 1440), 4: (60, 480, 2880)}
SETTINGS = {"center_name": "Repair Center", "timezone": "UTC", "repeat_window_days": 30, "calendar": {"kind": "24x7"}}


def apply(db: sqlite_utils.Database) -> None:
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
        {"priority": p, "response_min": response, "onsite_min": onsite, "resolve_min": resolve}
        for p, (response, onsite, resolve) in POLICY.items()
    )
    db["settings"].insert_all({"key": k, "value": json.dumps(v)} for k, v in SETTINGS.items())
