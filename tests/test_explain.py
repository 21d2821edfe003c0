"""A clock explained (store/rules/explain.py): the due time it states is the
SLA module's own (store/rules/sla.py clock_statuses), over random histories;
its working periods make up the window; each hold moves the deadline by the
working time it held."""

from __future__ import annotations

from datetime import time

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.rules.derive import active_seconds, ran_out
from store.rules.explain import Hold, Step, explain_clock, working_spans
from store.rules.sla import CLOCKS, AlwaysOpen, Pause, Policy, clock_statuses, merge_pauses
from store.rules.working_hours import BusinessHours, Holiday, Period, WorkingHours
from tests.sla_helpers import SETTINGS, ZONES, at, hours_and_start

TZ = "Asia/Shanghai"
# 08:30-12:00, 13:00-17:30 Monday to Friday, Shanghai; 2026-12-04 is a Friday.
LUNCH = WorkingHours(TZ, tuple(((Period(510, 720), Period(780, 1050)) if d < 5 else ()) for d in range(7)))


def local(day: int, hh: int, mm: int, month: int = 12) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, day, hh, mm, tz=TZ).in_timezone("UTC")


def hm(spans: object) -> list[str]:
    return [f"{s.start.in_timezone(TZ).format('MM-DD HH:mm')}-{s.end.in_timezone(TZ).format('HH:mm')}" for s in spans]  # type: ignore[attr-defined]


def test_the_periods_are_counted_day_by_day_around_breaks_and_holds() -> None:
    hold = Hold(local(7, 9, 0), local(7, 10, 0), "parts", "pump on order", "li.wei")
    e = explain_clock("resolve", 2, 4 * 3600, local(4, 16, 10), None, [hold], LUNCH, TZ, local(7, 9, 30))
    # Friday 16:10-17:30 (1 h 20 m), weekend off, Monday 08:30-09:00, held 09:00-10:00, lunch off.
    assert hm(e.periods) == ["12-04 16:10-17:30", "12-07 08:30-09:00", "12-07 10:00-12:00", "12-07 13:00-13:10"]
    assert sum(p.seconds for p in e.periods) == 4 * 3600
    assert e.due == local(7, 13, 10) and e.ran_out == e.due
    (step,) = e.holds
    assert step.held_s == 3600 and step.holds == (hold,) and not step.overdue
    assert step.due_before == local(7, 11, 10) and step.due_after == local(7, 13, 10)
    assert e.verdict == "running" and e.late_by_s is None


def test_a_hold_over_lunch_moves_the_deadline_only_by_its_working_time() -> None:
    hold = Hold(local(7, 11, 30), local(7, 13, 30), "customer")
    e = explain_clock("resolve", 2, 4 * 3600, local(7, 8, 30), None, [hold], LUNCH, TZ, local(7, 9, 0))
    assert e.holds[0].held_s == 3600  # 11:30-12:00 and 13:00-13:30
    assert e.due == local(7, 14, 30)


def test_a_holiday_has_no_working_time() -> None:
    from store.rules.explain_text import clock_lines

    cal = WorkingHours(TZ, LUNCH.week, (Holiday(pendulum.date(2026, 12, 7), pendulum.date(2026, 12, 7), name="Bank day"),
                                        Holiday(pendulum.date(2026, 12, 25), pendulum.date(2026, 12, 25))))
    e = explain_clock("onsite", 3, 2 * 3600, local(4, 16, 30), None, [], cal, TZ, local(4, 17, 0))
    assert hm(e.periods) == ["12-04 16:30-17:30", "12-08 08:30-09:30"]
    assert e.holidays == ((pendulum.date(2026, 12, 7), "Bank day"),)  # not the 25th: the window ended before
    assert "  holidays, no working time: 12-07 Bank day" in clock_lines(e, TZ)


def test_met_late_names_the_step_the_ticket_was_at_when_it_ran_out() -> None:
    steps = [Step(at(0), "ticket.create", "mei.lin"), Step(at(5), "ticket.assign", "mei.lin"),
             Step(at(90), "ticket.arrive", "wang.fang", entered=at(100))]
    e = explain_clock("onsite", 1, 3600, at(0), at(90), [], None, "UTC", at(120), steps)
    assert e.verdict == "late" and e.late_by_s == 30 * 60
    assert e.late_step == steps[1] and e.met_step == steps[2]
    assert e.used_s == 90 * 60


