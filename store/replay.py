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
                         "frozen_left_s", "window_s", "queue_key"}
                        # the report facts (store/derive.py FACTS)
                        | {f"f_{c}_{k}" for c in ("response", "onsite", "resolve") for k in ("s", "ok", "late")})
# What an event carries besides ticket fields: the reason of a reassignment or an
# edit, a note, and the time a step was phoned in (``stated_at``: the field it
# sets, e.g. first_response_at, carries the same time; files written before this
# was a remark hold such events, so it is one for replay, not for the write path).
REMARKS = frozenset({"note", "reason", "stated_at"})

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
    for field, want in (("version", len(events)), ("updated_at", last["at"]), ("updated_by", last["actor"]),
                        ("reported_at", first["at"]), ("created_by", first["actor"])):
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
