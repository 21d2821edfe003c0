"""The queue at a past moment (docs/rules.md "The queue at a past moment"):
a ticket's queue row as the events recorded up to a place in the log make it,
under the SLA rules then in force. Pure: events come in as dicts with
``old``/``new`` parsed; store/repo/past.py reads them, and keeps snapshots so
a moment a month back does not replay the whole log.

A place in the log is ``(at, id)``: the events recorded before ``at``, and
those recorded at ``at`` up to event ``id``. "The queue at 14:30" is
``(14:30:00, ∞)``: everything the dispatchers had recorded by then, stated
times as stated (an arrival recorded at 14:25 as "arrived 14:20" counts from
14:20); an event recorded at 15:00, whatever time it states, is not there
yet. "Just before event N" is ``(its at, N - 1)``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..models import QueueRow
from ..timeutil import from_db
from .calendar import calendar_from
from .derive import derive
from .replay import REMARKS
from .sla import AT_RISK_SHARE, Calendar, Pause, Policy

Place = tuple[str, int]
END = 2**62  # an event id after every event: "(at, END)" holds all recorded at ``at``
# What the queue shows of a ticket, and what its clocks need.
FIELDS = ("priority", "status", "arrival_mode", "site_id", "equipment_id", "description", "technician_id",
          "repeat_of", "reporter", "reported_at", "first_response_at", "arrived_at", "resolved_at")
DEFAULT_RULES: dict[str, Any] = {"timezone": "UTC", "calendar": {"kind": "24x7"}}


def visible(event: Mapping[str, Any], place: Place) -> bool:
    return (event["at"], event["id"]) <= place


def _when(e: Mapping[str, Any]) -> Any:
    return (e["new"] or {}).get("stated_at") or e["at"]


def apply(state: dict[str, Any] | None, e: Mapping[str, Any]) -> dict[str, Any] | None:
    """``state`` after one ticket event (as store/rules/replay.py: ``new``
    values folded on, holds opened by a pause and closed by a resume or a
    cancel while waiting, at their stated times)."""
    new = e["new"] or {}
    if e["action"] == "ticket.create":
        state = {k: new.get(k) for k in FIELDS}
        state["reported_at"] = new.get("reported_at") or e["at"]
        state.update(id=e["ticket_id"], version=1, holds=[])
    elif state is None:
        return None  # an event of a ticket not there yet (not created, not loaded)
    else:
        for k, v in new.items():
            if k in state and k not in REMARKS and k not in ("id", "version", "holds"):
                state[k] = v
        state["version"] += 1
    holds = state["holds"]
    if e["action"] == "ticket.pause":
        holds.append([_when(e), None])
    elif holds and holds[-1][1] is None and (e["action"] == "ticket.resume" or (
            e["action"] == "ticket.cancel" and (e["old"] or {}).get("status") == "waiting")):
        holds[-1][1] = e["at"] if e["action"] == "ticket.cancel" else _when(e)
    return state


def loaded(row: Mapping[str, Any], pauses: Sequence[Mapping[str, Any]], later: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A ticket that came in a bulk load, as it was loaded: the row and its
    holds now, with the events after the load undone (as the audit check
    does, store/rules/replay.py ``undo``/``unhold``)."""
    from .replay import undo, unhold

    state, _wrong = undo(row, later)
    holds, _bad = unhold(pauses, later)
    out = {k: state.get(k) for k in FIELDS}
    out.update(id=row["id"], version=int(row["version"]) - len(later),
               holds=[[h["started_at"], h["ended_at"]] for h in holds])
    return out


def replay_ticket(events: Sequence[Mapping[str, Any]], place: Place, base: dict[str, Any] | None = None,
                  base_place: Place | None = None) -> dict[str, Any] | None:
    """One ticket at ``place`` from its events (id order). ``base``: its state
    as a bulk load left it (``base_place`` the load's place), for a ticket
    with no ``ticket.create``. None: not there yet."""
    state: dict[str, Any] | None = None
    if base is not None and base_place is not None and base_place <= place:
        state = {**base, "holds": [list(h) for h in base["holds"]]}
    for e in events:
        if visible(e, place) and (base_place is None or base is None or e["id"] > base_place[1]):
            state = apply(state, e)
    return state


