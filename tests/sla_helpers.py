"""Shared by the SLA tests (test_sla_*.py): the instant they start from, minutes
after it, and the hypothesis strategies for pauses and business calendars
drawn around the DST changes."""

from __future__ import annotations

from datetime import date, datetime, time

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.rules.sla import Pause
from store.rules.working_hours import BusinessHours

BASE = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")

SETTINGS = settings(max_examples=200, deadline=None)

def at(minutes: float) -> DateTime:
    return BASE.add(seconds=minutes * 60)

pause_specs = st.lists(
    st.tuples(st.integers(0, 600), st.one_of(st.none(), st.integers(0, 120))),
    max_size=5,
)  # (start minute, length in minutes or None = still open)

def to_pauses(specs: list[tuple[int, int | None]]) -> list[Pause]:
    return [Pause(at(s), None if n is None else at(s + n)) for s, n in specs]

def closed_only(specs: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    return [(s, 0 if n is None else n) for s, n in specs]

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "UTC"]

dst_instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 2, 25), max_value=datetime(2026, 4, 5)),
    st.datetimes(min_value=datetime(2026, 10, 18), max_value=datetime(2026, 11, 10)),
).map(lambda d: pendulum.instance(d, tz="UTC"))

@st.composite
def hours_and_start(draw: st.DrawFn) -> tuple[BusinessHours, DateTime]:
    """A calendar and an instant near the DST changes; half the instants are
    drawn as local wall times, so they often fall inside (or at the edges of)
    working hours, including windows that cross midnight UTC."""
    opens = draw(st.integers(0, 22 * 60))
    closes = draw(st.integers(opens + 30, 24 * 60 - 1))
    bh = BusinessHours(
        tz=draw(st.sampled_from(ZONES)),
        opens=time(opens // 60, opens % 60),
        closes=time(closes // 60, closes % 60),
        weekdays=draw(st.frozensets(st.integers(1, 7), min_size=1)),
    )
    if draw(st.booleans()):
        return bh, draw(dst_instants)
    day = draw(dst_instants).date()
    minute = draw(st.one_of(st.sampled_from([opens, closes, opens - 1, closes + 1]), st.integers(0, 1439)))
    minute = min(max(minute, 0), 1439)
    return bh, pendulum.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tz=bh.tz)

def windows_near(bh: BusinessHours, t: DateTime) -> list[tuple[DateTime, DateTime]]:
    day = t.in_timezone(bh.tz).date()
    return [w for d in (day.subtract(days=1), day, day.add(days=1)) for w in bh.window(date(d.year, d.month, d.day))]

def in_working_hours(bh: BusinessHours, t: DateTime) -> bool:
    return any(lo <= t <= hi for lo, hi in windows_near(bh, t))

working_seconds = st.one_of(
    st.integers(0, 40 * 3600),
    st.floats(0, 40 * 3600, allow_nan=False, allow_infinity=False),
)
