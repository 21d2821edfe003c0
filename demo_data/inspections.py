"""The demo's preventive inspections (issue 25): three plans made about three
months ago, the scheduler run every morning since, the visits done on their
day (one two days late) up to a week ago, the last week's left undone
(overdue), and those due from today waiting. The first visit done in the
fortnight before that failed an item, and its repair ticket was opened from it. Deterministic for an instant:
every write through the store, on a clock this build moves, as the people
who would make it (the manager plans, the team's foreman records, a
dispatcher opens the repair)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pendulum
from pendulum import DateTime

from store.rules.evaluations import today_in
from store.store import Store

from .users import DISPATCHERS

START_DAYS = 95  # the plans are this many days old
LEFT_DAYS = 7  # visits due within this many days before today are left undone (overdue)

CHECKLISTS: dict[str, list[dict[str, Any]]] = {
    "atm": [{"key": "reader", "label": "读卡器清洁 Card reader clean"},
            {"key": "dispenser", "label": "出钞模块 Dispenser test run"},
            {"key": "temp", "label": "机内温度 Cabinet temperature", "kind": "measure", "unit": "°C", "high": 40}],
    "ups": [{"key": "battery", "label": "电池电压 Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14},
            {"key": "fan", "label": "风扇噪音 Fan noise"}],
    "printer": [{"key": "head", "label": "打印头 Print head clean"}],
    "cash": [{"key": "count", "label": "点钞准确 Counting accuracy"}],
    "network": [{"key": "link", "label": "链路指示灯 Link lights"}],
}
GOOD = {"temp": "31.5", "battery": "13.2"}  # measured values within bounds


class _Clock:
    def __init__(self, at: DateTime):
        self.at = at

    def __call__(self) -> DateTime:
        return self.at


def _at(day: date, hour: int, tz: str) -> DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, 0, tz=tz).in_timezone("UTC")


def _work_repair(store: Store, ticket_id: int, team_id: int, opened: DateTime) -> None:
    """The finding's repair is dispatched at once and fixed the next morning, as a P3 would be
    (left new, it sat breached at the top of its priority for two weeks)."""
    on_duty = [t for t in store.people.technicians() if t.on_duty]
    tech = next((t for t in on_duty if t.team_id == team_id), on_duty[0] if on_duty else None)
    if tech is None:
        return
    steps: list[tuple[int, str, dict[str, Any]]] = [
        (30, "assign", {"technician_id": tech.id}), (40, "respond", {}), (60 * 19, "arrive", {}),
             (60 * 20 + 30, "resolve", {"symptom": "巡检发现 Found on inspection", "cause": "部件老化 Worn part",
                                        "action": "已更换 Replaced", "parts": "风扇 fan"})]
    for minutes, step, data in steps:
        store.clock = _Clock(opened.add(minutes=minutes))
        t = store.tickets.ticket(ticket_id)
        getattr(store.tickets, step)(ticket_id, t.version, **data)


def add_demo_inspections(store: Store, now: DateTime) -> dict[str, int]:
    """Plans, visits, checklists and one repair, up to ``now``; the store's
    clock and actor are put back afterwards."""
    tz = store.settings.timezone
    today = today_in(now, tz)
    start = today.subtract(days=START_DAYS)
    users = store.users.find()
    manager = next((u.login for u in users if u.role == "manager"), store.actor)
    foremen = {u.team_id: u.login for u in users if u.role == "foreman"}
    desk = DISPATCHERS[0][0] if any(u.login == DISPATCHERS[0][0] for u in users) else manager
    teams = [t.id for t in store.people.teams()]
    equipment = store.db.q("SELECT id, site_id, category FROM equipment WHERE retired = 0 ORDER BY id")
    ups = next((r for r in equipment if r["category"] == "ups"), None)
    atm = next((r for r in equipment if r["category"] == "atm"), None)
    first_site = equipment[0]["site_id"] if equipment else None
    counts: Counter[str] = Counter()
    if not teams or first_site is None:
        return dict(counts)
    actor, clock = store.actor, store.clock
    try:
        store.clock, store.actor = _Clock(_at(start, 9, tz)), manager
        # A branch every month, the first UPS every 30 days, the first ATM every 7 days (told 3 days before).
        store.inspections.add_plan(site_id=first_site, every="month", starts=start.add(days=2), team_id=teams[0],
                                   checklists=CHECKLISTS)
        if ups is not None:
            store.inspections.add_plan(equipment_id=ups["id"], every="days", days=30, starts=start.add(days=4),
                                       team_id=teams[-1], checklists={"ups": CHECKLISTS["ups"]})
        if atm is not None:
            # Every 7 days from a day that makes one due today: "due this week" always has a visit.
            store.inspections.add_plan(equipment_id=atm["id"], every="days", days=7, starts=start.add(days=START_DAYS % 7),
                                       team_id=teams[1 % len(teams)], notice_days=3, checklists={"atm": CHECKLISTS["atm"]})
        counts["plans"] = len(store.inspections.plans())
        failed_once, late, recorded = False, None, 0
        for n in range(START_DAYS + 1):
            day = start.add(days=n)
            store.clock, store.actor = _Clock(_at(day, 7, tz)), desk
            counts["visits"] += len(store.inspections.run_inspections())
            if day >= today.subtract(days=LEFT_DAYS):
                continue  # the last week's visits wait: overdue, or due from today
            for v in store.inspections.visits(due_before=day.add(days=1)):
                if (v.id == late and day < v.due + timedelta(days=2)) or (v.id != late and v.due != day):
                    continue
                if late is None and recorded == 2:  # the third visit: done two days after its day
                    late = v.id
                    continue
                recorded += 1
                for k, eq in enumerate(v.equipment):
                    store.clock, store.actor = _Clock(_at(day, 14, tz).add(minutes=20 * k)), foremen.get(v.team_id, manager)
                    _category, items = store.inspections.checklist(v.id, eq)
                    answers = {i.key: {"value": GOOD.get(i.key, "20")} if i.kind == "measure" else {"outcome": "pass"}
                               for i in items}
                    # The first piece checked in the fortnight before the last week: a recent finding.
                    bad = None if failed_once or day < today.subtract(days=LEFT_DAYS + 7) else items[0]
                    if bad is not None:  # the first piece checked: its first item failed, and its repair opened
                        answers[bad.key] = ({"value": "45", "note": "散热不良 poor cooling"} if bad.kind == "measure"
                                            else {"outcome": "fail", "note": "需要更换 needs replacing"})
                    store.inspections.record_checklist(v.id, eq, answers)
                    counts["checklists"] += 1
                    if bad is not None:
                        failed_once = True
                        store.actor = desk
                        repair = store.inspections.open_repair(v.id, eq, bad.key, priority=3)
                        _work_repair(store, repair, v.team_id, _at(day, 14, tz).add(minutes=20 * k))
                        counts["repairs"] += 1
    finally:
        store.actor, store.clock = actor, clock
    return dict(counts)
