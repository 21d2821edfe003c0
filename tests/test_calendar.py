"""Calendars as peers have them (issue 11 §5): holidays, hours per weekday,
several periods a day, overnight shifts, 24-hour days, DST.

The engine (store.sla.WorkingHours, built from the setting by
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

from store.calendar import (
    CalendarSetting,
    calendar_from,
    check_calendar,
    day_names,
    day_text,
    holiday_label,
    holiday_text,
    open_now,
    parse_calendar,
    parse_days,
    parse_holiday,
    parse_periods,
    parse_time,
    period_text,
    weekday_index,
)
from store.errors import RuleViolation
from store.sla import AlwaysOpen, BusinessHours, Period, WorkingHours, deadline

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


# ----------------------------------------------------------- the setting

def test_the_old_shapes_read_and_store_as_before() -> None:
    assert check_calendar({"kind": "24x7"}) == {"kind": "24x7"}
    assert check_calendar({"kind": "business", "opens": "8:30", "closes": "17:30", "weekdays": [5, 1, 1]}) == {
        "kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 5]}
    assert check_calendar({"kind": "business"}) == {
        "kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}


def test_the_new_shape_is_normalised() -> None:
    value = check_calendar({
        "kind": "business",
        "hours": {"1": ["13:00-17:30", "08:30-12:00"], "Saturday": "18:30–07:30", "sun": ["00:00-24:00"]},
        "holidays": ["2026-12-25", {"date": "--10-01", "until": "--10-07", "name": "  Golden   Week "},
                     "2026-12-24..2026-12-26", "2026-12-25"],
    })
    assert value == {
        "kind": "business",
        "hours": {"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"], "sun": ["00:00-24:00"]},
        "holidays": [{"date": "--10-01", "until": "--10-07", "name": "Golden Week"},
                     {"date": "2026-12-24", "until": "2026-12-26"}, {"date": "2026-12-25"}],
    }


ONE_WINDOW = '{"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}'
HOURS = '{"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"]}'
NOT_A_DATE = " is not a date like 2026-12-25, --12-25 (every year) or a range like 2026-12-24..2026-12-26"
BAD = [
    ([1, 2], "calendar must be a JSON object, e.g. " + ONE_WINDOW),
    ({"kind": "shifts"}, "calendar kind must be 24x7 or business, not shifts"),
    ({"kind": 7}, "calendar kind must be 24x7 or business, not 7"),
    ({"kind": ["班"]}, 'calendar kind must be 24x7 or business, not ["班"]'),
    ({"kind": "business", "open": "08:00", "days": 1},
     "calendar has unknown fields days, open; use kind, opens, closes, weekdays, hours, holidays"),
    ({"kind": "business", "opens": "25:00"}, 'calendar opens must be a time like 08:30, not "25:00"'),
    ({"kind": "business", "opens": 830}, "calendar opens must be a time like 08:30, not 830"),
    ({"kind": "business", "opens": "八点"}, 'calendar opens must be a time like 08:30, not "八点"'),
    ({"kind": "business", "closes": "24:30"}, 'calendar closes must be a time like 08:30, not "24:30"'),
    ({"kind": "business", "opens": "24:00"}, 'calendar opens must be a time like 08:30, not "24:00"'),
    ({"kind": "business", "opens": "08:60"}, 'calendar opens must be a time like 08:30, not "08:60"'),
    ({"kind": "business", "opens": "09:00", "closes": "09:00"},
     "calendar closes (09:00) is the same as opens (09:00); use 00:00 and 24:00 for whole days"),
    ({"kind": "business", "weekdays": []}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [0, 8]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [1, 8]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [True]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": ["1"]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": 1}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "hours": []}, "calendar hours must map weekdays to periods, e.g. " + HOURS),
    ({"kind": "business", "hours": {}}, "calendar hours must give at least one weekday a period, e.g. " + HOURS),
    ({"kind": "business", "hours": {"mon": []}}, "calendar hours must give at least one weekday a period, e.g. " + HOURS),
    ({"kind": "business", "hours": {"xyz": ["08:00-12:00"]}}, "calendar hours: xyz is not a weekday; use mon … sun"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"], "1": ["13:00-14:00"]}}, "calendar hours: mon is given twice"),
    ({"kind": "business", "hours": {"mon": ["8-12"]}}, "calendar hours mon: 8-12 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"tue": ["0800"]}}, "calendar hours tue: 0800 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": [8]}}, "calendar hours mon: 8 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": ["24:00-08:00"]}}, "calendar hours mon: 24:00-08:00 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": 8}},
     'calendar hours mon must be a list of periods like ["08:30-12:00", "13:00-17:30"]'),
    ({"kind": "business", "hours": {"mon": [f"{h:02d}:00-{h:02d}:30" for h in range(13)]}},
     'calendar hours mon must be a list of periods like ["08:30-12:00", "13:00-17:30"]'),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00", "11:30-13:00"]}},
     "calendar hours mon: 08:00-12:00 and 11:30-13:00 overlap"),
    ({"kind": "business", "hours": {"mon": ["18:00-06:00", "20:00-21:00"]}},
     "calendar hours mon: 18:00-06:00 and 20:00-21:00 overlap"),
    ({"kind": "business", "hours": {"mon": ["12:00-12:00"]}},
     "calendar hours mon: 12:00-12:00 opens and closes at once; use 00:00-24:00 for a whole day"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"]}, "opens": "08:00", "weekdays": [1]},
     "calendar takes hours or opens/closes/weekdays, not both (opens, weekdays)"),
    ({"kind": "24x7", "opens": "08:00", "hours": {}}, "a 24x7 calendar has no hours, opens; use kind business for opening hours"),
    ({"opens": "08:00"}, "a 24x7 calendar has no opens; use kind business for opening hours"),
    ({"closes": "17:00", "weekdays": [1]}, "a 24x7 calendar has no closes, weekdays; use kind business for opening hours"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"]}, "closes": "12:00"},
     "calendar takes hours or opens/closes/weekdays, not both (closes)"),
    ({"kind": "business", "holidays": "2026-12-25"}, "calendar holidays must be a list of at most 1000 dates"),
    ({"kind": "business", "holidays": ["2026-12-25"] * 1001}, "calendar holidays must be a list of at most 1000 dates"),
    ({"kind": "business", "holidays": ["2026-02-30"]}, "calendar holiday 2026-02-30" + NOT_A_DATE),
    ({"kind": "business", "holidays": ["--13-01"]}, "calendar holiday --13-01" + NOT_A_DATE),
    ({"kind": "business", "holidays": ["26-12-25"]}, "calendar holiday 26-12-25" + NOT_A_DATE),
    ({"kind": "business", "holidays": [20261225]}, "calendar holiday 20261225" + NOT_A_DATE),
    ({"kind": "business", "holidays": [{"until": "2026-12-25"}]}, 'calendar holiday {"until": "2026-12-25"}' + NOT_A_DATE),
    ({"kind": "business", "holidays": ["2026-12-26..2026-12-24"]}, "calendar holiday 2026-12-26..2026-12-24 ends before it starts"),
    ({"kind": "business", "holidays": ["2026-01-01..2027-01-02"]}, "calendar holiday 2026-01-01..2027-01-02 is longer than a year"),
    ({"kind": "business", "holidays": ["--01-01..--06-30", "--07-01..--12-31"]},
     "calendar holidays every year cover the whole year: no day is left to work"),
    ({"kind": "24x7", "holidays": ["--03-01..--02-29"]}, "calendar holidays every year cover the whole year: no day is left to work"),
    ({"kind": "business", "holidays": ["--12-24..2026-12-26"]}, "calendar holiday --12-24..2026-12-26" + NOT_A_DATE),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "why": "x", "also": 1}]},
     "calendar holiday has unknown fields also, why; use date, until, name"),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "name": "x" * 81}]},
     "calendar holiday name must be text of at most 80 characters"),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "name": 7}]},
     "calendar holiday name must be text of at most 80 characters"),
]


@pytest.mark.parametrize(("value", "message"), BAD)
def test_a_bad_calendar_is_one_clear_line(value: Any, message: str) -> None:
    with pytest.raises(RuleViolation) as info:
        check_calendar(value)
    assert str(info.value) == message
    # Read back from a damaged file, the same text as a ValueError (the store reports the file).
    with pytest.raises(ValueError) as err:
        calendar_from(value, "UTC")  # type: ignore[arg-type]
    assert str(err.value) == message and not isinstance(err.value, RuleViolation)


def test_the_edges_that_pass() -> None:
    # A holiday of 366 days (a leap year's worth), a name of 80 characters, 1000 holidays, 12 periods a day.
    assert check_calendar({"holidays": ["2028-01-01..2028-12-31"]})["holidays"] == [{"date": "2028-01-01", "until": "2028-12-31"}]
    assert check_calendar({"holidays": [{"date": "2026-12-25", "name": "x" * 80}]})["holidays"][0]["name"] == "x" * 80
    days = [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(1000)]
    assert len(check_calendar({"holidays": days})["holidays"]) == 1000
    twelve = [f"{h:02d}:00-{h:02d}:30" for h in range(12)]
    assert check_calendar({"kind": "business", "hours": {"mon": twelve}})["hours"]["mon"] == twelve
    # Periods that touch do not overlap; closing at 24:00 in the one-window shape; days as 1 and 7.
    assert check_calendar({"kind": "business", "hours": {"mon": "08:00-12:00 12:00-13:00"}})["hours"]["mon"] == [
        "08:00-12:00", "12:00-13:00"]
    assert check_calendar({"kind": "business", "opens": "00:00", "closes": "24:00", "weekdays": [7, 1]}) == {
        "kind": "business", "opens": "00:00", "closes": "24:00", "weekdays": [1, 7]}
    # A yearly range across the new year, and every day of the year but 29 February is a holiday: still a day to work.
    assert check_calendar({"holidays": ["--03-01..--02-28"]})["holidays"] == [{"date": "--03-01", "until": "--02-28"}]
    assert check_calendar({"holidays": [{"date": "--12-31", "until": "--01-01", "name": ""}]})["holidays"] == [
        {"date": "--12-31", "until": "--01-01"}]


# ------------------------------------------------------- parts, as shown

def test_times_days_and_periods() -> None:
    assert [parse_time(t, allow_24=False) for t in ("8:30", " 08:30 ", "00:00", "23:59", "24:00", "23:60", "8", None)] == [
        510, 510, 0, 1439, None, None, None, None]
    assert [parse_time(t, allow_24=True) for t in ("24:00", "24:01", "25:00")] == [1440, None, None]
    assert [weekday_index(k) for k in ("mon", "MONDAY", " Tue ", "tues", "7", 7, "1", "0", "8", "mo", "", "sunday", "x")] == [
        0, 0, 1, 1, 6, 6, 0, None, None, None, None, 6, None]
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_days("sat,sun") == [5, 6]
    assert parse_days("1-5") == [0, 1, 2, 3, 4]
    assert parse_days("fri-mon") == [4, 5, 6, 0]  # round the weekend
    assert parse_days("wed") == [2]
    assert [parse_days(w) for w in ("daily", " ALL ", "every")] == [list(range(7))] * 3
    with pytest.raises(RuleViolation) as info:
        parse_days("mon, someday")
    assert str(info.value) == "someday is not a weekday or a range like mon-fri"
    with pytest.raises(RuleViolation) as info:
        parse_days("mon-xyz")
    assert str(info.value) == "mon-xyz is not a weekday or a range like mon-fri"
    assert parse_periods("13:00-17:30, 08:30–12:00", "hours mon") == (Period(510, 720), Period(780, 1050))


def test_days_and_holidays_as_shown() -> None:
    assert day_names() == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert day_text(()) == "closed"
    assert day_text((Period(0, 1440),)) == "24 hours"
    assert day_text((Period(510, 720), Period(780, 1050))) == "08:30-12:00, 13:00-17:30"
    assert day_text((Period(1110, 450),)) == "18:30-07:30 (to the next day)"
    assert day_text((Period(0, 720),)) == "00:00-12:00"
    assert period_text(Period(0, 1440)) == "00:00-24:00"
    golden, christmas, eve = (parse_holiday(h) for h in ("--10-01..--10-07", "2026-12-25", "2026-12-24..2026-12-26"))
    assert [holiday_text(h) for h in (golden, christmas, eve)] == ["--10-01..--10-07", "2026-12-25", "2026-12-24..2026-12-26"]
    assert [holiday_label(h) for h in (golden, christmas, eve)] == ["every year 10-01..10-07", "2026-12-25", "2026-12-24..2026-12-26"]
    assert holiday_label(parse_holiday("--10-01")) == "every year 10-01"


def test_days_and_holidays_in_chinese(chinese: None) -> None:
    assert day_names() == ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
    assert day_text((Period(0, 1440),)) == "24 小时"
    assert day_text((Period(1110, 450),)) == "18:30-07:30 （至次日）"
    assert holiday_label(parse_holiday("--10-01..--10-07")) == "每年 10-01..10-07"


SHANGHAI = "Asia/Shanghai"


def test_open_now() -> None:
    cal = calendar_from({"kind": "business", "opens": "08:30", "closes": "17:30"}, SHANGHAI)
    wed = pendulum.datetime(2026, 11, 25, 10, 0, tz=SHANGHAI)
    assert open_now(cal, wed, SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed.replace(hour=8, minute=30), SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed.replace(hour=7), SHANGHAI) == "closed until 08:30"
    assert open_now(cal, wed.replace(hour=17, minute=30), SHANGHAI) == "closed until Thu 2026-11-26 08:30"
    assert open_now(cal, wed.add(days=2, hours=8), SHANGHAI) == "closed until Mon 2026-11-30 08:30"
    # Shown in the zone asked for, whatever zone "now" is in.
    assert open_now(cal, wed.in_timezone("UTC"), SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed, "UTC") == "open until 09:30"
    # Open into the next morning.
    nights = calendar_from({"kind": "business", "hours": {"wed": ["18:30-07:30"]}}, SHANGHAI)
    assert open_now(nights, wed.replace(hour=20), SHANGHAI) == "open until Thu 2026-11-26 07:30"
    assert open_now(AlwaysOpen(), wed, SHANGHAI) == "open round the clock"
    # After lunch, in 24-hour time; and "today" is the site's day, not UTC's (Shanghai's morning is UTC's evening before).
    lunch = calendar_from({"kind": "business", "hours": {"wed": ["07:00-12:00", "13:00-17:30"]}}, SHANGHAI)
    assert open_now(lunch, wed.replace(hour=12, minute=30), SHANGHAI) == "closed until 13:00"
    assert open_now(lunch, wed.replace(hour=6), SHANGHAI) == "closed until 07:00"
    assert open_now(lunch, wed.replace(hour=7, minute=30), SHANGHAI) == "open until 12:00"


def test_open_now_in_chinese(chinese: None) -> None:
    cal = calendar_from({"kind": "business", "opens": "08:30", "closes": "17:30"}, SHANGHAI)
    wed = pendulum.datetime(2026, 11, 25, 10, 0, tz=SHANGHAI)
    assert open_now(cal, wed, SHANGHAI) == "工作中，至 17:30 结束"
    assert open_now(cal, wed.replace(hour=7), SHANGHAI) == "休息中，08:30 开始工作"
    assert open_now(AlwaysOpen(), wed, SHANGHAI) == "全天候工作"


def test_edits_keep_the_rest() -> None:
    setting = parse_calendar({"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5],
                              "holidays": ["2026-12-25"]})
    sat = setting.with_day(5, parse_calendar({"kind": "business", "hours": {"sat": "09:00-13:00"}}).week[5])
    assert sat.to_json()["hours"]["sat"] == ["09:00-13:00"] and sat.to_json()["hours"]["mon"] == ["08:30-17:30"]
    from store.calendar import parse_holiday
    named = setting.with_holiday(parse_holiday({"date": "2026-12-25", "name": "Christmas"}))
    assert named.to_json()["holidays"] == [{"date": "2026-12-25", "name": "Christmas"}]
    assert named.without_holiday(parse_holiday("2026-12-25")).to_json().get("holidays") is None
    with pytest.raises(RuleViolation, match="no holiday 2026-12-24"):
        named.without_holiday(parse_holiday("2026-12-24"))
    # A 24x7 calendar edited on one day becomes 24-hour days but that one.
    sunday_off = parse_calendar({"kind": "24x7"}).with_day(6, ())
    assert sunday_off.to_json() == {"kind": "business", "hours": {key: ["00:00-24:00"] for key in DAYS[:6]}}


def test_edits_by_the_whole_setting() -> None:
    christmas, new_year = parse_holiday("2026-12-25"), parse_holiday("--01-01")
    setting = parse_calendar({"kind": "business", "opens": "08:30", "closes": "17:30", "holidays": ["2026-12-25"]})
    assert setting.simple is True
    assert len(parse_calendar({"kind": "business", "hours": {"sun": ["08:00-12:00"]}}).week) == 7
    sat = setting.with_day(5, (Period(540, 780),))
    assert sat == CalendarSetting("business", (*setting.week[:5], (Period(540, 780),), ()), (christmas,), simple=False)
    # Adding keeps the others (yearly first); adding the same dates renames; removing keeps the rest.
    both = setting.with_holiday(new_year)
    assert both.holidays == (new_year, christmas)
    renamed = both.with_holiday(parse_holiday({"date": "2026-12-25", "name": "Christmas"}))
    assert [h.name for h in renamed.holidays] == ["", "Christmas"]
    assert both.without_holiday(christmas) == CalendarSetting("business", setting.week, (new_year,), simple=True)
    with pytest.raises(RuleViolation) as info:
        both.without_holiday(parse_holiday("2026-12-24..2026-12-26"))
    assert str(info.value) == "There is no holiday 2026-12-24..2026-12-26 in the calendar"
    # The calendars a setting builds.
    assert parse_calendar({"holidays": ["2026-12-25"]}).calendar("UTC") == WorkingHours(
        "UTC", ((Period(0, 1440),),) * 7, (christmas,))
    assert setting.calendar("UTC") == WorkingHours("UTC", setting.week, (christmas,))