def test_met_on_time_and_holds_after_it_are_ignored() -> None:
    after = Hold(at(40), None, "parts")
    e = explain_clock("response", 1, 15 * 60, at(0), at(10), [after], None, "UTC", at(50))
    assert e.verdict == "met" and e.late_by_s is None and e.late_step is None
    assert e.ignored == (after,) and e.holds == ()


def test_an_open_hold_stops_the_clock_with_the_time_left() -> None:
    e = explain_clock("resolve", 1, 3600, at(0), None, [Hold(at(20), None, "customer", actor="li.wei")], None, "UTC", at(500))
    assert e.verdict == "stopped" and e.due is None and e.frozen_left_s == 40 * 60
    assert e.ran_out is None and sum(p.seconds for p in e.periods) == 20 * 60


def test_a_hold_while_overdue_stops_the_overdue_time() -> None:
    e = explain_clock("resolve", 1, 3600, at(0), None, [Hold(at(120), at(180), "parts")], None, "UTC", at(200))
    (step,) = e.holds
    assert step.overdue and step.held_s == 3600
    assert e.ran_out == at(60) and e.due == at(120)  # +60 m overdue at the hold, still +60 m when it ended
    assert e.verdict == "overdue" and e.late_by_s == 80 * 60


def test_a_hold_before_the_report_holds_nothing() -> None:
    early = Hold(at(-30), at(-10), "customer")
    e = explain_clock("resolve", 1, 3600, at(0), None, [early], None, "UTC", at(10))
    assert e.ignored == (early,) and e.due == at(60)


def test_24x7_splits_at_the_site_midnight() -> None:
    spans = working_spans(AlwaysOpen(), local(4, 22, 0), local(5, 2, 0), TZ)
    assert hm(spans) == ["12-04 22:00-00:00", "12-05 00:00-02:00"]


histories = st.lists(st.tuples(st.integers(-60, 3000), st.one_of(st.none(), st.integers(0, 600))), max_size=4)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[object, pendulum.DateTime, str]:
    if draw(st.booleans()):
        tz = draw(st.sampled_from(ZONES))
        return AlwaysOpen(), at(0), tz
    bh, start = draw(hours_and_start())
    return bh, start, bh.tz


@SETTINGS
@given(cal=calendars(), prio=st.integers(1, 4), specs=histories,
       met=st.lists(st.one_of(st.none(), st.integers(0, 6000)), min_size=3, max_size=3),
       now=st.integers(0, 9000))
def test_the_stated_due_is_the_sla_modules_deadline(cal: tuple[object, pendulum.DateTime, str], prio: int,
                                                    specs: list[tuple[int, int | None]], met: list[int | None],
                                                    now: int) -> None:
    calendar, start, tz = cal
    minutes = (15, 60, 240) if prio == 1 else (30, 120, 480) if prio == 2 else (60, 240, 1440)
    policy = Policy(*minutes)

    def t(m: int) -> pendulum.DateTime:
        return start.add(minutes=m)

    holds = [Hold(t(s), None if n is None else t(s + n)) for s, n in specs]
    pauses = [Pause(h.start, h.end) for h in holds]
    met_at = {c: (None if m is None else t(m)) for c, m in zip(CLOCKS, met, strict=True)}
    statuses = clock_statuses(start, policy, met_at, pauses, calendar)  # type: ignore[arg-type]
    for status in statuses:
        e = explain_clock(status.clock, prio, status.window_s, start, status.met_at, holds, calendar,  # type: ignore[arg-type]
                          tz, t(now))
        assert e.due == status.due
        assert e.frozen_left_s == pytest.approx(status.frozen_left_s) if status.frozen_left_s is not None \
            else e.frozen_left_s is None
        if status.met_at is not None:
            assert (e.verdict == "met") == bool(status.met_on_time)
        else:
            assert e.verdict == {"breached": "overdue", "ok": "running", "at_risk": "running"}[
                status.state(t(now))] or (e.verdict == "stopped" and status.due is None)
        # The periods are the window's working time, holds left out, ending where it ran out.
        relevant = pauses if status.met_at is None else [
            Pause(p.start, status.met_at if p.end is None else min(p.end, status.met_at))
            for p in pauses if p.start < status.met_at]
        merged = merge_pauses(relevant)
        total = sum(p.seconds for p in e.periods)
        assert all(p.seconds > 0 for p in e.periods)  # no empty piece where a hold ends at a closing
        if e.ran_out is not None:
            assert total == pytest.approx(status.window_s, abs=1e-3)
            assert e.ran_out == ran_out(start, status.window_s, merged, calendar)  # type: ignore[arg-type]
        if e.frozen_left_s is not None and e.frozen_left_s >= 0:
            assert total + e.frozen_left_s == pytest.approx(status.window_s, abs=1e-3)
        # Each hold moves the deadline by the working time it held.
        for step in e.holds:
            if step.due_after is not None:
                assert calendar.between(step.due_before, step.due_after) == pytest.approx(step.held_s, abs=1e-3)  # type: ignore[attr-defined]
        if status.met_at is not None:
            assert e.used_s == pytest.approx(active_seconds(start, status.met_at, merged, calendar), abs=1e-3)  # type: ignore[arg-type]


