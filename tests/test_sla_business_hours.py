"""Business hours and working calendars (store/rules/sla.py): checked by their
algebra (add and between are inverse, add is monotone, deadlines fall inside
working hours) over date ranges that cross the DST changes; holidays, the
stretch of working time, the site's day, holds under business hours, and the
twenty-year search limits."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime
from sla_helpers import SETTINGS, hours_and_start, in_working_hours, windows_near, working_seconds

from store.rules.sla import Pause, deadline, merge_pauses
from store.rules.working_hours import BusinessHours, Holiday, Period, WorkingHours


@SETTINGS
@given(ha=hours_and_start(), s=working_seconds)
def test_between_inverts_add(ha: tuple[BusinessHours, DateTime], s: float) -> None:
    bh, a = ha
    b = bh.add(a, s)
    assert b >= a
    assert abs(bh.between(a, b) - s) < 1e-6

@SETTINGS
@given(ha=hours_and_start(), s1=working_seconds, s2=working_seconds)
def test_add_is_monotone(ha: tuple[BusinessHours, DateTime], s1: float, s2: float) -> None:
    bh, a = ha
    lo, hi = sorted((s1, s2))
    assert bh.add(a, lo) <= bh.add(a, hi)

@SETTINGS
@given(ha=hours_and_start(), s=working_seconds)
def test_deadlines_fall_inside_working_hours(ha: tuple[BusinessHours, DateTime], s: float) -> None:
    bh, a = ha
    due = bh.add(a, s)
    assert in_working_hours(bh, due)
    if s >= 1e-6:  # (below a microsecond, the instant rounds to the start)
        # Never exactly at an opening: a positive amount of work ends after it.
        assert any(lo < due <= hi for lo, hi in windows_near(bh, due))

@SETTINGS
@given(ha=hours_and_start(), d1=st.integers(0, 10 * 86400), d2=st.integers(0, 10 * 86400))
def test_between_is_additive_and_bounded(ha: tuple[BusinessHours, DateTime], d1: int, d2: int) -> None:
    bh, a = ha
    b, c = a.add(seconds=d1), a.add(seconds=d1 + d2)
    assert bh.between(a, c) == pytest.approx(bh.between(a, b) + bh.between(b, c))
    assert 0 <= bh.between(a, b) <= d1
    assert bh.between(b, a) == 0

@SETTINGS
@given(
    tz=st.sampled_from(["Europe/Berlin", "America/New_York"]),
    day=st.one_of(
        st.dates(min_value=datetime(2026, 3, 1).date(), max_value=datetime(2026, 4, 5).date()),
        st.dates(min_value=datetime(2026, 10, 20).date(), max_value=datetime(2026, 11, 8).date()),
    ),
    worked=st.integers(0, 9 * 3600),
)
def test_local_office_hours_hold_across_dst(tz: str, day, worked: int) -> None:
    """08:30–17:30 local every day, whatever the UTC offset that day."""
    bh = BusinessHours(tz=tz, weekdays=frozenset(range(1, 8)))
    opens = pendulum.datetime(day.year, day.month, day.day, 8, 30, tz=tz)
    closes = pendulum.datetime(day.year, day.month, day.day, 17, 30, tz=tz)
    assert bh.between(opens, closes) == 9 * 3600
    due = bh.add(opens, worked)
    assert due.in_timezone(tz).date() == day
    assert due.in_timezone(tz).naive() == opens.naive().add(seconds=worked)

@pytest.mark.parametrize(
    ("tz", "friday", "utc_before", "utc_after"),
    [
        ("Europe/Berlin", (2026, 3, 27), "+01:00", "+02:00"),  # spring forward on Sunday 29
        ("America/New_York", (2026, 3, 6), "-05:00", "-04:00"),  # spring forward on Sunday 8
        ("Europe/Berlin", (2026, 10, 23), "+02:00", "+01:00"),  # fall back on Sunday 25
        ("America/New_York", (2026, 10, 30), "-04:00", "-05:00"),  # fall back on Sunday 1 Nov
    ],
)
def test_weekend_with_dst_change(tz: str, friday: tuple[int, int, int], utc_before: str, utc_after: str) -> None:
    bh = BusinessHours(tz=tz)
    start = pendulum.datetime(*friday, 17, 0, tz=tz)
    assert start.format("Z") == utc_before
    due = bh.add(start, 3600)  # 30 min on Friday, 30 min on Monday
    local = due.in_timezone(tz)
    assert local.format("ddd HH:mm Z") == f"Mon 09:00 {utc_after}"
    assert bh.between(start, due) == 3600

@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/Berlin", (2026, 3, 29), 2),  # 01:00–04:00 loses the hour 02:00–03:00
        ("Europe/Berlin", (2026, 10, 25), 4),  # ... and gains one on the way back
        ("America/New_York", (2026, 3, 8), 2),
        # 01:00 happens twice that night; the window opens at the first one
        # (issue 11 §5, as RFC 5545 and zoneinfo read it): 01:00 EDT to 04:00 EST.
        ("America/New_York", (2026, 11, 1), 4),
        ("Europe/Berlin", (2026, 3, 28), 3),
    ],
)
def test_night_hours_on_dst_days(tz: str, day: tuple[int, int, int], hours: int) -> None:
    bh = BusinessHours(tz=tz, opens=time(1, 0), closes=time(4, 0), weekdays=frozenset(range(1, 8)))
    midnight = pendulum.datetime(*day, tz=tz)
    assert bh.between(midnight, midnight.add(days=1)) == hours * 3600
    due = bh.add(midnight, hours * 3600)
    assert due.in_timezone(tz).format("HH:mm") == "04:00"

def test_business_hours_edges() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30
    wed_0700 = pendulum.datetime(2026, 11, 25, 7, 0)
    # Outside hours the clock waits for the opening.
    assert bh.add(wed_0700, 0) == pendulum.datetime(2026, 11, 25, 8, 30)
    assert bh.add(wed_0700, 60) == pendulum.datetime(2026, 11, 25, 8, 31)
    # Work that exactly fills the day ends at the close, not the next opening.
    assert bh.add(pendulum.datetime(2026, 11, 25, 8, 30), 9 * 3600) == pendulum.datetime(2026, 11, 25, 17, 30)
    # Friday evening to Monday morning counts nothing.
    assert bh.between(pendulum.datetime(2026, 11, 27, 17, 30), pendulum.datetime(2026, 11, 30, 8, 30)) == 0
    with pytest.raises(ValueError, match="working day"):
        BusinessHours(tz="UTC", weekdays=frozenset()).add(wed_0700, 60)

@SETTINGS
@given(
    ha=hours_and_start(), window=st.integers(1, 20 * 3600),
    specs=st.lists(st.tuples(st.integers(0, 5 * 86400), st.integers(0, 86400)), max_size=3),
)
def test_business_deadline_counts_working_time_outside_pauses(
    ha: tuple[BusinessHours, DateTime], window: int, specs: list,
) -> None:
    bh, a = ha
    pauses = [Pause(a.add(seconds=s), a.add(seconds=s + n)) for s, n in specs]
    due, frozen = deadline(a, window, pauses, bh)
    assert frozen is None and due is not None
    assert due >= bh.add(a, window)
    # The deadline is the window plus every paused working second from the
    # report on, including those after it (overdue time stops on hold too).
    paused = sum(bh.between(max(p.start, a), p.end) for p in merge_pauses(pauses) if p.end is not None)
    assert bh.between(a, due) == pytest.approx(window + paused, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(ha=hours_and_start(), s=st.integers(0, 40 * 3600))
def test_business_hours_count_back_to_the_latest_instant(ha: tuple[BusinessHours, DateTime], s: int) -> None:
    """add() with negative seconds, used to resume an overdue hold: exactly
    that much working time before, and the latest such instant (working time
    follows it at once), so no idle night is counted as overdue. Zero (a hold
    from the deadline exactly) follows the same rule: at a close, the next
    opening."""
    bh, a = ha
    d = bh.add(a, -s)
    assert d <= a if s else d >= a
    assert bh.between(*sorted((d, a))) == pytest.approx(s, abs=1e-6)
    assert any(lo <= d < hi for lo, hi in windows_near(bh, d))

def test_overdue_hold_under_business_hours_counts_working_time() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30
    fri_1600 = pendulum.datetime(2026, 11, 27, 16, 0)
    # 30 working minutes: due Fri 16:30; held at 17:00: 30 min overdue.
    assert deadline(fri_1600, 1800, [Pause(pendulum.datetime(2026, 11, 27, 17, 0))], bh) == (None, -1800.0)
    # Held after the close: only working time was overdue (16:30–17:30).
    assert deadline(fri_1600, 1800, [Pause(pendulum.datetime(2026, 11, 27, 20, 0))], bh) == (None, -3600.0)
    # Held Fri 17:00 until Mon 09:00: 30 min overdue again at Mon 09:00, so
    # the deadline is Mon 08:30 (not Fri 17:30, which would read +2d15h then).
    due, _ = deadline(fri_1600, 1800, [Pause(pendulum.datetime(2026, 11, 27, 17, 0),
                                             pendulum.datetime(2026, 11, 30, 9, 0))], bh)
    assert due == pendulum.datetime(2026, 11, 30, 8, 30)
    assert bh.between(due, pendulum.datetime(2026, 11, 30, 9, 0)) == 1800

def test_a_hold_from_the_deadline_to_the_close_resumes_at_the_next_opening() -> None:
    bh = BusinessHours(tz="UTC")
    fri_1700, fri_1730 = pendulum.datetime(2026, 11, 27, 17, 0), pendulum.datetime(2026, 11, 27, 17, 30)
    assert bh.add(fri_1730, 0) == pendulum.datetime(2026, 11, 30, 8, 30)
    # Due Fri 17:00, held from then to the close: no time overdue, the clock runs again Monday.
    assert deadline(fri_1700.subtract(minutes=30), 1800, [Pause(fri_1700, fri_1730)], bh) == (
        pendulum.datetime(2026, 11, 30, 8, 30), None)

def test_business_hours_hold_with_odd_hours() -> None:
    # Working 22:00–23:30 local in Shanghai (14:00–15:30 UTC), every day.
    bh = BusinessHours(tz="Asia/Shanghai", opens=time(22, 0), closes=time(23, 30), weekdays=frozenset(range(1, 8)))
    start = pendulum.datetime(2026, 11, 25, 14, 0)
    # 60 working minutes: due 15:00 UTC; held from 15:10 UTC: 10 min overdue.
    assert deadline(start, 3600, [Pause(pendulum.datetime(2026, 11, 25, 15, 10))], bh) == (None, -600.0)


def test_business_hours_take_holidays() -> None:
    christmas = Holiday(date(2026, 12, 25), date(2026, 12, 25), name="Christmas")
    bh = BusinessHours(tz="UTC", holidays=(christmas,))
    thu = pendulum.datetime(2026, 12, 24, 16, 30)  # Friday 25 is Christmas
    assert BusinessHours(tz="UTC").add(thu, 2 * 3600) == pendulum.datetime(2026, 12, 25, 9, 30)
    assert bh.add(thu, 2 * 3600) == pendulum.datetime(2026, 12, 28, 9, 30)
    assert bh.holidays == (christmas,)
    assert bh.window(date(2026, 12, 25)) == []
    assert bh.window(date(2026, 12, 24)) == [(pendulum.datetime(2026, 12, 24, 8, 30), pendulum.datetime(2026, 12, 24, 17, 30))]

def test_holiday_covers_its_days_inclusive() -> None:
    dated = Holiday(date(2026, 12, 24), date(2026, 12, 26))
    assert [dated.covers(date(2026, 12, d)) for d in (23, 24, 25, 26, 27)] == [False, True, True, True, False]
    assert not dated.covers(date(2027, 12, 25))  # a dated holiday is that year only
    golden = Holiday(date(2000, 10, 1), date(2000, 10, 7), yearly=True)
    assert [golden.covers(date(2031, 10, d)) for d in (1, 4, 7, 8)] == [True, True, True, False]
    assert not golden.covers(date(2031, 9, 30)) and not golden.covers(date(2031, 11, 3))
    # A yearly range across the new year: 31 Dec and 1 Jan, every year.
    new_year = Holiday(date(2000, 12, 31), date(2000, 1, 1), yearly=True)
    assert [new_year.covers(d) for d in (date(2030, 12, 30), date(2030, 12, 31), date(2031, 1, 1), date(2031, 1, 2))] == [
        False, True, True, False]

def _utc(*args: int) -> DateTime:
    return pendulum.datetime(*args)

def test_stretch_is_the_working_time_from_now_without_a_break() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30; 25 Nov 2026 is a Wednesday
    assert bh.stretch(_utc(2026, 11, 25, 10, 0)) == (_utc(2026, 11, 25, 10, 0), _utc(2026, 11, 25, 17, 30))
    assert bh.stretch(_utc(2026, 11, 25, 8, 30)) == (_utc(2026, 11, 25, 8, 30), _utc(2026, 11, 25, 17, 30))
    # Closed now: the next stretch. At the closing instant it is closed.
    assert bh.stretch(_utc(2026, 11, 25, 7, 0)) == (_utc(2026, 11, 25, 8, 30), _utc(2026, 11, 25, 17, 30))
    assert bh.stretch(_utc(2026, 11, 25, 17, 30)) == (_utc(2026, 11, 26, 8, 30), _utc(2026, 11, 26, 17, 30))
    assert bh.stretch(_utc(2026, 11, 27, 18, 0)) == (_utc(2026, 11, 30, 8, 30), _utc(2026, 11, 30, 17, 30))
    # A lunch break ends it.
    lunch = WorkingHours("UTC", ((Period(510, 720), Period(780, 1050)),) * 5 + ((), ()))
    assert lunch.stretch(_utc(2026, 11, 25, 11, 0)) == (_utc(2026, 11, 25, 11, 0), _utc(2026, 11, 25, 12, 0))
    assert lunch.stretch(_utc(2026, 11, 25, 12, 30)) == (_utc(2026, 11, 25, 13, 0), _utc(2026, 11, 25, 17, 30))
    # Whole days in a row, and a night shift into the next morning's period, run on without a break.
    days = WorkingHours("UTC", ((Period(0, 1440),),) * 3 + ((), (), (), ()))
    assert days.stretch(_utc(2026, 11, 23, 10, 0)) == (_utc(2026, 11, 23, 10, 0), _utc(2026, 11, 26, 0, 0))
    nights = WorkingHours("UTC", ((Period(1080, 480),), (Period(480, 720),), (), (), (), (), ()))
    assert nights.stretch(_utc(2026, 11, 23, 12, 0)) == (_utc(2026, 11, 23, 18, 0), _utc(2026, 11, 24, 12, 0))
    assert nights.stretch(_utc(2026, 11, 24, 2, 0)) == (_utc(2026, 11, 24, 2, 0), _utc(2026, 11, 24, 12, 0))

def test_stretch_stops_at_the_first_break() -> None:
    # It looks at the days it spans (and the one before, for a night shift), not twenty years of them.
    bh = BusinessHours(tz="UTC")
    assert bh.stretch(_utc(2026, 11, 25, 10, 0)) == (_utc(2026, 11, 25, 10, 0), _utc(2026, 11, 25, 17, 30))
    assert sorted(date.fromordinal(d) for d in bh._days) == [date(2026, 11, d) for d in (24, 25, 26)]

def test_business_hours_is_the_week_of_its_one_window() -> None:
    # The calendar of earlier versions is a week like any other: seven days, Monday first.
    assert BusinessHours(tz="UTC").week == ((Period(510, 1050),),) * 5 + ((), ())
    weekend_nights = BusinessHours(tz="Asia/Shanghai", opens=time(22, 0), closes=time(6, 0), weekdays=frozenset({6, 7}))
    assert weekend_nights.week == ((),) * 5 + ((Period(1320, 360),),) * 2
    assert weekend_nights.tz == "Asia/Shanghai"

@pytest.fixture
def machine_zone(monkeypatch: pytest.MonkeyPatch):
    """Set the machine's own zone (TZ) for one test; put it back after."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time_module.tzset()
    yield set_zone
    monkeypatch.undo()
    time_module.tzset()

