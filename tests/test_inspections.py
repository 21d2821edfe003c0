"""Preventive inspections (store/rules/inspections.py, store/rules/inspection_figures.py):
plans, the visits they call for across month ends, leap years and the site's
zone, an idempotent scheduler, checklist results and the figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import ValidationFailed
from store.i18n import set_language
from store.rules.inspection_figures import FaultReport, Inspected, VisitRecord, done_on_time, findings_per_category, missed
from store.rules.inspections import (
    Finding,
    Plan,
    check_plan,
    check_results,
    due_between,
    findings,
    on_time,
    run,
    this_week,
    visit_key,
    visit_state,
    visits_between,
)
from store.rules.periods import Period

ATM = [{"key": "fan", "label": "Fan noise"},
       {"key": "battery", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": "12", "high": "14"},
       {"key": "temp", "label": "Cabinet temperature", "kind": "measure", "unit": "°C"}]


def plan(**changes: object) -> Plan:
    data: dict[str, object] = {"id": 7, "site_id": 1, "every": "month", "starts": "2027-01-31", "team_id": 2,
                               "checklists": {"atm": ATM}}
    return check_plan(data | changes)


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


# ------------------------------------------------------------------ dates
def test_a_plan_started_on_the_31st_calls_on_each_months_last_day_and_never_drifts() -> None:
    p = plan()
    assert due_between(p, date(2027, 1, 1), date(2027, 7, 1)) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31), date(2027, 6, 30)]
    assert due_between(p, date(2028, 2, 1), date(2028, 4, 1)) == [date(2028, 2, 29), date(2028, 3, 31)]  # leap year


def test_quarterly_from_a_month_end_and_from_a_leap_day() -> None:
    assert due_between(plan(every="quarter", starts="2027-11-30"), date(2027, 1, 1), date(2029, 1, 1)) == [
        date(2027, 11, 30), date(2028, 2, 29), date(2028, 5, 30), date(2028, 8, 30), date(2028, 11, 30)]
    leap = plan(starts="2028-02-29", ends="2029-03-29")
    dues = due_between(leap, date(2028, 1, 1), date(2030, 1, 1))
    assert dues[:2] == [date(2028, 2, 29), date(2028, 3, 29)]
    assert dues[-2:] == [date(2029, 2, 28), date(2029, 3, 29)]  # the plan's last day is a visit, inclusive
    assert len(dues) == 14


def test_every_n_days_runs_across_month_and_year_ends() -> None:
    p = plan(every="days", days=10, starts="2027-12-25")
    assert due_between(p, date(2027, 12, 1), date(2028, 3, 1)) == [
        date(2027, 12, 25), date(2028, 1, 4), date(2028, 1, 14), date(2028, 1, 24), date(2028, 2, 3),
        date(2028, 2, 13), date(2028, 2, 23)]
    assert visits_between(p, date(2028, 1, 1), date(2028, 1, 10))[0].key == "7:2028-01-04" == visit_key(7, date(2028, 1, 4))


def test_a_run_makes_the_visits_whose_notice_day_has_come_in_the_sites_zone() -> None:
    p = plan(notice_days=3)  # the 31 March visit is announced on 28 March
    at = utc(2027, 3, 27, 16, 30)  # 00:30 on the 28th in Shanghai, still the 27th in UTC and New York
    assert [v.due for v in run([p], [], at, "Asia/Shanghai")] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert [v.due for v in run([p], [], at, "UTC")][-1] == date(2027, 2, 28)
    assert [v.due for v in run([p], [], utc(2027, 3, 28, 3, 0), "America/New_York")][-1] == date(2027, 2, 28)
    made = [v.key for v in run([p], [], at, "Asia/Shanghai")]
    assert run([p], made, at, "Asia/Shanghai") == []  # twice: nothing twice
    (v,) = run([p], made, at.add(days=30), "Asia/Shanghai")  # 27 April 00:30 there
    assert (v.due, v.notify_on, v.key) == (date(2027, 4, 30), date(2027, 4, 27), "7:2027-04-30")
    assert run([plan(notice_days=0, ends="2027-02-28")], [], utc(2027, 12, 1), "UTC")[-1].due == date(2027, 2, 28)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    every = draw(st.sampled_from(["month", "quarter", "days"]))
    starts = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 366)))
    if draw(st.booleans()):  # month ends and the leap day often
        starts = draw(st.sampled_from([date(2027, 1, 31), date(2027, 11, 30), date(2028, 2, 29), date(2028, 1, 29),
                                       date(2027, 8, 31)]))
    ends = starts + timedelta(days=draw(st.integers(0, 900))) if draw(st.booleans()) else None
    return plan(id=draw(st.integers(1, 50)), every=every, days=draw(st.integers(1, 120)) if every == "days" else None,
                starts=starts, ends=ends, notice_days=draw(st.integers(0, 14)))


def reference(p: Plan, first: date, end: date) -> list[date]:
    """Day by day: is this date a visit? (month-end rule by brute force)."""
    out, d = [], first
    while d < end:
        if p.starts <= d and (p.ends is None or d <= p.ends):
            if p.every == "days":
                hit = (d - p.starts).days % p.days == 0  # type: ignore[operator]
            else:
                k = (d.year - p.starts.year) * 12 + d.month - p.starts.month
                last = (date(d.year + d.month // 12, d.month % 12 + 1, 1) - timedelta(days=1)).day
                hit = k % (1 if p.every == "month" else 3) == 0 and d.day == min(p.starts.day, last)
            if hit:
                out.append(d)
        d += timedelta(days=1)
    return out


@settings(max_examples=150, deadline=None)
@given(plans(), st.lists(st.integers(0, 1500), min_size=1, max_size=6))
def test_the_union_of_runs_over_any_split_is_one_run_over_the_whole(p: Plan, cuts: list[int]) -> None:
    base = date(2026, 12, 1)
    days = sorted({base + timedelta(days=c) for c in cuts} | {base, base + timedelta(days=1500)})
    whole = due_between(p, days[0], days[-1])
    assert whole == reference(p, days[0], days[-1])
    pieces = [d for a, b in pairwise(days) for d in due_between(p, a, b)]
    assert pieces == whole  # each once, in order
    # The scheduler on each day of the split, keeping what it made, makes
    # what one run on the last day makes; a run again makes nothing.
    made: list[str] = []
    short: list[str] = []  # the same, told only the latest due date made and its key
    for day in days:
        at = pendulum.datetime(day.year, day.month, day.day, 12, tz="Asia/Shanghai")
        made += [v.key for v in run([p], made, at, "Asia/Shanghai")]
        last = {p.id: date.fromisoformat(short[-1].split(":")[1])} if short else {}
        short += [v.key for v in run([p], short[-1:], at, "Asia/Shanghai", last)]
    once = [v.key for v in run([p], [], at, "Asia/Shanghai")]
    assert len(made) == len(set(made)) and made == once == short
    assert run([p], made, at, "Asia/Shanghai") == []


# ------------------------------------------------------------------ states
def test_a_visit_is_overdue_once_its_due_day_is_over_in_the_sites_zone() -> None:
    due = date(2027, 3, 31)
    late_evening = utc(2027, 3, 31, 16, 30)  # 1 April 00:30 in Shanghai
    assert visit_state(due, None, late_evening, "Asia/Shanghai") == "overdue"
    assert visit_state(due, None, late_evening, "UTC") == "open"
    assert visit_state(due, late_evening, late_evening, "Asia/Shanghai") == "done"
    assert on_time(due, late_evening, "UTC") and not on_time(due, late_evening, "Asia/Shanghai")
    # Sunday 4 April 23:30 in Shanghai is still the week of 29 March; 16:30 UTC that day is Monday there.
    assert this_week(date(2027, 3, 29), utc(2027, 4, 4, 15, 30), "Asia/Shanghai")
    assert not this_week(date(2027, 3, 29), utc(2027, 4, 4, 16, 30), "Asia/Shanghai")
    assert this_week(date(2027, 4, 11), utc(2027, 4, 4, 16, 30), "Asia/Shanghai")


# ------------------------------------------------------------------ checks
@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"every": "days"}, "days", "every N days needs N; every month or quarter takes none"),
    ({"days": 5}, "days", "every N days needs N; every month or quarter takes none"),
    ({"equipment_id": 3}, "site_id", "a plan is for one site or one piece of equipment"),
    ({"ends": "2027-01-30"}, "ends", "the plan ends (2027-01-30) before its first visit (2027-01-31)"),
    ({"checklists": {}}, "checklists", "at least one checklist: an equipment category and its items"),
    ({"checklists": {"atm": []}}, "checklists", "every checklist needs at least one item"),
    ({"checklists": {"atm": [{"key": "Fan!", "label": "x"}]}}, "checklists",
     "1 to 40 lowercase letters, digits, - or _, e.g. fan-noise"),
    ({"checklists": {"atm": [{"key": "v", "label": "x", "low": 5}]}}, "checklists", "v: only a measurement has bounds"),
    ({"checklists": {"atm": [{"key": "v", "label": "x", "kind": "measure", "low": 5, "high": "1e3"}]}}, "checklists",
     "a number such as 12, -0.5 or 230.0"),
    ({"checklists": {"atm": [{"key": "v", "label": "x", "kind": "measure", "low": 5, "high": 4}]}}, "checklists",
     "v: the lower bound is above the upper one"),
    ({"checklists": {"atm": [{"key": "v", "label": "x"}, {"key": "v", "label": "y"}]}}, "checklists",
     "an item key is used twice in one checklist"),
    ({"checklists": {"bus": ATM}}, "checklists", "one of: atm, printer, cash, network, ups, access, pc, other"),
    ({"starts": "2027-02-30"}, "starts", "a date like 2026-03-31"),
    ({"notice_days": 90}, "notice_days", "a whole number from 0 to 60"),
])
def test_a_bad_plan_is_refused_field_by_field(changes: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(**changes)
    assert caught.value.errors == {field: message}


def test_a_new_plans_first_visit_is_not_in_the_past() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_plan(plan().model_dump(), today=date(2027, 2, 1))
    assert caught.value.errors == {"starts": "the first visit is today (2027-02-01) or later"}
    assert check_plan(plan().model_dump(), today=date(2027, 1, 31)).starts == date(2027, 1, 31)


def test_checklist_results_out_of_bounds_fail_and_become_findings() -> None:
    items = plan().checklists["atm"]
    results = check_results(items, {
        "fan": {"outcome": "fail", "note": "bearing  grinds"},
        "battery": {"outcome": "pass", "value": "11.2"},  # marked pass, but below 12 V
        "temp": {"outcome": "pass", "value": "31"},
    })
    assert [(r.item.key, r.outcome, r.value) for r in results] == [
        ("fan", "fail", None), ("battery", "fail", Decimal("11.2")), ("temp", "pass", Decimal("31"))]
    found = findings("atm", results)
    assert [f.text() for f in found] == ["Fan noise: failed; bearing grinds", "Battery voltage: 11.2 V, outside 12–14 V"]
    assert found[0] == Finding("atm", results[0])
    # Within the bounds no mark is needed; the technician may still fail it.
    ok = check_results(items, {"fan": {"outcome": "pass"}, "battery": {"value": "13.1"},
                               "temp": {"value": "30", "outcome": "pass"}})
    assert [r.outcome for r in ok] == ["pass", "pass", "pass"] and findings("atm", ok) == []
    marked = check_results(items, {"fan": {"outcome": "pass"}, "battery": {"value": "13", "outcome": "fail", "note": "swollen"},
                                   "temp": {"value": "30", "outcome": "pass"}})
    assert findings("atm", marked)[0].text() == "Battery voltage: 13 V; swollen"


def test_checklist_results_are_refused_item_by_item() -> None:
    items = plan().checklists["atm"]
    with pytest.raises(ValidationFailed) as caught:
        check_results(items, {"fan": {}, "battery": {"value": "12,5"}, "temp": {"value": "30"}, "door": {"outcome": "pass"}})
    assert caught.value.errors == {
        "door": "not an item of this checklist", "fan": "pass or fail",
        "battery": "a number such as 12, -0.5 or 230.0",
        "temp": "pass or fail: this measurement has no bounds to judge it by"}
    with pytest.raises(ValidationFailed) as caught:
        check_results(items, {"fan": {"outcome": "ok"}, "temp": {"outcome": "pass"}})
    assert caught.value.errors == {"fan": "pass or fail", "battery": "required", "temp": "required: the measured value (°C)"}


# ------------------------------------------------------------------ figures
TZ = "Asia/Shanghai"


def test_done_on_time_counts_a_visit_once_it_is_decided() -> None:
    november = Period.month(date(2027, 11, 1))
    now = pendulum.datetime(2027, 11, 25, 10, tz=TZ)
    visits = [
        VisitRecord("1:2027-11-10", date(2027, 11, 10), pendulum.datetime(2027, 11, 9, 23, 30, tz=TZ)),  # on time
        VisitRecord("2:2027-11-10", date(2027, 11, 10), pendulum.datetime(2027, 11, 11, 0, 30, tz=TZ)),  # late
        VisitRecord("3:2027-11-10", date(2027, 11, 10), None),  # missed
        VisitRecord("4:2027-11-25", date(2027, 11, 25), None),  # due today: not decided
        VisitRecord("5:2027-11-28", date(2027, 11, 28), None),  # later
        VisitRecord("6:2027-11-28", date(2027, 11, 28), pendulum.datetime(2027, 11, 20, tz=TZ)),  # done early
        VisitRecord("7:2027-12-01", date(2027, 12, 1), pendulum.datetime(2027, 11, 20, tz=TZ)),  # next month's
    ]
    assert done_on_time(visits, november, now, TZ) == (2, 4)
    # Once November is over, the two still open count as missed.
    assert done_on_time(visits, november, now.add(months=1), TZ) == (2, 6)


def test_findings_per_category_and_faults_soon_after_an_inspection() -> None:
    march = Period.month(date(2027, 3, 1))
    done = pendulum.datetime(2027, 3, 10, 15, tz=TZ)
    inspected = [Inspected("7:2027-03-10", 100, "atm", done, 2), Inspected("7:2027-03-10", 101, "ups", done, 0),
                 Inspected("7:2027-03-10", 102, "atm", done, 1),
                 Inspected("8:2027-02-28", 103, "atm", pendulum.datetime(2027, 2, 28, 23, tz=TZ), 5)]
    assert findings_per_category(inspected, march, TZ) == {"atm": (3, 2), "ups": (0, 1)}
    faults = [
        FaultReport(1, 100, done.add(days=30)),  # the 30th day: missed
        FaultReport(2, 101, done.add(days=30, seconds=1)),  # too late to blame the inspection
        FaultReport(3, 102, done.add(days=2), from_inspection="7:2027-03-10"),  # opened from its own finding
        FaultReport(4, 102, done.subtract(hours=1)),  # before the inspection
        FaultReport(5, 103, pendulum.datetime(2027, 3, 2, tz=TZ)),  # after February's inspection, not March's
    ]
    assert [(x.equipment_id, tickets) for x, tickets in missed(inspected, faults, march, TZ)] == [(100, (1,))]
    february = Period.month(date(2027, 2, 1))
    assert [(x.equipment_id, t) for x, t in missed(inspected, faults, february, TZ)] == [(103, (5,))]


def test_findings_and_refusals_read_in_chinese_too() -> None:
    items = plan().checklists["atm"]
    set_language("zh_Hans")
    try:
        results = check_results(items, {"fan": {"outcome": "fail"}, "battery": {"value": "11.2"},
                                        "temp": {"value": "30", "outcome": "pass"}})
        texts = [f.text() for f in findings("atm", results)]
        with pytest.raises(ValidationFailed) as caught:
            check_results(items, {"fan": {"outcome": "pass"}, "temp": {"outcome": "pass"}})
    finally:
        set_language("en")
    assert texts == ["Fan noise：不合格", "Battery voltage：11.2 V，超出 12–14 V"]
    assert caught.value.errors == {"battery": "必填", "temp": "必填：测量值 (°C)"}