def test_business_hours_of_earlier_versions_list_their_periods() -> None:
    bh = BusinessHours(TZ, time(8, 30), time(17, 30))
    e = explain_clock("resolve", 1, 4 * 3600, local(4, 16, 30), None, [], bh, TZ, local(4, 17, 0))
    assert hm(e.periods) == ["12-04 16:30-17:30", "12-07 08:30-11:30"] and e.due == local(7, 11, 30)


def test_the_example_of_docs_rules() -> None:
    """docs/rules.md "Explaining a clock", word for word (08:30-17:30 every day)."""
    from store.rules.explain_text import clock_lines

    cal = BusinessHours(TZ, time(8, 30), time(17, 30), frozenset(range(1, 8)))
    hold = Hold(local(5, 9, 0), local(5, 10, 0), "parts", "", "li.wei")
    e = explain_clock("resolve", 2, 4 * 3600, local(4, 16, 10), None, [hold], cal, TZ, local(5, 9, 30))
    lines = clock_lines(e, TZ)
    assert lines[0] == "Resolved: due 12-05 12:10 = reported 12-04 16:10 + 4 h of working time"
    assert ("  working time counted: 12-04 16:10–17:30 (1 h 20 m), 12-05 08:30–09:00 (30 m), "
            "12-05 10:00–12:10 (2 h 10 m)") in lines
    assert "  held 12-05 09:00–10:00 for parts by li.wei (+1 h)" in lines


def test_how_a_clock_counts_in_the_sla_met_figure() -> None:
    from store.rules.explain import figure_count

    def clock(met: int | None, holds: list[Hold] = ()) -> object:  # type: ignore[assignment]
        return explain_clock("response", 1, 15 * 60, at(0), None if met is None else at(met), holds, None, "UTC", at(100))

    assert figure_count(clock(10), False, at(100)) == "met"
    assert figure_count(clock(10), True, at(100)) == "met"  # met before it was cancelled: counted
    assert figure_count(clock(20), False, at(100)) == "missed"
    assert figure_count(clock(20), True, at(100)) == "missed"
    assert figure_count(clock(None), False, at(100)) == "missed"  # ran out at 09:15
    assert figure_count(clock(None), False, at(15)) == "missed"  # from the instant it ran out
    assert figure_count(clock(None), False, at(14)) == "not_counted"  # still inside its window
    assert figure_count(clock(None), True, at(100)) == "not_counted"  # cancelled, never met
    held_in_time = [Hold(at(10), None, "customer")]
    assert figure_count(clock(None, held_in_time), False, at(100)) == "not_counted"  # stopped with 5 m left
    held_late = [Hold(at(20), None, "customer")]
    assert figure_count(clock(None, held_late), False, at(100)) == "missed"  # stopped 5 m overdue
    held_at_due = [Hold(at(15), None, "customer")]
    assert figure_count(clock(None, held_at_due), False, at(100)) == "missed"  # stopped at the deadline