def test_the_site_day_counts_not_the_machine_day(machine_zone) -> None:
    # The server may run 26 hours behind the site: at 01:00 on Thursday in Kiritimati
    # (UTC+14) the machine's clock (UTC-12) still reads Tuesday 23:00.
    machine_zone("Etc/GMT+12")
    cal = WorkingHours("Pacific/Kiritimati", ((Period(0, 1440),),) * 7)
    wed_2300 = pendulum.datetime(2026, 11, 25, 23, 0, tz="Pacific/Kiritimati")
    thu_0100 = pendulum.datetime(2026, 11, 26, 1, 0, tz="Pacific/Kiritimati")
    assert cal.between(wed_2300, thu_0100) == 7200
    assert cal.add(thu_0100, -7200) == wed_2300
    assert cal.add(wed_2300, 7200) == thu_0100

def test_working_time_is_exact_to_the_microsecond_on_any_date() -> None:
    # Instants are counted in whole microseconds: past 2255 (2**53 µs) a float count would drop them.
    cal = WorkingHours("UTC", ((Period(0, 1440),),) * 7)
    t = pendulum.datetime(2300, 1, 1, 12, 0, 0)
    for us in range(4):
        a = t.add(microseconds=us)
        assert cal.between(a, a.add(microseconds=1)) == 1e-6
        assert cal.add(a, 1e-6) == a.add(microseconds=1)


