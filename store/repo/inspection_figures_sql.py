"""The inspection figures of one report period (docs/rules.md "Inspections"),
read from the file and worked out by the pure rules
(store/rules/inspection_figures.py): visits done on time, findings per
equipment category, faults within 30 days after an inspection.

Visits are few (a plan makes one a month or so), so the rows of the period
are read and the rules decide in Python, in the site's zone. A report scoped
to a team counts the visits of the plans that team does; to a site, the
visits at that site; a technician or a category scope has no inspection
figures (a visit is a team's, and covers several categories)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pendulum import DateTime

from ..rules.evaluations import day_start_utc
from ..rules.inspection_figures import (
    FAULT_WINDOW_DAYS,
    FaultReport,
    Inspected,
    VisitRecord,
    done_on_time,
    findings_per_category,
    missed,
)
from ..rules.inspections import visit_key
from ..rules.periods import Period
from ..timeutil import from_db, to_db

_SCOPE = {
    "center": "1",
    "team": "p.team_id = :sv",
    "site": "COALESCE(p.site_id, (SELECT e.site_id FROM equipment e WHERE e.id = p.equipment_id)) = :sv",
}


@dataclass
class InspectionRaw:
    on_time: int = 0
    counted: int = 0  # visits decided (done, or due day over)
    findings: int = 0
    inspected: int = 0  # pieces of equipment inspected
    per_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    missed: list[tuple[Inspected, tuple[int, ...]]] = field(default_factory=list)


def period_raw(conn: sqlite3.Connection | Any, kind: str, sv: Any, period: Period, now: DateTime, tz: str) -> InspectionRaw:
    raw = InspectionRaw()
    where = _SCOPE.get(kind)
    if where is None:
        return raw
    try:
        visits = conn.execute(
            "SELECT v.plan_id, v.due, v.done_at FROM inspection_visits v JOIN inspection_plans p ON p.id = v.plan_id"
            f" WHERE v.due >= :sd AND v.due < :ed AND {where}",
            {"sd": period.start.isoformat(), "ed": period.end.isoformat(), "sv": sv}).fetchall()
    except sqlite3.OperationalError:  # a file from before migration 0020 opened read-only: nothing to count
        return raw
    records = [VisitRecord(visit_key(r[0], date.fromisoformat(r[1])), date.fromisoformat(r[1]),
                           from_db(r[2]) if r[2] else None) for r in visits]
    raw.on_time, raw.counted = done_on_time(records, period, now, tz)
    # Pieces inspected around the period (a day either side covers any zone), decided by the rules in the site's zone.
    start, end = day_start_utc(period.start, tz), day_start_utc(period.end, tz)
    lo, hi = to_db(start.subtract(days=1)), to_db(end.add(days=1))
    done = [Inspected(visit_key(r[0], date.fromisoformat(r[1])), r[2], r[3], from_db(r[4]), r[5]) for r in conn.execute(
        "SELECT v.plan_id, v.due, x.equipment_id, x.category, x.at, x.findings FROM inspection_results x"
        " JOIN inspection_visits v ON v.id = x.visit_id JOIN inspection_plans p ON p.id = v.plan_id"
        f" WHERE x.at >= :lo AND x.at < :hi AND {where}", {"lo": lo, "hi": hi, "sv": sv}).fetchall()]
    raw.per_category = findings_per_category(done, period, tz)
    raw.findings = sum(f for f, _n in raw.per_category.values())
    raw.inspected = sum(n for _f, n in raw.per_category.values())
    if done:
        ids = sorted({x.equipment_id for x in done})
        until = to_db(end.add(days=FAULT_WINDOW_DAYS + 1))
        faults = [FaultReport(r[0], r[1], from_db(r[2]), visit_key(r[3], date.fromisoformat(r[4])) if r[3] else None)
                  for r in conn.execute(
                      "SELECT t.id, t.equipment_id, t.reported_at, v.plan_id, v.due FROM tickets t"
                      " LEFT JOIN inspection_findings f ON f.ticket_id = t.id"
                      " LEFT JOIN inspection_visits v ON v.id = f.visit_id"
                      f" WHERE t.equipment_id IN ({', '.join('?' * len(ids))}) AND t.reported_at >= ? AND t.reported_at < ?",
                      (*ids, lo, until)).fetchall()]
        raw.missed = missed(done, faults, period, tz)
    return raw