def test_overlapping_holds_are_one_step_naming_both() -> None:
    a, b = Hold(at(10), at(40), "customer", actor="li.wei"), Hold(at(30), at(50), "parts", actor="mei.lin")
    apart = Hold(at(70), at(80), "parts")
    e = explain_clock("resolve", 1, 4 * 3600, at(0), None, [apart, b, a], None, "UTC", at(90))
    first, second = e.holds
    assert first.holds == (b, a) or first.holds == (a, b)
    assert (first.start, first.end, first.held_s) == (at(10), at(50), 40 * 60)
    assert second.holds == (apart,) and second.held_s == 10 * 60
    assert e.due == at(240 + 50)
    assert hm(e.periods)[:3] == ["11-25 17:00-17:10", "11-25 17:50-18:10", "11-25 18:20-21:50"]


def test_a_hold_cut_at_the_report_and_at_the_meeting() -> None:
    # Put before the report (a stated time) and still open when the clock was met.
    h = Hold(at(-20), None, "customer")
    e = explain_clock("onsite", 1, 3600, at(0), at(30), [h], None, "UTC", at(90))
    (step,) = e.holds
    assert (step.start, step.end, step.held_s) == (at(0), at(30), 30 * 60)
    assert e.due == at(90) and e.verdict == "met" and e.used_s == 0
    # The window's working time, all of it after the hold: due when it runs out.
    assert [(p.start, p.end) for p in e.periods] == [(at(30), at(90))] and e.ran_out == at(90)


def test_a_calendar_without_a_way_to_list_its_hours_is_refused() -> None:
    class Odd:
        def add(self, start: pendulum.DateTime, seconds: float) -> pendulum.DateTime:
            return start.add(seconds=seconds)

        def between(self, a: pendulum.DateTime, b: pendulum.DateTime) -> float:
            return max(0.0, (b - a).total_seconds())

    with pytest.raises(TypeError):
        working_spans(Odd(), at(0), at(10), "UTC")  # type: ignore[arg-type]
    assert working_spans(Odd(), at(10), at(10), "UTC") == []  # type: ignore[arg-type]


def test_a_window_beyond_twenty_years_is_refused() -> None:
    never = WorkingHours(TZ, tuple(() for _ in range(7)))
    from store.rules.explain import count_window

    with pytest.raises(ValueError):
        count_window(at(0), 3600, [], never, TZ)


def test_the_boundaries_are_the_sla_modules() -> None:
    """At the very instant: met at the deadline is on time; unmet at the
    deadline is overdue; a hold put at the meeting cannot move the clock; one
    put at the deadline is a hold while overdue; one that ended at the report
    held nothing; holds that touch are one."""
    assert explain_clock("response", 1, 900, at(0), at(15), [], None, "UTC", at(20)).verdict == "met"
    e = explain_clock("response", 1, 900, at(0), None, [], None, "UTC", at(15))
    assert e.verdict == "overdue" and e.late_by_s == 0
    at_met = Hold(at(10), None, "customer")
    assert explain_clock("response", 1, 900, at(0), at(10), [at_met], None, "UTC", at(20)).ignored == (at_met,)
    at_due = Hold(at(15), at(25), "parts")
    (step,) = explain_clock("response", 1, 900, at(0), None, [at_due], None, "UTC", at(30)).holds
    assert step.overdue and step.due_after == at(25)
    ended = Hold(at(-10), at(0), "customer")
    e = explain_clock("response", 1, 900, at(0), None, [ended], None, "UTC", at(5))
    assert e.ignored == (ended,) and e.holds == ()
    a, b = Hold(at(1), at(2), "customer"), Hold(at(2), at(3), "parts")
    (step,) = explain_clock("response", 1, 900, at(0), None, [a, b], None, "UTC", at(5)).holds
    assert step.holds == (a, b) and step.held_s == 120


def test_an_open_hold_is_a_step_with_no_end() -> None:
    h = Hold(at(5), None, "customer", actor="li.wei")
    (step,) = explain_clock("response", 1, 900, at(0), None, [h], None, "UTC", at(50)).holds
    assert (step.holds, step.start, step.end, step.held_s, step.due_before, step.due_after, step.overdue) == (
        (h,), at(5), None, 0.0, at(15), None, False)


def test_the_steps_named_are_the_meeting_and_the_one_in_force_when_it_ran_out() -> None:
    steps = [Step(at(0), "ticket.create", "mei.lin"), Step(at(5), "ticket.assign", "mei.lin")]
    met = explain_clock("response", 1, 900, at(0), at(10), [], None, "UTC", at(20), steps)
    assert met.met_step is None  # no step at 09:10: not the assignment before it
    running = explain_clock("onsite", 1, 3600, at(0), None, [], None, "UTC", at(20), steps)
    assert running.late_step is None and running.met_step is None
    stopped = explain_clock("onsite", 1, 3600, at(0), None, [Hold(at(10), None)], None, "UTC", at(90), steps)
    assert stopped.late_step is None


