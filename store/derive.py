"""The SLA fields stored with each open ticket, so the queue sorts by an index.
Pure: no SQL, no I/O."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime

from . import rules
from .sla import Calendar, ClockStatus, Pause, Policy, clock_statuses, next_unmet
from .timeutil import from_db, to_db

DERIVED = ("is_open", "next_clock", "due_at", "risk_at", "frozen_left_s", "window_s", "queue_key")


def derive(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> dict[str, Any]:
    """The SLA fields stored with a ticket so the queue sorts by an index.

    queue_key orders by priority, then: running clocks by absolute deadline,
    clocks stopped while waiting by the frozen time left (overdue ones first,
    most overdue first), resolved tickets (no clock) last. The deadline order
    does not change as time passes."""
    status = row["status"]
    is_open = status in rules.OPEN_STATUSES
    out: dict[str, Any] = dict.fromkeys(DERIVED)
    out["is_open"] = int(is_open)
    if not is_open:
        return out
    tid = f"{row['id']:012d}"
    prio = str(row["priority"])
    nxt = None
    if status in rules.ACTIVE_STATUSES:
        nxt = next_unmet(ticket_clocks(row, pauses, policy, calendar))
    if nxt is None:
        out["queue_key"] = f"{prio}2{row.get('resolved_at') or row['reported_at']}{tid}"
        return out
    out.update(next_clock=nxt.clock, window_s=nxt.window_s)
    if nxt.due is not None:
        out.update(due_at=to_db(nxt.due), risk_at=to_db(nxt.risk_at))
        out["queue_key"] = f"{prio}0{out['due_at']}{tid}"
    else:
        out["frozen_left_s"] = nxt.frozen_left_s
        left = nxt.frozen_left_s or 0.0
        # 12 characters that sort as the time left does. Stopped overdue
        # (negative) starts with '-', before every digit, then a complement so
        # the most overdue comes first; time left keeps the form keys had before.
        frozen = f"{int(left):012d}" if left >= 0 else f"-{max(0, 10**11 + int(left // 1)):011d}"
        out["queue_key"] = f"{prio}1{frozen}{tid}"
    return out


def ticket_clocks(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> list[ClockStatus]:
    def t(key: str) -> DateTime | None:
        value = row.get(key)
        return value if isinstance(value, DateTime) or value is None else from_db(value)

    reported = t("reported_at")
    assert reported is not None
    met = {"response": t("first_response_at"), "onsite": t("arrived_at"), "resolve": t("resolved_at")}
    return clock_statuses(reported, policy[row["priority"]], met, pauses, calendar)  # type: ignore[arg-type]