# ------------------------------------------------ the twenty-year limits
# The engine looks for working time over 366 × 20 days from the day before
# the start (or the day after the end, counting back), then gives up: a
# calendar that puts a deadline further out is a mistake, not a date.

START = _utc(2026, 11, 25, 12, 0)
LAST_DAY = START.date() + timedelta(days=366 * 20 - 2)  # the last day the search looks at, forward
FIRST_DAY = START.date() - timedelta(days=366 * 20 - 2)  # and back


def round_the_clock_but(first: date, last: date) -> WorkingHours:
    return WorkingHours("UTC", ((Period(0, 1440),),) * 7, (Holiday(first, last),))


def test_the_search_forward_stops_after_twenty_years() -> None:
    cal = round_the_clock_but(date(2026, 1, 1), LAST_DAY - timedelta(days=1))
    found = _utc(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day)
    assert cal.add(START, 60) == found.add(minutes=1)
    assert cal.stretch(START) == (found, found.add(days=1))
    beyond = round_the_clock_but(date(2026, 1, 1), LAST_DAY)
    with pytest.raises(ValueError) as err:
        beyond.add(START, 60)
    assert str(err.value) == "the deadline is more than twenty years away"
    with pytest.raises(ValueError) as err:
        beyond.stretch(START)
    assert str(err.value) == "no working time within twenty years"


def test_the_search_back_stops_after_twenty_years() -> None:
    cal = round_the_clock_but(FIRST_DAY + timedelta(days=1), date(2050, 1, 1))
    assert cal.add(START, -60) == _utc(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day).add(days=1, minutes=-1)
    with pytest.raises(ValueError) as err:
        round_the_clock_but(FIRST_DAY, date(2050, 1, 1)).add(START, -60)
    assert str(err.value) == "the deadline is more than twenty years back"


def test_a_week_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError) as err:
        WorkingHours("UTC", ((),) * 7).add(START, 60)
    assert str(err.value) == "a business-hours calendar needs at least one working day"