def test_a_window_of_a_second_is_counted() -> None:
    from store.rules.explain import count_window

    periods, left = count_window(at(0), 1, [], AlwaysOpen(), "UTC")
    assert [(p.start, p.end) for p in periods] == [(at(0), at(0).add(seconds=1))] and left == 0


def test_24x7_periods_split_at_the_site_midnight() -> None:
    e = explain_clock("resolve", 1, 4 * 3600, local(4, 22, 0), None, [], None, TZ, local(4, 23, 0))
    assert hm(e.periods) == ["12-04 22:00-00:00", "12-05 00:00-02:00"]


def test_the_periods_shown_add_up_to_the_window_as_read() -> None:
    """Periods cut at local midnight from a report at 21:17:35: each period's length is that of
    the minutes it shows, so 2 h 43 m + 1 h 17 m reads as the 4 h window (not 2 h 42 m + 1 h 17 m)."""
    from store.rules.explain import Span
    from store.rules.explain_text import _period

    start = pendulum.datetime(2026, 12, 5, 13, 17, 35, tz="UTC")  # 21:17:35 in Shanghai
    midnight = pendulum.datetime(2026, 12, 5, 16, 0, tz="UTC")
    first, second = Span(start, midnight), Span(midnight, start.add(hours=4))
    assert _period(first, "Asia/Shanghai") == "12-05 21:17–00:00 (2 h 43 m)"
    assert _period(second, "Asia/Shanghai") == "12-06 00:00–01:17 (1 h 17 m)"


# ---- what a mutation run found untested (bench/README.md "Mutation scores")
def test_a_hold_ending_at_a_closing_leaves_no_empty_period() -> None:
    hold = Hold(local(7, 11, 0), local(7, 12, 0), "parts")
    e = explain_clock("resolve", 2, 4 * 3600, local(7, 8, 30), None, [hold], LUNCH, TZ, local(7, 9, 0))
    assert hm(e.periods) == ["12-07 08:30-11:00", "12-07 13:00-14:30"]
    assert e.due == local(7, 14, 30)


def test_a_deadline_up_to_twenty_years_away_is_counted_and_beyond_refused() -> None:
    """Twenty years of 366 days (7320), read a fortnight at a time: a deadline on day 7310
    (used up in the last fortnight read) is counted, as the SLA module counts it; one on
    day 7330 is refused, with the calendar's words."""
    from store.rules.explain import count_window

    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    for off_days, ok in ((7300, True), (7310, True), (7330, False)):
        closed = Holiday(start.date(), start.add(days=off_days - 1).date())
        cal = WorkingHours("UTC", ((Period(0, 1440),),) * 7, (closed,))
        if ok:
            periods, left = count_window(start, 60, [], cal, "UTC")
            assert [(p.start, p.end) for p in periods] == [(start.add(days=off_days), start.add(days=off_days, seconds=60))]
            assert left == 0 and cal.add(start, 60) == periods[-1].end
        else:
            with pytest.raises(ValueError) as refused:
                count_window(start, 60, [], cal, "UTC")
            assert str(refused.value) == "the deadline is more than twenty years away"


def test_an_open_hold_from_a_fortnight_after_the_report_stops_the_clock() -> None:
    e = explain_clock("resolve", 4, 30 * 86400, at(0), None, [Hold(at(14 * 1440), None)], None, "UTC", at(20 * 1440))
    assert e.verdict == "stopped" and e.frozen_left_s == 16 * 86400
    assert sum(p.seconds for p in e.periods) == 14 * 86400


def test_an_empty_hold_where_another_ended_is_named_with_it() -> None:
    # A pause and a resume at the same minute, right where the earlier hold ended.
    a, empty = Hold(at(10), at(20), "customer"), Hold(at(20), at(20), "parts")
    (step,) = explain_clock("resolve", 1, 3600, at(0), None, [a, empty], None, "UTC", at(30)).holds
    assert step.holds == (a, empty) and step.held_s == 600