# ------------------------------------------------------------------- rules
def rules_at(now: dict[str, Any], changes: Sequence[Mapping[str, Any]], place: Place) -> dict[str, Any]:
    """The SLA policy, calendar and time zone in force at ``place``: those in
    force now (``now``: {"policy": {p: [r, o, f]}, "timezone", "calendar"}),
    with the changes recorded after it undone, newest first. A priority's
    windows set for the first time keep that first value before it (a file
    whose history was loaded from elsewhere has no earlier one)."""
    rules = {"timezone": now["timezone"], "calendar": now["calendar"],
             "policy": {str(p): list(v) for p, v in now["policy"].items()}}  # keys as JSON keeps them
    for e in sorted(changes, key=lambda e: (e["at"], e["id"]), reverse=True):
        if visible(e, place):
            break
        old = e["old"] or {}
        if e["action"] == "settings.set":
            for key in ("timezone", "calendar"):
                if key in (e["new"] or {}):
                    rules[key] = old.get(key) if old.get(key) is not None else DEFAULT_RULES[key]
        elif e["action"] == "sla_policy.set":
            before = old.get("policy")
            if isinstance(before, dict) and e.get("entity_id") is not None:
                rules["policy"][str(e["entity_id"])] = [before["response_min"], before["onsite_min"], before["resolve_min"]]
    return rules


def made(rules: Mapping[str, Any]) -> tuple[dict[int, Policy], Calendar]:
    return ({int(p): Policy(*v) for p, v in rules["policy"].items()},
            calendar_from(rules["calendar"], rules["timezone"]))


# ------------------------------------------------------------- queue rows
def derived(state: Mapping[str, Any], rules: tuple[dict[int, Policy], Calendar]) -> dict[str, Any] | None:
    """The stored SLA fields of the ticket in ``state`` (derive()), or None if
    it is not open."""
    row = {k: state[k] for k in FIELDS}
    row["id"] = state["id"]
    pauses = [Pause(from_db(a), from_db(b)) for a, b in state["holds"]]
    out = derive(row, pauses, *rules)
    return out if out["is_open"] else None


def held_state(d: Mapping[str, Any]) -> str | None:
    """The state of a clock stopped by a hold (time does not move it), None
    for a running clock or none."""
    if d["next_clock"] is None or d["due_at"] is not None:
        return None
    left = d["frozen_left_s"] or 0.0
    if left <= 0:
        return "breached"
    return "at_risk" if left <= (d["window_s"] or 0) * AT_RISK_SHARE else "ok"


def state_at(d: Mapping[str, Any], at: str) -> str | None:
    """at risk / breached / ok at ``at`` (stored time text), as the live queue's tick says."""
    held = held_state(d)
    if held is not None or d["next_clock"] is None:
        return held
    if d["due_at"] <= at:
        return "breached"
    return "at_risk" if d["risk_at"] is not None and d["risk_at"] <= at else "ok"


def queue_row(state: Mapping[str, Any], d: Mapping[str, Any], names: Mapping[str, Mapping[Any, str]]) -> QueueRow:
    """The live queue's row for a past ticket. Sites, equipment and
    technicians are named as they are named now."""
    due, risk = from_db(d["due_at"]), from_db(d["risk_at"])
    return QueueRow.model_construct(
        id=state["id"], version=state["version"], priority=state["priority"], status=state["status"],
        arrival_mode=state["arrival_mode"], site_name=names["sites"].get(state["site_id"], "?"),
        equipment_tag=names["equipment"].get(state["equipment_id"]) if state["equipment_id"] else None,
        description=(state["description"] or "")[:160],
        technician_name=names["technicians"].get(state["technician_id"]) if state["technician_id"] else None,
        repeat_of=state["repeat_of"], next_clock=d["next_clock"], due_at=due, risk_at=risk,
        frozen_left_s=d["frozen_left_s"], window_s=d["window_s"], technician_id=state["technician_id"],
        responded=state["first_response_at"] is not None, reporter=state["reporter"] or "",
        due_ts=due.timestamp() if due else None, risk_ts=risk.timestamp() if risk else None, esc_level=None)


def unassigned(state: Mapping[str, Any]) -> int:
    """As the live count (migration 0010): no technician, not resolved."""
    return int(state["technician_id"] is None and state["status"] != "resolved")


def counts(rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], at: str) -> dict[str, int]:
    """open / at risk / breached / unassigned of (state, derived) pairs at ``at``."""
    out = {"open": 0, "at_risk": 0, "breached": 0, "unassigned": 0}
    for state, d in rows:
        out["open"] += 1
        s = state_at(d, at)
        if s in ("at_risk", "breached"):
            out[s] += 1
        out["unassigned"] += unassigned(state)
    return out
