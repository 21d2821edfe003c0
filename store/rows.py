"""SQL fragments shared by the repositories, and rows turned into models."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

from .models import Event, QueueRow, Technician, Ticket
from .timeutil import from_db

TICKET_SELECT = """
SELECT t.*, s.name AS site_name, e.asset_tag AS equipment_tag, tech.name AS technician_name
FROM tickets t
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
"""
QUEUE_COLUMNS = """
t.id, t.version, t.priority, t.status, t.arrival_mode, s.name AS site_name,
e.asset_tag AS equipment_tag, substr(t.description, 1, 160) AS description,
tech.name AS technician_name, t.repeat_of, t.next_clock, t.due_at, t.risk_at,
t.frozen_left_s, t.window_s, t.technician_id, t.first_response_at IS NOT NULL AS responded, t.reporter,
(SELECT MAX(x.level) FROM escalations x WHERE x.ticket_id = t.id AND x.acknowledged_at IS NULL) AS esc_level
"""
QUEUE_JOINS = """
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
"""
QUEUE_FROM = "FROM tickets t" + QUEUE_JOINS
TIME_FIELDS = (
    "reported_at", "first_response_at", "assigned_at", "arrived_at", "resolved_at",
    "closed_at", "cancelled_at", "updated_at", "invoice_at", "invoice_checked_at",
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _technician(r: sqlite3.Row) -> Technician:
    d = dict(r)
    d["skills"] = tuple(json.loads(d.get("skills") or "[]"))
    d["on_duty"] = bool(d["on_duty"])
    return Technician(**d)


def _ticket(r: sqlite3.Row) -> Ticket:
    d = dict(r)
    for k in TIME_FIELDS:
        d[k] = from_db(d.get(k))
    fee = d.pop("fee_cents", None)
    d["fee"] = None if fee is None else Decimal(fee) / 100
    proposed = d.pop("fee_proposed_cents", None)
    d["fee_proposed"] = None if proposed is None else Decimal(proposed) / 100
    d["fee_items"] = tuple(json.loads(d.get("fee_items") or "[]"))
    fields = Ticket.model_fields  # once: pydantic works the property out anew on every access (60 a ticket)
    return Ticket(**{k: v for k, v in d.items() if k in fields})


_QUEUE_FIELDS = tuple(QueueRow.model_fields)
# What pydantic's model_construct does for a model with no aliases, defaults
# left out, extras, private attributes or post-init (checked here once):
# the values as its __dict__. model_construct walks every field's aliases
# and defaults for each row, 70 % of building a window of 150 queue rows
# (2.3 of 3.1 ms CPU), the largest part of a poll after a change (issue 28).
_PLAIN = not (
    QueueRow.__pydantic_post_init__
    or QueueRow.__private_attributes__
    or QueueRow.model_config.get("extra") == "allow"
    or any(f.alias is not None or f.validation_alias is not None for f in QueueRow.model_fields.values())
)
_set = object.__setattr__


# Rows built before, by their columns' values: a poll after another console's
# write reads its window of ~150 rows again, of which one changed; the others
# come back as they were (QueueRow is frozen: shared safely). Emptied when
# full: a window is rebuilt once, and the memory stays bounded.
_BUILT: dict[tuple[Any, ...], QueueRow] = {}
_BUILT_MAX = 1024


def _queue_row(r: sqlite3.Row) -> QueueRow:
    key = tuple(r)
    built = _BUILT.get(key)
    if built is None:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        built = _BUILT[key] = _build_queue_row(r)
    return built


def _build_queue_row(r: sqlite3.Row) -> QueueRow:
    d = dict(r)
    due, risk = from_db(d["due_at"]), from_db(d["risk_at"])
    d.update(due_at=due, risk_at=risk, due_ts=due.timestamp() if due else None,
             risk_ts=risk.timestamp() if risk else None)
    if not _PLAIN or len(d) != len(_QUEUE_FIELDS):
        return QueueRow.model_construct(**d)
    row = QueueRow.__new__(QueueRow)
    _set(row, "__dict__", {k: d[k] for k in _QUEUE_FIELDS})  # in the fields' order, as model_construct
    _set(row, "__pydantic_fields_set__", set(_QUEUE_FIELDS))
    _set(row, "__pydantic_extra__", None)
    _set(row, "__pydantic_private__", None)
    return row


def _event_model(r: sqlite3.Row) -> Event:
    d = dict(r)
    return Event(
        id=d["id"], at=from_db(d["at"]), actor=d["actor"], action=d["action"],
        ticket_id=d["ticket_id"], old=json.loads(d["old"] or "{}"), new=json.loads(d["new"] or "{}"),
        entered_by=d.get("entered_by"),
    )