def test_a_hold_before_the_report_does_not_hide_the_ones_after_it() -> None:
    early, later = Hold(at(-30), at(-10), "customer"), Hold(at(10), at(20), "parts")
    e = explain_clock("resolve", 1, 3600, at(0), None, [early, later], None, "UTC", at(30))
    assert e.ignored == (early,) and [s.holds for s in e.holds] == [(later,)]
    assert e.due == at(70)


def test_stopped_half_a_second_before_its_deadline_has_not_run_out() -> None:
    from store.rules.explain import figure_count

    e = explain_clock("response", 1, 60, at(0), None, [Hold(at(0).add(seconds=59.5), None)], None, "UTC", at(10))
    assert e.verdict == "stopped" and e.frozen_left_s == 0.5 and e.ran_out is None
    assert figure_count(e, False, at(10)) == "not_counted"


def test_a_window_of_nothing_runs_out_at_the_report() -> None:
    e = explain_clock("response", 1, 0, at(0), None, [], None, "UTC", at(10))
    assert e.ran_out == at(0) and e.due == at(0) and e.periods == ()
    # A second's window stopped from the report on has not run out.
    e = explain_clock("response", 1, 1, at(0), None, [Hold(at(0), None)], None, "UTC", at(10))
    assert e.ran_out is None and e.verdict == "stopped" and e.frozen_left_s == 1


def test_overdue_names_the_step_in_force_when_it_ran_out_and_what_it_was_given() -> None:
    from store.rules.explain import PriorityChange

    steps = [Step(at(0), "ticket.create", "mei.lin"), Step(at(5), "ticket.assign", "mei.lin"),
             Step(at(30), "ticket.edit", "mei.lin")]
    change = PriorityChange(at(1), 3, 2, "customer called", "mei.lin")
    e = explain_clock("response", 2, 900, at(0), None, [], None, "UTC", at(20), steps, [change])
    assert e.verdict == "overdue" and e.late_step == steps[1]
    assert e.used_s is None and e.met_at is None and e.met_step is None
    assert e.priority == 2 and e.priority_changes == (change,)
    met = explain_clock("response", 2, 900, at(0), at(10), [], None, "UTC", at(20), steps)
    assert met.met_at == at(10) and met.used_s == 600 and met.priority_changes == ()


def test_the_holidays_of_a_stopped_clock_are_those_its_periods_spanned() -> None:
    cal = WorkingHours(TZ, LUNCH.week, (Holiday(pendulum.date(2026, 12, 7), pendulum.date(2026, 12, 7), name="Bank day"),))
    held = Hold(local(8, 9, 0), None, "customer")
    e = explain_clock("resolve", 2, 4 * 3600, local(4, 16, 30), None, [held], cal, TZ, local(8, 10, 0))
    assert e.verdict == "stopped" and hm(e.periods) == ["12-04 16:30-17:30", "12-08 08:30-09:00"]
    assert e.holidays == ((pendulum.date(2026, 12, 7), "Bank day"),)


def test_a_hold_while_overdue_moves_the_deadline_past_a_holiday() -> None:
    """The window ran out on Friday; a hold from then to Monday moves the deadline past
    Monday's holiday to Tuesday: the holiday is named (up to the deadline, not where it ran out)."""
    cal = WorkingHours(TZ, LUNCH.week, (Holiday(pendulum.date(2026, 12, 7), pendulum.date(2026, 12, 7), name="Bank day"),))
    held = Hold(local(4, 17, 0), local(8, 9, 0), "parts")
    e = explain_clock("resolve", 2, 3600, local(4, 16, 0), None, [held], cal, TZ, local(8, 12, 0))
    assert e.ran_out == local(4, 17, 0) and e.due == local(8, 9, 0)
    assert e.holidays == ((pendulum.date(2026, 12, 7), "Bank day"),)


