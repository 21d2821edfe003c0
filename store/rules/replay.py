"""A ticket row is its audit events replayed: folding the ``new`` values from
``ticket.create`` on gives every public field, and the store's bookkeeping
(version, last writer and instant) follows from the events too.

Pure: events come in as dicts with ``old``/``new`` already parsed. Used by
``dispatch check`` (store/repo/audit.py) and by tests/test_demo_replay.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Columns the store keeps for itself (derived SLA fields, bookkeeping): not history.
BOOKKEEPING = frozenset({"version", "updated_at", "updated_by", "is_open", "next_clock", "due_at", "risk_at",
                         "frozen_left_s", "window_s", "queue_key", "esc_due",
                         # when the technician was told: the sender's, from its ticket.notified events (check_notified)
                         "notified_at"}
                        # the report facts (store/rules/derive.py FACTS)
                        | {f"f_{c}_{k}" for c in ("response", "onsite", "resolve") for k in ("s", "ok", "late")})
# What an event carries besides ticket fields: the reason of a reassignment or an
# edit, a note, and the time a step was phoned in (``stated_at``: the field it
# sets, e.g. first_response_at, carries the same time; files written before this
# was a remark hold such events, so it is one for replay, not for the write path);
# ``merged``: a write based on an older version kept others' changes (store/rules/merge.py).
REMARKS = frozenset({"note", "reason", "stated_at", "merged"})

Event = Mapping[str, Any]


def public(row: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a ticket row that its history determines."""
    return {k: v for k, v in row.items() if k not in BOOKKEEPING}


def changes(event: Event) -> dict[str, Any]:
    """What an event sets on its ticket (its remarks are not ticket fields)."""
    return {k: v for k, v in (event["new"] or {}).items() if k not in REMARKS}


def replay(events: Sequence[Event]) -> dict[str, Any]:
    """The ticket's public fields after its events (the first is ``ticket.create``)."""
    state: dict[str, Any] = dict(events[0]["new"] or {})
    for e in events[1:]:
        state.update(changes(e))
    return state


def differences(row: Mapping[str, Any], events: Sequence[Event]) -> list[tuple[str, Any, Any]]:
    """(field, in the row, from the history) for each field where the row is
    not what its events say; empty when they agree."""
    if not events or events[0]["action"] != "ticket.create":
        return [("history", None, events[0]["action"] if events else None)]
    state = replay(events)
    out = [(k, v, state.get(k)) for k, v in public(row).items() if state.get(k) != v]
    out += [(k, None, state[k]) for k in state if k not in row]
    first, last = events[0], events[-1]
    # A ticket logged with an earlier report time (phoned in late) says so in its ``new``.
    reported = (first["new"] or {}).get("reported_at", first["at"])
    for field, want in (("version", len(events)), ("updated_at", last["at"]), ("updated_by", last["actor"]),
                        ("reported_at", reported), ("created_by", first["actor"])):
        if field in row and row[field] != want and not any(d[0] == field for d in out):
            out.append((field, row[field], want))
    return out


def undo(row: Mapping[str, Any], events: Sequence[Event]) -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    """For a ticket that came in a bulk load (no ``ticket.create``): its public
    fields as loaded, by undoing its later events from the row back, and the
    fields where an event's ``new`` is not what the row held at that point."""
    state = public(row)
    wrong: list[tuple[str, Any, Any]] = []
    for e in reversed(events):
        for k, v in changes(e).items():
            if state.get(k) != v:
                wrong.append((k, state.get(k), v))
        state.update(e["old"] or {})
    return state, wrong


# A ticket's holds (the pauses table) are its events replayed too: a hold
# starts with ``ticket.pause`` and ends with ``ticket.resume`` (at the time
# stated, if phoned in late) or with ``ticket.cancel`` while waiting.
HOLD_FIELDS = ("reason", "note", "started_at", "ended_at")


def _when(event: Event) -> Any:
    return (event["new"] or {}).get("stated_at") or event["at"]


def _ends_hold(event: Event) -> bool:
    return event["action"] == "ticket.resume" or (
        event["action"] == "ticket.cancel" and (event["old"] or {}).get("status") == "waiting")


def holds(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The holds of a ticket with its whole history (from ``ticket.create``)."""
    state: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for e in events:
        state.update(changes(e) if e["action"] != "ticket.create" else (e["new"] or {}))
        if e["action"] == "ticket.pause":
            out.append({"reason": state.get("wait_reason"), "note": (e["new"] or {}).get("note") or "",
                        "started_at": _when(e), "ended_at": None})
        elif out and out[-1]["ended_at"] is None and _ends_hold(e):
            out[-1]["ended_at"] = e["at"] if e["action"] == "ticket.cancel" else _when(e)
    return out


def unhold(pauses: Sequence[Mapping[str, Any]], events: Sequence[Event]) -> tuple[list[dict[str, Any]], list[str]]:
    """For a ticket loaded in bulk: its holds as loaded, by undoing ``events``
    (those after the load) from the holds there now; and what does not match."""
    state = [dict(p) for p in pauses]
    wrong: list[str] = []
    for e in reversed(events):
        if e["action"] == "ticket.pause":
            new = e["new"] or {}
            last = state[-1] if state else None
            if last is None or last["ended_at"] is not None or last["started_at"] != _when(e) \
                    or last["reason"] != new.get("wait_reason", last["reason"]) or last["note"] != (new.get("note") or ""):
                wrong.append("started_at")
            if state:
                state.pop()
        elif _ends_hold(e):
            when = e["at"] if e["action"] == "ticket.cancel" else _when(e)
            if not state or state[-1]["ended_at"] != when:
                wrong.append("ended_at")
            else:
                state[-1]["ended_at"] = None
    return state, wrong


def hold_differences(has: Sequence[Mapping[str, Any]], want: Sequence[Mapping[str, Any]]) -> tuple[int, str, Any, Any] | None:
    """(hold number from 1, field, in the file, from the history) of the first
    difference, the field "holds" when their number differs; None if equal."""
    for n, (h, w) in enumerate(zip(has, want, strict=False), start=1):
        for f in HOLD_FIELDS:
            if h.get(f) != w.get(f):
                return n, f, h.get(f), w.get(f)
    if len(has) != len(want):
        return 0, "holds", len(has), len(want)
    return None
