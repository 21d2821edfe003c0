"""Every audited table besides tickets is its events replayed (README "A
history nobody can quietly rewrite"): users, sites, equipment, teams,
technicians, the SLA policy, the settings (calendar and holidays included),
the callback plans and callbacks, the self-evaluations, the improvement items
and the complaints. Tickets and their holds are store/rules/replay.py's.

Each event becomes *effects* on table rows (a row created, columns changed
from ``old`` to ``new``, a row deleted). The check starts from a row as it is
now and undoes the effects after the row's reference point, newest first: each
effect's ``new`` must be what the row holds at that point, and its ``old`` is
what the row held before. What is left must be the reference: nothing (the row
was created by an event), the row as a bulk load or an upgrade recorded it
(``rows_loaded``), or as a new file starts (``genesis``).

Events name columns by their column names. Columns an event shows nobody
(bookkeeping such as ``logged_at``) ride in a ``row`` key, which the timeline
hides. Pure: no SQL here."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Entity names in events -> the table they live in.
ENTITY_TABLE = {
    "site": "sites", "equipment": "equipment", "team": "teams", "technician": "technicians", "user": "users",
    "setting": "settings", "sla_policy": "sla_policy", "callback_plan": "callback_plans", "callback": "callbacks",
    "self_evaluation": "self_evaluations", "item": "improvement_items", "complaint": "complaints",
    "escalation": "escalations", "outbox": "outbox", "due_notice": "due_notices", "part": "parts",
    "stock_move": "stock_moves", "inspection_plan": "inspection_plans", "inspection_visit": "inspection_visits",
    "inspection_result": "inspection_results", "inspection_finding": "inspection_findings",
    "inspection_notice": "inspection_notices",
    "handover_note": "handover_notes", "handover_seen": "handover_seen",
}
# Each table's key column, in check order.
TABLES = {
    "settings": "key", "sla_policy": "priority", "teams": "id", "technicians": "id", "sites": "id",
    "equipment": "id", "users": "login", "callback_plans": "id", "callbacks": "id", "self_evaluations": "id",
    "improvement_items": "id", "complaints": "id", "escalations": "id", "outbox": "id", "due_notices": "id",
    "parts": "id", "stock_locations": "id", "stock_lots": "id", "stock_moves": "id",
    "inspection_plans": "id", "inspection_visits": "id", "inspection_results": "id", "inspection_findings": "id",
    "inspection_notices": "id",
    "handover_notes": "id", "handover_seen": "id",
}
# Rows and columns the store keeps for itself, with no event (a recompute's marker).
BOOKKEEPING = {("settings", "recompute_pending")}
# Tables whose rows count their changes (an optimistic version, 1 when created).
VERSIONED = frozenset({"improvement_items", "complaints", "parts", "inspection_plans"})
# Up to this many rows a load records them whole (a change is then named to the
# field); above it one digest over them.
WHOLE_ROWS = 2000


class _Unknown:
    """A value an event did not record (a write path that forgot an ``old``):
    it matches anything, so it never raises a false alarm, and a digest over
    it no longer matches, so it is never silently accepted either."""

    def __repr__(self) -> str:
        return "?"


UNKNOWN: Any = _Unknown()


def pin_mark(pin_hash: str | None) -> str | None:
    """What the audit may say of a stored PIN hash: whether there is one and
    which (a digest of the salted hash: no way back to the PIN, and no salt to
    try PINs against). Base32, so letters and 2-7 only."""
    if pin_hash is None:
        return None
    return "b32:" + base64.b32encode(hashlib.sha256(pin_hash.encode("utf-8", "surrogatepass")).digest()).decode()[:52].lower()


def normal(value: Any) -> Any:
    """A stored value and an event's value compare alike: JSON true is 1."""
    return int(value) if isinstance(value, bool) else value