def test_the_holidays_are_the_site_days_not_utcs() -> None:
    monday = Holiday(pendulum.date(2026, 12, 7), pendulum.date(2026, 12, 7), name="Bank day")
    cal = WorkingHours(TZ, LUNCH.week, (monday,))
    # Reported Tuesday 07:00 in Shanghai, still Monday 23:00 in UTC: Monday's holiday was not spanned.
    e = explain_clock("resolve", 2, 3600, local(8, 7, 0), None, [], cal, TZ, local(8, 9, 0))
    assert e.due == local(8, 9, 30) and e.holidays == ()
    # Due Friday 19:00 in Shanghai: Saturday's holiday was not spanned.
    saturday = Holiday(pendulum.date(2026, 12, 5), pendulum.date(2026, 12, 5), name="Open day")
    always = WorkingHours(TZ, ((Period(0, 1440),),) * 7, (saturday,))
    e = explain_clock("resolve", 2, 3600, local(4, 18, 0), None, [], always, TZ, local(4, 18, 30))
    assert e.due == local(4, 19, 0) and e.holidays == ()
    kiritimati = WorkingHours("Pacific/Kiritimati", ((Period(0, 1440),),) * 7, (saturday,))
    e = explain_clock("resolve", 2, 3600, local(4, 18, 0), None, [], kiritimati, "Pacific/Kiritimati", local(4, 18, 30))
    # The same instants at a site in Kiritimati: Saturday from the report on, the window on Sunday.
    assert e.holidays == ((pendulum.date(2026, 12, 5), "Open day"),) and e.due == local(5, 19, 0)


def test_holidays_between_lists_each_site_day_from_the_first_to_the_last() -> None:
    from store.rules.explain import holidays_between

    cal = WorkingHours(TZ, LUNCH.week, (Holiday(pendulum.date(2026, 12, 7), pendulum.date(2026, 12, 8), name="Bank days"),))
    bank = [(pendulum.date(2026, 12, 7), "Bank days"), (pendulum.date(2026, 12, 8), "Bank days")]
    assert list(holidays_between(cal, local(4, 9, 0), local(8, 0, 0), TZ)) == bank  # the last day counts
    assert list(holidays_between(cal, local(7, 10, 0), local(7, 10, 0), TZ)) == bank[:1]  # one instant: its day
    assert holidays_between(cal, local(7, 10, 0), local(7, 9, 0), TZ) == ()  # backwards: none
    assert holidays_between(cal, local(9, 7, 0), local(9, 9, 0), TZ) == ()  # Wednesday 07:00: Tuesday in UTC
    # At most a year of days is listed.
    long = WorkingHours(TZ, LUNCH.week, (Holiday(pendulum.date(2026, 1, 1), pendulum.date(2027, 12, 31), name="closed"),))
    listed = holidays_between(long, local(1, 9, 0, month=1), pendulum.datetime(2027, 12, 31, tz=TZ), TZ)
    assert len(listed) == 366 and listed[-1][0] == pendulum.date(2027, 1, 1)


def test_a_calendar_that_cannot_list_its_hours_is_named() -> None:
    class Odd:
        pass

    with pytest.raises(TypeError, match=r"^cannot list the working time of Odd$"):
        working_spans(Odd(), at(0), at(10), "UTC")  # type: ignore[arg-type]


def test_a_clock_stopped_before_twenty_years_were_read_is_stopped_not_refused() -> None:
    """No working time for twenty years and an open hold from the fortnight the reading
    would go past them: the clock is stopped there, with its window left, not refused."""
    from store.rules.explain import count_window

    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    never = WorkingHours("UTC", tuple(() for _ in range(7)))
    held = start.add(days=523 * 14)  # the first fortnight past 366 × 20 days
    assert count_window(start, 60, [(held, None)], never, "UTC") == ([], 60)
    with pytest.raises(ValueError):
        count_window(start, 60, [(held.add(days=14), None)], never, "UTC")


def test_no_empty_period_when_float_seconds_leave_under_a_microsecond() -> None:
    """Found by Hypothesis: working pieces starting a microsecond past a minute
    sum to the window but for ~1e-10 s, which made a last period of 0 s."""
    from store.rules.sla import CLOCKS as ALL

    cal = BusinessHours(tz="Europe/Berlin", opens=time(0, 1), closes=time(1, 1), weekdays=frozenset({3}))
    start = pendulum.datetime(2026, 2, 25, 0, 0, 0, 1, tz="UTC")
    for status in clock_statuses(start, Policy(15, 60, 240), dict.fromkeys(ALL), [], cal):
        e = explain_clock(status.clock, 1, status.window_s, start, None, [], cal, "Europe/Berlin", start)
        assert all(p.seconds > 0 for p in e.periods)
        assert e.due == status.due
        assert sum(p.seconds for p in e.periods) == pytest.approx(status.window_s, abs=1e-3)
