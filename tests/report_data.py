"""A small hand-built month (October 2026, UTC) for the report tests; every
answer is worked out in tests/test_reports.py. September is left empty."""

from __future__ import annotations

import sqlite3
from typing import Any

from store import Store


def _t(tid: int, prio: int, reported: str, *, status: str = "closed", fr: str | None = None, ar: str | None = None,
       rv: str | None = None, closed: str | None = None, cancelled: str | None = None, tech: int | None = 1,
       channel: str = "phone", site: int = 1, category: str = "atm", repeat_of: int | None = None) -> dict[str, Any]:
    z = lambda s: f"2026-{s}:00Z" if s else None  # noqa: E731  ("10-01T08:00" → full UTC text)
    return {
        "id": tid, "version": 1, "status": status, "priority": prio, "channel": channel, "reporter": "Wang",
        "phone": "138", "site_id": site, "equipment_id": None, "category": category,
        "description": f"fault {tid}", "reported_at": z(reported), "created_by": "ann", "technician_id": tech,
        "first_response_at": z(fr), "assigned_at": z(fr), "arrived_at": z(ar), "arrival_mode": "onsite" if ar else None,
        "resolved_at": z(rv), "closed_at": z(closed), "cancelled_at": z(cancelled), "repeat_of": repeat_of,
        "symptom": "s" if rv else None, "cause": "c" if rv else None, "action": "a" if rv else None,
        "cancel_reason": "dup" if cancelled else None, "updated_at": z(reported), "updated_by": "ann",
    }


TICKETS = [
    # all met: response 10 min, arrive 1 h, resolve 3 h (P2: 30 min / 2 h / 8 h)
    _t(1, 2, "10-01T08:00", fr="10-01T08:10", ar="10-01T09:00", rv="10-01T11:00", closed="10-01T12:00"),
    # online; response 40 min (missed); waits 2 h for parts 08:50–10:50: arrive 1 h 30, resolve 4 h
    _t(2, 2, "10-02T08:00", fr="10-02T08:40", ar="10-02T11:30", rv="10-02T14:00", closed="10-02T15:00",
       tech=2, channel="online", site=2, category="printer"),
    # P1 (15 min / 1 h / 4 h): response 5 min met, arrive 2 h missed, resolve 6 h missed
    _t(3, 1, "10-03T08:00", fr="10-03T08:05", ar="10-03T10:00", rv="10-03T14:00", closed="10-03T15:00", tech=3),
    # second repair of #1: response 20 min, arrive 1 h 20, resolve 2 h 20
    _t(4, 2, "10-10T08:00", fr="10-10T08:20", ar="10-10T09:20", rv="10-10T10:20", closed="10-10T11:00", repeat_of=1),
    # P3, cancelled before any response: in no SLA figure
    _t(5, 3, "10-20T08:00", status="cancelled", cancelled="10-20T08:30", tech=None),
    # P4 online, still new: 4 h without response by the end of October (window 1 h: missed); others undecided
    _t(6, 4, "10-31T20:00", status="new", tech=None, channel="online"),
    # reported 23:00, responded 00:10 in November (70 min: missed), waiting on the customer since 01:00
    _t(7, 2, "10-31T23:00", status="waiting", fr="11-01T00:10", tech=4, site=2, category="network"),
    # resolved in November after 23 h (missed, not in October's MTTR), closed 2 November: backlog at the end
    _t(8, 2, "10-31T10:00", fr="10-31T10:10", ar="10-31T11:00", rv="11-01T09:00", closed="11-02T09:00", tech=4,
       site=2, category="network"),
]
PAUSES = [
    {"ticket_id": 2, "reason": "parts", "note": "", "started_at": "2026-10-02T08:50:00Z", "ended_at": "2026-10-02T10:50:00Z"},
    {"ticket_id": 7, "reason": "customer", "note": "", "started_at": "2026-11-01T01:00:00Z", "ended_at": None},
]


def build_october(store: Store) -> None:
    store.admin.load("test.report", {"tickets": TICKETS, "pauses": PAUSES}, {"seed": "report"})
    # Evaluations, complaints and items as their own repositories store them
    # (the loop's own tests cover how they get there).
    raw = sqlite3.connect(store.path)
    with raw:
        raw.execute("INSERT INTO callback_plans (id, closed_day, call_day, planned_by, planned_at, tickets, manager_share)"
                    " VALUES (1, '2026-10-01', '2026-10-02', 'ann', '2026-10-02T08:00:00Z', 4, 0.1)")
        for tid, tech, team, day, status, rating, score in [
                (1, 1, 1, "2026-10-01", "done", "satisfied", 10), (2, 2, 1, "2026-10-02", "done", "unsatisfied", 6),
                (3, 3, 2, "2026-10-03", "unreachable", None, None), (4, 1, 1, "2026-10-10", "done", "basic", 8)]:
            raw.execute("INSERT INTO callbacks (plan_id, ticket_id, role, evaluator, technician_id, team_id, closed_at,"
                        " closed_day, due_day, status, attempts, rating, score, notes, logged_by, logged_at)"
                        " VALUES (1, ?, 'dispatcher', 'bob', ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'bob', ?)",
                        (tid, tech, team, day + "T12:00:00Z", day, day, status, rating, score,
                         "=HYPERLINK(\"x\")" if tid == 2 else "ok", day + "T18:00:00Z"))
        raw.execute("INSERT INTO complaints (ticket_id, received_at, registered_by, complainant, matter, state, closed_at)"
                    " VALUES (2, '2026-10-05T09:00:00Z', 'bob', 'Wang', 'slow', 'closed', '2026-10-20T09:00:00Z')")
        raw.execute("INSERT INTO complaints (ticket_id, received_at, registered_by, complainant, matter)"
                    " VALUES (3, '2026-10-25T09:00:00Z', 'bob', 'Li', 'rude')")
        for tid, src, state, confirmed in [(2, 1, "confirmed", "2026-10-09T10:00:00Z"),
                                           (3, 2, "confirmed", "2026-10-12T10:00:00Z"), (4, 3, "open", None)]:
            raw.execute("INSERT INTO improvement_items (ticket_id, team_id, source, source_id, opened_at, due_date,"
                        " state, confirmed_at) VALUES (?, 1, 'callback', ?, '2026-10-03T10:00:00Z', '2026-10-10', ?, ?)",
                        (tid, src, state, confirmed))
    raw.close()
