"""The inspection rules' days and keys (store/rules/inspections.py), alone: the figures
(inspection_figures.py, store/hq/figures.py) need only these, and inspections.py's
checklist inputs bring pydantic, which `dispatch hq report` would otherwise import at
start-up for nothing (bench/hq_report.py)."""

from __future__ import annotations

from datetime import date

from pendulum import DateTime

from ..timeutil import local


def visit_key(plan_id: int, due: date) -> str:
    return f"{plan_id}:{due.isoformat()}"


def site_day(now: DateTime, tz: str) -> date:
    """Today in the site's zone (a run at 17:00 UTC is the next day in Shanghai)."""
    d = local(now, tz).date()
    return date(d.year, d.month, d.day)


def on_time(due: date, done_at: DateTime, tz: str) -> bool:
    """Done on or before its due day, in the site's zone."""
    return site_day(done_at, tz) <= due