def normal_row(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as read from the file, in the form effects speak of."""
    out = {k: normal(v) for k, v in row.items()}
    if table == "users" and "pin_hash" in out:
        out["pin_hash"] = pin_mark(out["pin_hash"])
    if table == "settings":
        try:
            out["value"] = json.loads(out["value"])
        except (TypeError, ValueError):
            pass  # not JSON: it then differs from any value an event recorded
    return out


def same(has: Any, want: Any) -> bool:
    if has is UNKNOWN or want is UNKNOWN:
        return True
    if want == "set" and isinstance(has, str) and has.startswith("b32:"):
        return True  # a PIN set before its digest was recorded
    return bool(normal(has) == normal(want))


@dataclass
class Effect:
    event: int
    action: str
    table: str
    key: Any
    kind: str  # "create" | "update" | "delete"
    new: dict[str, Any]  # create: the whole row; update: the columns set
    old: dict[str, Any] = field(default_factory=dict)  # update: those columns before; delete: the whole row
    bump: bool = False  # the row's version went up by one


Schema = Mapping[str, Mapping[str, Any]]  # table -> {column: default value}


def _columns(table: str, values: Mapping[str, Any], schema: Schema) -> dict[str, Any]:
    """The values that are columns of ``table`` (and those in ``row``)."""
    cols = schema[table]
    out = {k: normal(v) for k, v in values.items() if k in cols and k != "row"}
    out.update({k: normal(v) for k, v in (values.get("row") or {}).items() if k in cols})
    return out


def _created(table: str, schema: Schema, *parts: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(schema[table])  # the defaults
    for p in parts:
        row.update(p)
    return row


def _update(e: Mapping[str, Any], table: str, key: Any, schema: Schema, bump: bool = False) -> Effect:
    new = _columns(table, e["new"], schema)
    old = _columns(table, e["old"], schema)
    for k in new:
        old.setdefault(k, UNKNOWN)
    return Effect(e["id"], e["action"], table, key, "update", new, {k: old[k] for k in new}, bump)


def effects(e: Mapping[str, Any], schema: Schema) -> list[Effect]:
    """What one event did to the tables (``old``/``new`` already parsed)."""
    table = ENTITY_TABLE.get(e["entity"])
    if table is None or table not in schema:
        return []
    action, new, old = e["action"], e["new"] or {}, e["old"] or {}
    e = {**e, "new": new, "old": old}
    if table == "users":
        return _user(e, schema)
    if table == "settings":
        return _setting(e)
    if table == "sla_policy":
        row = dict(zip(("response_min", "onsite_min", "resolve_min"), new.get("policy") or (), strict=False))
        before = old.get("policy")
        if before is None:
            return [Effect(e["id"], action, table, e["entity_id"], "create",
                           _created(table, schema, {"priority": e["entity_id"]}, row))]
        return [Effect(e["id"], action, table, e["entity_id"], "update", row, {k: before.get(k, UNKNOWN) for k in row})]
    if table == "callback_plans":
        return _plan(e, schema) if action == "callback.plan" else []
    if action == "notify.queue":  # a message set off by a change recorded in its own event (an assignment)
        return _queued(e, schema)
    if action == "escalation.fire":
        # The record, and the messages it put in the outbox in the same write (``new["outbox"]``, whole rows).
        return [Effect(e["id"], action, table, e["entity_id"], "create", _created(
            table, schema, _columns(table, new, schema), {"id": e["entity_id"], "ticket_id": e["ticket_id"]})),
            *_queued(e, schema)]
    if action in ("notify.due", "inspection.notice"):  # an item or complaint step fallen due, told to its owner (store/repo/due_notices.py)
        return [Effect(e["id"], action, table, e["entity_id"], "create", _created(
            table, schema, _columns(table, new, schema), {"id": e["entity_id"]})), *_queued(e, schema)]
    if table == "stock_moves":
        return _stock(e, schema)
    key = e["entity_id"]
    if action in ("site.add", "part.add", "equipment.add", "team.add", "technician.add", "inspection.plan_add",
                  "inspection.visit", "inspection.record", "inspection.repair", "self.handover_note", "self.handover_seen"):
        return [Effect(e["id"], action, table, key, "create", _created(table, schema, _columns(table, new, schema), {"id": key}))]
    if action == "evaluation.self":
        return [Effect(e["id"], action, table, key, "create", _created(
            table, schema, _columns(table, new, schema), {"id": key, "ticket_id": e["ticket_id"], "at": e["at"]}))]
    if action == "item.open":
        return [Effect(e["id"], action, table, key, "create", _created(
            table, schema, _columns(table, new, schema), {"id": key, "ticket_id": e["ticket_id"], "opened_at": e["at"]}))]
    if action == "complaint.add":
        return [Effect(e["id"], action, table, key, "create", _created(
            table, schema, _columns(table, new, schema), {"id": key, "ticket_id": e["ticket_id"], "registered_by": e["actor"]}))]
    return [_update(e, table, key, schema, bump=table in VERSIONED)]


def _queued(e: Mapping[str, Any], schema: Schema) -> list[Effect]:
    """The outbox rows an event put in, recorded whole in its ``new["outbox"]``."""
    if "outbox" not in schema:
        return []
    return [Effect(e["id"], e["action"], "outbox", row["id"], "create", _created("outbox", schema, _columns("outbox", row, schema)))
            for row in e["new"].get("outbox") or ()]


def _stock(e: Mapping[str, Any], schema: Schema) -> list[Effect]:
    """A stock step (store/repo/parts.py): the movement row, the locations it
    made and the lots it created, whole; the lots it changed, from ``old["lots"]``."""
    if not {"stock_lots", "stock_locations"} <= set(schema):
        return []
    new, old = e["new"], e["old"]
    out = [Effect(e["id"], e["action"], "stock_moves", e["entity_id"], "create",
                  _created("stock_moves", schema, _columns("stock_moves", new.get("move") or {}, schema)))]
    for row in new.get("locations") or ():
        out.append(Effect(e["id"], e["action"], "stock_locations", row["id"], "create",
                          _created("stock_locations", schema, _columns("stock_locations", row, schema))))
    before = {r["id"]: r for r in old.get("lots") or ()}
    for row in new.get("lots") or ():
        if row["id"] in before:
            changed = {k: normal(row[k]) for k in ("remaining", "quantity")}
            out.append(Effect(e["id"], e["action"], "stock_lots", row["id"], "update", changed,
                              {k: normal(before[row["id"]].get(k, UNKNOWN)) for k in changed}))
        else:
            out.append(Effect(e["id"], e["action"], "stock_lots", row["id"], "create",
                              _created("stock_lots", schema, _columns("stock_lots", row, schema))))
    return [*out, *_queued(e, schema)]  # the store keeper's low-stock message, if the step sent one


def _user(e: Mapping[str, Any], schema: Schema) -> list[Effect]:
    new, old = e["new"], e["old"]
    login = new.get("login", old.get("login"))
    if login is None:
        return []
    mark = new.get("row", {}).get("pin_hash", "set" if new.get("pin") in (True, "set") else None)
    if e["action"] == "user.add":
        return [Effect(e["id"], e["action"], "users", login, "create", _created(
            "users", schema, {"created_at": e["at"]}, _columns("users", new, schema), {"pin_hash": mark}))]
    effect = _update(e, "users", login, schema)
    effect.new.pop("login", None)
    effect.old.pop("login", None)
    if "pin" in new:
        effect.new["pin_hash"] = mark
        effect.old["pin_hash"] = old.get("row", {}).get("pin_hash", UNKNOWN)
    return [effect]


def _setting(e: Mapping[str, Any]) -> list[Effect]:
    new, old = e["new"], e["old"]
    keys = ["demo"] if e["action"] == "settings.demo" else [k for k in new if k != "row"]
    out = []
    for k in keys:
        if ("settings", k) in BOOKKEEPING:
            continue
        value = True if e["action"] == "settings.demo" else new[k]
        if old.get(k) is None:
            out.append(Effect(e["id"], e["action"], "settings", k, "create", {"key": k, "value": value}))
        else:
            out.append(Effect(e["id"], e["action"], "settings", k, "update", {"value": value}, {"value": old[k]}))
    return out


def _plan(e: Mapping[str, Any], schema: Schema) -> list[Effect]:
    """A day's plan: the plan row and its callbacks; planned again, the
    earlier plan and its callbacks go (``old`` carries them whole)."""
    new, old, out = e["new"], e["old"], []
    for call in old.get("calls") or ():
        out.append(Effect(e["id"], e["action"], "callbacks", call["id"], "delete", {}, {k: normal(v) for k, v in call.items()}))
    if old.get("plan"):
        out.append(Effect(e["id"], e["action"], "callback_plans", old["plan"]["id"], "delete", {},
                          {k: normal(v) for k, v in old["plan"].items()}))
    out.append(Effect(e["id"], e["action"], "callback_plans", e["entity_id"], "create", _created(
        "callback_plans", schema, {"id": e["entity_id"], "planned_by": e["actor"], "planned_at": e["at"],
                                   "manager_share": new.get("manager_share", UNKNOWN)},
        _columns("callback_plans", new, schema))))
    for call in new.get("calls") or ():
        out.append(Effect(e["id"], e["action"], "callbacks", call["id"], "create", _created(
            "callbacks", schema, {"plan_id": e["entity_id"], "closed_day": new.get("closed_day"),
                                  "due_day": new.get("call_day")}, _columns("callbacks", call, schema))))
    return out


@dataclass
class Unwound:
    """A row taken back through its effects: what it held before the first
    (None: it did not exist), and where it and the history part."""

    before: dict[str, Any] | None
    diffs: list[tuple[str, Any, Any]] = field(default_factory=list)
    missing: int | None = None  # the event that last touched a row that is not there
    extra: bool = False  # a row is there that its last effect deleted


def unwind(row: dict[str, Any] | None, history: Sequence[Effect]) -> Unwound:
    """Undo ``history`` (one row's effects, oldest first) from ``row`` back."""
    state = None if row is None else dict(row)
    out = Unwound(None)
    for ef in reversed(history):
        if ef.kind == "delete":
            if state is not None:
                out.extra = True
            state = dict(ef.old)
            continue
        if state is None:
            out.missing = ef.event
            return out
        for k, want in ef.new.items():
            if k in state and not same(state[k], want):
                out.diffs.append((k, state[k], want))
        if ef.kind == "create":
            state = None
            continue
        state.update(ef.old)
        if ef.bump and isinstance(state.get("version"), int):
            state["version"] -= 1
    out.before = state
    return out


def differences(has: Mapping[str, Any], want: Mapping[str, Any], columns: Iterable[str]) -> list[tuple[str, Any, Any]]:
    """(column, has, want) where a row is not what it should be."""
    return [(c, has.get(c), want.get(c)) for c in columns if not same(has.get(c), want.get(c))]


def ranges(keys: Iterable[int]) -> list[list[int]]:
    """Sorted whole numbers as [first, last] runs: a load's ids, compactly."""
    out: list[list[int]] = []
    for k in sorted(keys):
        if out and k == out[-1][1] + 1:
            out[-1][1] = k
        else:
            out.append([k, k])
    return out


def in_ranges(key: Any, runs: Sequence[Sequence[int]]) -> bool:
    return isinstance(key, int) and any(a <= key <= b for a, b in runs)
