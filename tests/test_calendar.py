"""Calendars as peers have them (issue 11 §5): holidays, hours per weekday,
several periods a day, overnight shifts, 24-hour days, DST. (The setting
itself, its checks and its parts as shown: tests/test_calendar_setting.py.)

The engine (store.rules.sla.WorkingHours, built from the setting by
store.settings.calendar) is checked against a reference written here that walks the
timeline minute by minute. The reference reads a local wall time by looking
it up among the minutes it has walked: a time that occurs twice is its first
occurrence, one that does not exist is read with the offset in force before
the gap (RFC 5545 §3.3.5), and a period whose two ends do not exist has no
working time; it never asks zoneinfo to resolve a wall time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.rules.calendar import (
    calendar_from,
    check_calendar,
    parse_calendar,
)
from store.rules.sla import AlwaysOpen, deadline
from store.rules.working_hours import BusinessHours, WorkingHours

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# (zone, a date a few days before one of its 2026 clock changes)
NEAR_CHANGES = [
    ("Europe/Berlin", date(2026, 3, 26)), ("Europe/Berlin", date(2026, 10, 22)),
    ("America/New_York", date(2026, 3, 5)), ("America/New_York", date(2026, 10, 29)),
    ("Australia/Lord_Howe", date(2026, 4, 2)),  # half-hour change: 02:00 becomes 01:30
    ("UTC", date(2026, 12, 22)),
]
SPAN_DAYS = 12  # the reference walks this many days from one before the base date
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ------------------------------------------------------- reference model

class Reference:
    """Working minutes of a setting, found by walking every UTC minute."""

    def __init__(self, setting: dict[str, Any], tz: str, base: date) -> None:
        zone = ZoneInfo(tz)
        self.t0 = int(datetime(base.year, base.month, base.day, tzinfo=zone).timestamp()) // 60 - 24 * 60 - 14 * 60
        self.n = (SPAN_DAYS + 2) * 1440
        walls = [datetime.fromtimestamp((self.t0 + i) * 60, zone).replace(tzinfo=None) for i in range(self.n)]
        first: dict[datetime, int] = {}
        for i, w in enumerate(walls):
            first.setdefault(w, i)

        def at(day: date, minute: int) -> int | None:
            """Minute index of a local wall time: its first occurrence, or
            (in a spring gap) the wall time read with the offset before it."""
            wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
            if wall in first:
                return first[wall]
            before = [i for i, w in enumerate(walls) if w < wall]
            if not before or before[-1] + 1 >= self.n:
                return None  # outside the walked span
            i = before[-1]
            return i + int((wall - walls[i]).total_seconds() // 60)

        def skipped(day: date, minute: int) -> bool:
            """A wall time the walk never met: the spring change skips it."""
            wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
            return walls[0] < wall < walls[-1] and wall not in first

        cal = setting.get("hours") or {}
        if setting["kind"] == "24x7":
            cal = {key: ["00:00-24:00"] for key in DAYS}
        elif "opens" in setting:
            cal = {DAYS[d - 1]: [f"{setting['opens']}-{setting['closes']}"] for d in setting["weekdays"]}
        self.working = [False] * self.n
        for k in range(-1, SPAN_DAYS + 1):
            day = base + timedelta(days=k)
            if any(covers(h, day) for h in setting.get("holidays", [])):
                continue
            for text in cal.get(DAYS[day.weekday()], []):
                a, b = (int(x[:2]) * 60 + int(x[3:]) for x in text.split("-"))
                close_day = day + timedelta(days=1 if b <= a else 0)
                lo, hi = at(day, a), at(close_day, b)
                if lo is None or hi is None or (skipped(day, a) and skipped(close_day, b)):
                    continue  # (wholly inside a skipped hour: no working time that night)
                for i in range(max(lo, 0), min(hi, self.n)):
                    self.working[i] = True

    def index(self, t: DateTime) -> int:
        return int(t.timestamp()) // 60 - self.t0

    def instant(self, i: int) -> DateTime:
        return pendulum.from_timestamp((self.t0 + i) * 60)

    def between(self, a: DateTime, b: DateTime) -> float:
        return 60.0 * sum(self.working[self.index(a):max(self.index(a), self.index(b))])

    def add(self, a: DateTime, minutes: int) -> DateTime | None:
        """The end of the ``minutes``-th working minute from a (0: the start of
        the first), or None when it lies beyond the walked span."""
        count = 0
        for i in range(self.index(a), self.n):
            if self.working[i]:
                if count == minutes:
                    return self.instant(i)
                count += 1
                if count == minutes:
                    return self.instant(i + 1)
        return None

    def back(self, a: DateTime, minutes: int) -> DateTime | None:
        """The start of the ``minutes``-th working minute before a."""
        count = 0
        for i in range(self.index(a) - 1, 2 * 1440, -1):  # (the first days may miss overnight spills)
            if self.working[i]:
                count += 1
                if count == minutes:
                    return self.instant(i)
        return None


def covers(h: dict[str, str], day: date) -> bool:
    a, b = h["date"], h.get("until", h["date"])
    if a.startswith("--"):
        md, a_md, b_md = f"{day.month:02d}-{day.day:02d}", a[2:], b[2:]
        return a_md <= md <= b_md if a_md <= b_md else (md >= a_md or md <= b_md)
    return a <= day.isoformat() <= b


# ------------------------------------------------------------ strategies

@st.composite
def day_periods(draw: st.DrawFn) -> list[str]:
    """0–3 periods on a half-hour grid (so they often start or end in a
    changed hour); the last may run overnight; sometimes 00:00-24:00."""
    if draw(st.integers(0, 9)) == 0:
        return ["00:00-24:00"]
    marks = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
    if len(marks) % 2:
        marks = marks[:-1]
    periods = [(marks[i] * 30, marks[i + 1] * 30) for i in range(0, len(marks), 2)]
    if periods and draw(st.booleans()):  # overnight: closes the next morning, before it opened
        a, _b = periods[-1]
        closes = draw(st.integers(1, 47)) * 30
        if a < 1440 and closes < a:
            periods[-1] = (a, closes)
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in periods if a < 1440]


@st.composite
def settings_near_a_change(draw: st.DrawFn) -> tuple[dict[str, Any], str, date]:
    tz, base = draw(st.sampled_from(NEAR_CHANGES))
    holidays: list[Any] = []
    for _i in range(draw(st.integers(0, 3))):
        first = base + timedelta(days=draw(st.integers(-1, SPAN_DAYS - 2)))
        last = first + timedelta(days=draw(st.integers(0, 2)))
        form = draw(st.sampled_from(["single", "range", "yearly"]))
        if form == "single":
            holidays.append(first.isoformat())
        elif form == "range":
            holidays.append(f"{first.isoformat()}..{last.isoformat()}")
        else:
            holidays.append({"date": f"--{first.month:02d}-{first.day:02d}", "name": "every year"})
    if draw(st.integers(0, 5)) == 0:
        raw: dict[str, Any] = {"kind": "24x7"}
    elif draw(st.integers(0, 3)) == 0:
        opens, closes = draw(st.tuples(st.integers(0, 47), st.integers(1, 48)).filter(lambda p: p[0] != p[1] % 48))
        raw = {"kind": "business", "opens": f"{opens // 2:02d}:{opens % 2 * 30:02d}",
               "closes": f"{closes // 2:02d}:{closes % 2 * 30:02d}",
               "weekdays": sorted(draw(st.sets(st.integers(1, 7), min_size=1)))}
    else:
        raw = {"kind": "business", "hours": {d: draw(day_periods()) for d in DAYS}}
        assume(any(raw["hours"].values()))
    if holidays:
        raw["holidays"] = holidays
    return check_calendar(raw), tz, base


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], str, Reference, Any, DateTime]:
    setting, tz, base = draw(settings_near_a_change())
    ref = Reference(setting, tz, base)
    # An instant in the first days, half of them on a period edge in local time.
    midnight = pendulum.datetime(base.year, base.month, base.day, tz=tz)
    start = midnight.add(minutes=draw(st.integers(0, 4 * 1440)))
    if draw(st.booleans()):
        start = start.replace(minute=draw(st.sampled_from([0, 30])))
    return setting, tz, ref, calendar_from(setting, tz), start.in_timezone("UTC").replace(second=0, microsecond=0)


# ------------------------------------------------ against the reference

@SETTINGS
@given(case=cases(), minutes=st.integers(0, 1500))
def test_add_matches_the_minute_by_minute_reference(case: tuple, minutes: int) -> None:
    _setting, _tz, ref, cal, start = case
    expected = ref.add(start, minutes)
    assume(expected is not None and ref.index(expected) < ref.n - 2 * 1440)
    assert cal.add(start, minutes * 60) == expected


@SETTINGS
@given(case=cases(), minutes=st.integers(1, 1500))
def test_counting_back_matches_the_reference(case: tuple, minutes: int) -> None:
    _setting, _tz, ref, cal, start = case
    start = start.add(days=4)  # room behind it
    expected = ref.back(start, minutes)
    assume(expected is not None)
    assert cal.add(start, -minutes * 60) == expected


@SETTINGS
@given(case=cases(), length=st.integers(0, 5 * 1440))
def test_between_matches_the_reference(case: tuple, length: int) -> None:
    _setting, _tz, ref, cal, start = case
    end = start.add(minutes=length)
    assert cal.between(start, end) == ref.between(start, end)
    assert cal.between(end, start) == 0


@SETTINGS
@given(case=cases(), minutes=st.integers(0, 1500), seconds=st.floats(0, 59.999999))
def test_between_inverts_add_to_the_microsecond(case: tuple, minutes: int, seconds: float) -> None:
    _setting, _tz, _ref, cal, start = case
    work = minutes * 60 + seconds
    due = cal.add(start.add(microseconds=123), work)
    assert abs(cal.between(start.add(microseconds=123), due) - work) < 1e-6


@SETTINGS
@given(setting=settings_near_a_change())
def test_the_stored_value_reads_back_the_same(setting: tuple) -> None:
    value, _tz, _base = setting
    assert check_calendar(value) == value  # normalised once: idempotent


# ------------------------------------------------------ DST, by example

def local(t: DateTime, tz: str) -> str:
    return t.in_timezone(tz).format("YYYY-MM-DD HH:mm Z")


def hours(tz: str, **day_hours: list[str]) -> WorkingHours:
    cal = calendar_from({"kind": "business", "hours": day_hours}, tz)
    assert isinstance(cal, WorkingHours)
    return cal


@pytest.mark.parametrize(("tz", "day", "opens", "first_utc"), [
    # 02:30 happens twice on Sunday 25 Oct 2026 in Berlin: the first one, in summer time.
    ("Europe/Berlin", "sun", "02:30", "2026-10-25 00:30"),
    # 01:30 happens twice on Sunday 1 Nov 2026 in New York: the first one, EDT.
    ("America/New_York", "sun", "01:30", "2026-11-01 05:30"),
])
def test_an_opening_that_occurs_twice_is_its_first_occurrence(tz: str, day: str, opens: str, first_utc: str) -> None:
    cal = hours(tz, **{day: [f"{opens}-06:00"]})
    sunday = date.fromisoformat(first_utc[:10])
    window = cal.window(sunday)
    assert window[0][0].format("YYYY-MM-DD HH:mm") == first_utc
    # ... so the night is an hour longer than the wall clock says.
    wall = (6 * 60 - int(opens[:2]) * 60 - int(opens[3:])) * 60
    assert cal.between(*window[0]) == wall + 3600


@pytest.mark.parametrize(("tz", "sunday", "clock_opens"), [
    ("Europe/Berlin", date(2026, 3, 29), "03:30 +02:00"),
    ("America/New_York", date(2026, 3, 8), "03:30 -04:00"),
])
def test_an_opening_in_the_skipped_hour_reads_with_the_winter_offset(tz: str, sunday: date, clock_opens: str) -> None:
    cal = hours(tz, sun=["02:30-06:00"])
    (opens, closes), = cal.window(sunday)
    assert opens.in_timezone(tz).format("HH:mm Z") == clock_opens
    assert cal.between(opens, closes) == 2.5 * 3600
    # A period wholly inside the skipped hour has no working time that night.
    gap = hours(tz, sun=["02:00-03:00"])
    midnight = pendulum.datetime(sunday.year, sunday.month, sunday.day, tz=tz)
    assert gap.between(midnight, midnight.add(days=1)) == 0


@pytest.mark.parametrize(("tz", "sunday", "period", "minutes"), [
    ("Europe/Berlin", date(2026, 3, 29), "02:00-03:00", 60),  # the skipped hour is 02:00-03:00
    ("Europe/Berlin", date(2026, 3, 29), "02:10-02:50", 40),
    ("Europe/Berlin", date(2026, 3, 29), "02:00-02:30", 30),
    ("America/New_York", date(2026, 3, 8), "02:15-02:45", 30),
    ("Australia/Lord_Howe", date(2026, 10, 4), "02:05-02:25", 20),  # a half-hour change: 02:00 becomes 02:30
])
def test_a_period_wholly_inside_the_skipped_hour_has_no_working_time(
        tz: str, sunday: date, period: str, minutes: int) -> None:
    cal = hours(tz, sun=[period])
    midnight = pendulum.datetime(sunday.year, sunday.month, sunday.day, tz=tz)
    assert cal.window(sunday) == []
    assert cal.between(midnight.subtract(days=1), midnight.add(days=2)) == 0
    # The work waits for the next Sunday, where the period exists, and so does the next opening.
    next_sunday = sunday + timedelta(days=7)
    opening = pendulum.datetime(next_sunday.year, next_sunday.month, next_sunday.day, int(period[:2]), int(period[3:5]), tz=tz)
    assert cal.add(midnight, 0) == opening
    assert cal.stretch(midnight)[0] == opening
    assert local(cal.add(midnight, 60), tz)[:16] == (sunday + timedelta(days=7)).isoformat() + " " + period[:2] + ":" + (
        f"{int(period[3:5]) + 1:02d}")
    week_after = midnight.add(days=7)
    assert cal.between(week_after, week_after.add(days=1)) == minutes * 60


@pytest.mark.parametrize(("tz", "sunday", "length_h"), [
    ("Europe/Berlin", date(2026, 3, 29), 23), ("Europe/Berlin", date(2026, 10, 25), 25),
    ("America/New_York", date(2026, 3, 8), 23), ("America/New_York", date(2026, 11, 1), 25),
])
def test_a_24_hour_day_is_as_long_as_the_day(tz: str, sunday: date, length_h: int) -> None:
    cal = hours(tz, sun=["00:00-24:00"])
    midnight = pendulum.datetime(sunday.year, sunday.month, sunday.day, tz=tz)
    assert cal.between(midnight.subtract(days=1), midnight.add(days=2)) == length_h * 3600
    # Work that fills the day ends at its midnight, not at Sunday's next opening.
    assert local(cal.add(midnight, length_h * 3600), tz)[:16] == (sunday + timedelta(days=1)).isoformat() + " 00:00"


def test_24_hour_days_in_a_row_are_round_the_clock() -> None:
    cal = hours("Europe/Berlin", **{key: ["00:00-24:00"] for key in DAYS})
    start = pendulum.datetime(2026, 3, 28, 22, 15, tz="Europe/Berlin")
    for seconds in (0, 3600, 86400, 3 * 86400 + 17):
        assert cal.add(start, seconds) == AlwaysOpen().add(start, seconds)
        assert cal.between(start, start.add(seconds=seconds)) == seconds


@pytest.mark.parametrize(("tz", "saturday", "length_h", "after_8h"), [
    ("Europe/Berlin", date(2026, 10, 24), 14, "02:30"),  # (the change comes at 03:00, after it)
    ("Europe/Berlin", date(2026, 3, 28), 12, "03:30"),
    ("America/New_York", date(2026, 10, 31), 14, "01:30"),  # (the change came at 02:00 EDT)
    ("America/New_York", date(2026, 3, 7), 12, "03:30"),
])
def test_an_overnight_shift_across_a_clock_change(tz: str, saturday: date, length_h: int, after_8h: str) -> None:
    cal = hours(tz, sat=["18:30-07:30"])
    (opens, closes), = cal.window(saturday)
    assert local(opens, tz)[11:16] == "18:30" and local(closes, tz)[11:16] == "07:30"
    assert cal.between(opens, closes) == length_h * 3600
    # Reported at Saturday noon: the clock starts at 18:30 and runs through the night.
    noon = pendulum.datetime(saturday.year, saturday.month, saturday.day, 12, tz=tz)
    assert local(cal.add(noon, 8 * 3600), tz)[11:16] == after_8h


def test_the_legacy_shape_takes_an_overnight_shift() -> None:
    cal = calendar_from({"kind": "business", "opens": "18:30", "closes": "07:30", "weekdays": [1, 2, 3, 4, 5]}, "UTC")
    fri = pendulum.datetime(2026, 11, 27, 18, 30)
    assert cal.between(fri, fri.add(days=3)) == 13 * 3600  # Friday's night only; none opens Sat or Sun
    assert cal.add(fri, 13 * 3600) == pendulum.datetime(2026, 11, 28, 7, 30)
    assert cal.add(fri, 13 * 3600 + 1) == pendulum.datetime(2026, 11, 30, 18, 30, 1)


# ---------------------------------------------- lunch breaks and holidays

def test_a_lunch_break_does_not_count() -> None:
    cal = hours("Asia/Shanghai", **{key: ["08:30-12:00", "13:00-17:30"] for key in DAYS[:5]})
    ten = pendulum.datetime(2026, 11, 25, 10, 0, tz="Asia/Shanghai")
    assert local(cal.add(ten, 4 * 3600), "Asia/Shanghai")[11:16] == "15:00"
    assert cal.between(ten.replace(hour=12), ten.replace(hour=13)) == 0
    # Reported during lunch: the clock starts at 13:00.
    assert local(cal.add(ten.replace(hour=12, minute=10), 60), "Asia/Shanghai")[11:16] == "13:01"


def test_single_range_and_yearly_holidays() -> None:
    base = {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}
    thu = pendulum.datetime(2026, 12, 24, 16, 30)  # Thursday; Friday 25 is Christmas
    plain = calendar_from(base, "UTC")
    assert plain.add(thu, 2 * 3600) == pendulum.datetime(2026, 12, 25, 9, 30)
    single = calendar_from({**base, "holidays": ["2026-12-25"]}, "UTC")
    assert single.add(thu, 2 * 3600) == pendulum.datetime(2026, 12, 28, 9, 30)
    ranged = calendar_from({**base, "holidays": ["2026-12-25..2026-12-29"]}, "UTC")
    assert ranged.add(thu, 2 * 3600) == pendulum.datetime(2026, 12, 30, 9, 30)
    # Every year, across the new year: 31 Dec to 1 Jan, in 2026 and in 2027.
    yearly = calendar_from({**base, "holidays": [{"date": "--12-31", "until": "--01-01", "name": "New Year"}]}, "UTC")
    for year in (2026, 2027):
        eve = pendulum.datetime(year, 12, 30, 17, 0)
        assert yearly.between(eve, eve.add(days=3)) == plain.between(eve, eve.add(days=3)) - plain.between(
            eve.add(days=1).replace(hour=0, minute=0), eve.add(days=3).replace(hour=0, minute=0))
    national = calendar_from({**base, "holidays": ["--10-01"]}, "UTC")
    for year in (2026, 2027, 2029):
        day = pendulum.datetime(year, 10, 1)
        assert national.between(day, day.add(days=1)) == 0


def test_a_holiday_closes_the_periods_that_open_on_it() -> None:
    # Friday's night shift still ends on Saturday morning when Saturday is a holiday.
    cal = calendar_from({"kind": "business", "hours": {"fri": ["18:30-07:30"], "sat": ["18:30-07:30"]},
                         "holidays": ["2026-11-28"]}, "UTC")
    fri = pendulum.datetime(2026, 11, 27, 18, 30)
    assert cal.between(fri, fri.add(days=2)) == 13 * 3600
    # And a holiday Friday drops that night altogether.
    cal = calendar_from({"kind": "business", "hours": {"fri": ["18:30-07:30"]}, "holidays": ["2026-11-27"]}, "UTC")
    assert cal.between(fri, fri.add(days=2)) == 0


def test_24x7_with_holidays() -> None:
    assert isinstance(calendar_from({"kind": "24x7"}, "UTC"), AlwaysOpen)
    cal = calendar_from({"kind": "24x7", "holidays": ["2026-12-25"]}, "Europe/Berlin")
    eve = pendulum.datetime(2026, 12, 24, 23, 0, tz="Europe/Berlin")
    assert local(cal.add(eve, 2 * 3600), "Europe/Berlin") == "2026-12-26 01:00 +01:00"


def test_a_deadline_under_a_new_calendar_goes_through_pauses() -> None:
    cal = hours("UTC", **{key: ["08:30-12:00", "13:00-17:30"] for key in DAYS[:5]})
    start = pendulum.datetime(2026, 11, 25, 11, 0)
    due, frozen = deadline(start, 2 * 3600, [], cal)
    assert (due, frozen) == (pendulum.datetime(2026, 11, 25, 14, 0), None)


def test_business_hours_is_the_one_window_case() -> None:
    old = BusinessHours(tz="Europe/Berlin", opens=pendulum.time(8, 30), closes=pendulum.time(17, 30))
    new = calendar_from({"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]},
                        "Europe/Berlin")
    start = pendulum.datetime(2026, 10, 23, 15, 0, tz="Europe/Berlin")
    assert old.add(start, 20 * 3600) == new.add(start, 20 * 3600)
    assert old.between(start, start.add(days=9)) == new.between(start, start.add(days=9))


def test_a_calendar_that_cannot_place_a_deadline_says_so() -> None:
    cal = WorkingHours("UTC", ((),) * 6 + ((BusinessHours(tz="UTC").week[0][0],),),
                       tuple(parse_calendar({"holidays": ["--01-01..--12-30"]}).holidays))
    with pytest.raises(ValueError, match="more than twenty years away"):  # Sundays on 31 December only: five of them take decades
        cal.add(pendulum.datetime(2026, 11, 25), 40 * 3600)
