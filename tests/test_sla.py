"""SLA clocks (store/sla.py): deadlines, pauses, business hours, states.

The 24×7 deadline is checked against a minute-stepping reference written here
independently of the implementation; business hours are checked by their
algebra (add and between are inverse, add is monotone, deadlines fall inside
working hours) over date ranges that cross the DST changes.
"""

from __future__ import annotations

import itertools
import time as time_module
from datetime import date, datetime, time, timedelta

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.sla import (
    AT_RISK_SHARE,
    CLOCKS,
    DEFAULT_POLICY,
    AlwaysOpen,
    BusinessHours,
    ClockStatus,
    Holiday,
    Pause,
    Period,
    Policy,
    WorkingHours,
    clock_statuses,
    deadline,
    merge_pauses,
    next_unmet,
    state_of,
)

BASE = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
SETTINGS = settings(max_examples=200, deadline=None)


def at(minutes: float) -> DateTime:
    return BASE.add(seconds=minutes * 60)


# ------------------------------------------------------------ strategies

pause_specs = st.lists(
    st.tuples(st.integers(0, 600), st.one_of(st.none(), st.integers(0, 120))),
    max_size=5,
)  # (start minute, length in minutes or None = still open)


def to_pauses(specs: list[tuple[int, int | None]]) -> list[Pause]:
    return [Pause(at(s), None if n is None else at(s + n)) for s, n in specs]


def closed_only(specs: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    return [(s, 0 if n is None else n) for s, n in specs]


# ------------------------------------------------------- reference model

def brute_deadline(start: int, window: int, specs: list[tuple[int, int | None]]) -> tuple[int | None, int | None]:
    """Step minute by minute: a minute counts unless a pause covers it, before
    the deadline and after it alike (docs/rules.md §2: overdue time stops on hold
    too). Counting runs on past every pause; the deadline is the minute at
    which the count reached ``window`` had it gone on from there unpaused.
    Returns (deadline minute, None) or (None, seconds left, negative when
    overdue) once an open pause stops the clock."""
    horizon = max([start] + [s + (n or 0) for s, n in specs]) + window
    t, worked = start, 0
    while t < horizon:
        covering = [n for s, n in specs if s <= t and (n is None or t < s + n)]
        if covering and None in covering:
            return None, (window - worked) * 60
        if not covering:
            worked += 1
        t += 1
    return t - (worked - window), None


def paused_overlap(pauses: list[Pause], a: DateTime, b: DateTime) -> float:
    """Seconds of [a, b) covered by the union of closed pauses."""
    total = 0.0
    for p in merge_pauses(pauses):
        assert p.end is not None
        lo, hi = max(p.start, a), min(p.end, b)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


# ------------------------------------------------------------------ 24×7

@SETTINGS
@given(start=st.integers(0, 10_000), window=st.integers(0, 10_000))
def test_24x7_deadline_is_start_plus_window(start: int, window: int) -> None:
    due, frozen = deadline(at(start), window * 60)
    assert due == at(start + window)
    assert frozen is None


def test_24x7_ignores_dst() -> None:
    # 01:30 CET + 1 h of absolute time is 03:30 CEST on the spring-forward night.
    start = pendulum.datetime(2026, 3, 29, 1, 30, tz="Europe/Berlin")
    due, _ = deadline(start, 3600)
    assert due is not None
    assert due.in_timezone("Europe/Berlin").format("HH:mm Z") == "03:30 +02:00"
    assert (due - start).total_seconds() == 3600


@SETTINGS
@given(start=st.integers(0, 200), window=st.integers(1, 300), specs=pause_specs)
def test_deadline_matches_minute_stepping_reference(start: int, window: int, specs: list) -> None:
    due, frozen = deadline(at(start), window * 60, to_pauses(specs))
    ref_due, ref_frozen = brute_deadline(start, window, specs)
    if ref_due is None:
        assert due is None
        assert frozen == pytest.approx(ref_frozen)
    else:
        assert due == at(ref_due)
        assert frozen is None


@SETTINGS
@given(
    start=st.integers(0, 200 * 60),
    window=st.integers(1, 300 * 60),
    specs=st.lists(st.tuples(st.integers(0, 600 * 60), st.integers(0, 120 * 60)), max_size=6),
)
def test_closed_pauses_push_deadline_by_their_overlap(start: int, window: int, specs: list) -> None:
    """Seconds precision: due = start + window + paused time from the start on."""
    s = BASE.add(seconds=start)
    pauses = [Pause(BASE.add(seconds=a), BASE.add(seconds=a + n)) for a, n in specs]
    due, frozen = deadline(s, window, pauses)
    assert frozen is None and due is not None
    # Paused time after the deadline counts too: the overdue time stops on hold.
    forever = BASE.add(days=365)
    assert (due - s).total_seconds() == pytest.approx(window + paused_overlap(pauses, s, forever))
    assert due >= s.add(seconds=window)


@SETTINGS
@given(start=st.integers(0, 200), window=st.integers(1, 300), specs=pause_specs)
def test_pauses_never_bring_a_deadline_forward(start: int, window: int, specs: list) -> None:
    plain, _ = deadline(at(start), window * 60)
    assert plain is not None
    due, frozen = deadline(at(start), window * 60, to_pauses(closed_only(specs)))
    assert due is not None and frozen is None
    assert due >= plain


@SETTINGS
@given(
    start=st.integers(0, 200), window=st.integers(1, 300),
    specs=st.lists(st.tuples(st.integers(0, 600), st.integers(0, 120)), max_size=4),
    open_at=st.integers(0, 600),
)
def test_open_pause_freezes_the_time_left_at_its_start(start: int, window: int, specs: list, open_at: int) -> None:
    closed = to_pauses(specs)
    due_before, _ = deadline(at(start), window * 60, closed)
    assert due_before is not None
    due, frozen = deadline(at(start), window * 60, [*closed, Pause(at(open_at))])
    stop = max(at(open_at), at(start))
    # The clock stops even when it ran out before the pause: then what is
    # frozen is negative, the time it was overdue.
    assert due is None and frozen is not None
    # The pause may start inside a closed pause: the clock stopped at that one's start.
    worked = (stop - at(start)).total_seconds() - paused_overlap(closed, at(start), stop)
    assert frozen == pytest.approx(window * 60 - worked)
    assert frozen <= window * 60
    if stop >= due_before:
        assert frozen <= 0


def test_open_pause_examples() -> None:
    # Reported 09:00, 60-minute window, paused at 09:20 → 40 minutes left, no deadline.
    assert deadline(at(0), 3600, [Pause(at(20))]) == (None, 2400.0)
    # A pause from before the report stops the clock at once.
    assert deadline(at(10), 3600, [Pause(at(0))]) == (None, 3600.0)
    # Paused 09:20–09:50 then from 10:00: 30 minutes of the second hour left.
    assert deadline(at(0), 3600, [Pause(at(20), at(50)), Pause(at(60))]) == (None, 1800.0)
    # A pause starting at the deadline stops the clock with nothing left ...
    assert deadline(at(0), 3600, [Pause(at(60))]) == (None, 0.0)
    # ... and one starting 30 minutes overdue keeps it 30 minutes overdue.
    assert deadline(at(0), 3600, [Pause(at(90))]) == (None, -1800.0)
    # Once it ends, the overdue time resumes from there: the deadline moved out by the pause.
    assert deadline(at(0), 3600, [Pause(at(90), at(150))]) == (at(120), None)


# ------------------------------------------------------------ merge_pauses

@SETTINGS
@given(specs=pause_specs)
def test_merge_pauses_properties(specs: list) -> None:
    raw = to_pauses(specs)
    merged = merge_pauses(raw)
    # Sorted, disjoint and separated (touching pauses are joined), no empty ones.
    for p in merged:
        assert p.end is None or p.end > p.start
    for a, b in itertools.pairwise(merged):
        assert a.end is not None
        assert a.end < b.start
    # At most one open pause, and it is last.
    assert all(p.end is not None for p in merged[:-1])
    # Same coverage: it can only change at an end point, so check every one.
    def covered(ps: list[Pause], t: DateTime) -> bool:
        return any(p.start <= t and (p.end is None or t < p.end) for p in ps)
    points = {-1} | {s for s, _ in specs} | {s + n for s, n in specs if n is not None}
    for t in map(at, points):
        assert covered(raw, t) == covered(merged, t)
    # Idempotent.
    assert merge_pauses(merged) == merged


def test_merge_pauses_examples() -> None:
    assert merge_pauses([]) == []
    assert merge_pauses([Pause(at(5), at(5))]) == []
    assert merge_pauses([Pause(at(10), at(20)), Pause(at(0), at(10))]) == [Pause(at(0), at(20))]
    assert merge_pauses([Pause(at(0), at(30)), Pause(at(10), at(20))]) == [Pause(at(0), at(30))]
    assert merge_pauses([Pause(at(0)), Pause(at(10), at(20)), Pause(at(40), at(50))]) == [Pause(at(0))]
    assert merge_pauses([Pause(at(0), at(10)), Pause(at(5))]) == [Pause(at(0))]
    assert merge_pauses([Pause(at(0), at(10)), Pause(at(11), at(12))]) == [
        Pause(at(0), at(10)), Pause(at(11), at(12)),
    ]


# ---------------------------------------------------------- business hours

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "UTC"]
# Date ranges around the 2026 DST changes: Berlin 29 Mar / 25 Oct, New York 8 Mar / 1 Nov.
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


# ------------------------------------------------------------------ state

def status(window_s: int = 3600, due: DateTime | None = None, risk_at: DateTime | None = None,
           frozen: float | None = None, met: DateTime | None = None) -> ClockStatus:
    return ClockStatus("response", window_s, due, risk_at, frozen, met)


def test_state_of_running_clock_boundaries() -> None:
    # 60-minute window from 09:00: at risk from 09:45 (a quarter left), breached from 10:00.
    due, risk = at(60), at(45)
    assert state_of(at(0), due, risk, None, 3600) == "ok"
    assert state_of(at(45).subtract(seconds=1), due, risk, None, 3600) == "ok"
    assert state_of(at(45), due, risk, None, 3600) == "at_risk"
    assert state_of(at(60).subtract(seconds=1), due, risk, None, 3600) == "at_risk"
    assert state_of(at(60), due, risk, None, 3600) == "breached"
    assert state_of(at(600), due, risk, None, 3600) == "breached"


def test_state_of_paused_clock_boundaries() -> None:
    assert state_of(at(0), None, None, 3600.0, 3600) == "ok"
    assert state_of(at(0), None, None, 901.0, 3600) == "ok"
    assert state_of(at(0), None, None, 900.0, 3600) == "at_risk"  # a quarter left, as when running
    assert state_of(at(0), None, None, 899.0, 3600) == "at_risk"
    assert state_of(at(0), None, None, 0.5, 3600) == "at_risk"
    assert state_of(at(0), None, None, 0.0, 3600) == "breached"
    assert state_of(at(0), None, None, None, 3600) == "breached"


@SETTINGS
@given(window_min=st.integers(1, 600), elapsed=st.integers(0, 800 * 60))
def test_pausing_does_not_change_the_state(window_min: int, elapsed: int) -> None:
    """At any instant, a clock shows the same state running or just paused."""
    start = BASE
    policy = Policy(window_min, window_min, window_min)
    now = start.add(seconds=elapsed)
    running = clock_statuses(start, policy, {}, [])[0]
    paused = clock_statuses(start, policy, {}, [Pause(now)])[0]
    assert running.state(now) == paused.state(now)
    left = window_min * 60 - elapsed
    expected = "breached" if left <= 0 else "at_risk" if left <= window_min * 60 * AT_RISK_SHARE else "ok"
    assert running.state(now) == expected
    assert running.seconds_left(now) == left
    # Frozen, overdue or not (docs/rules.md §2).
    assert paused.seconds_left(now.add(hours=5)) == left


def test_seconds_left() -> None:
    assert status(due=at(60)).seconds_left(at(15)) == 2700
    assert status(due=at(60)).seconds_left(at(61)) == -60
    assert status(frozen=600.0).seconds_left(at(999)) == 600  # stopped: the same whenever asked
    assert status(frozen=-60.0).seconds_left(at(999)) == -60
    # Held exactly at its deadline: nothing left (not a second), and breached.
    held = clock_statuses(BASE, Policy(60, 60, 60), {}, [Pause(at(60))])[0]
    assert (held.due, held.frozen_left_s, held.seconds_left(at(999)), held.state(at(999))) == (None, 0.0, 0.0, "breached")
    assert status(frozen=None).seconds_left(at(0)) == 0.0


def test_clock_statuses_and_met_on_time() -> None:
    policy = DEFAULT_POLICY[1]  # 15 / 60 / 240 minutes
    statuses = clock_statuses(BASE, policy, {"response": at(10), "onsite": at(70)})
    assert [s.clock for s in statuses] == list(CLOCKS)
    response, onsite, resolve = statuses
    assert (response.due, response.risk_at) == (at(15), at(11.25))
    assert response.met_on_time is True and response.state(at(500)) == "ok"
    assert onsite.met_on_time is False and onsite.state(at(0)) == "breached"
    assert resolve.met_on_time is None
    assert resolve.due == at(240) and resolve.window_s == 240 * 60
    # Met exactly at the deadline is on time.
    assert clock_statuses(BASE, policy, {"response": at(15)})[0].met_on_time is True
    # Met while the clock was stopped: on time.
    assert status(due=None, frozen=100.0, met=at(999)).met_on_time is True


def test_pause_after_a_clock_was_met_does_not_move_it() -> None:
    policy = DEFAULT_POLICY[2]  # 30 / 120 / 480
    pauses = [Pause(at(20), at(80))]
    response, onsite, _ = clock_statuses(BASE, policy, {"response": at(10)}, pauses)
    assert response.due == at(30)  # met before the pause
    assert onsite.due == at(180)  # still running: pushed by the hour paused


def test_next_unmet_follows_the_clock_order() -> None:
    policy = DEFAULT_POLICY[3]

    def racing(met: dict) -> str | None:
        found = next_unmet(clock_statuses(BASE, policy, met))
        return found.clock if found else None

    assert racing({}) == "response"
    assert racing({"response": at(1)}) == "onsite"
    assert racing({"response": at(1), "onsite": at(2)}) == "resolve"
    # An unmet earlier clock comes first, whatever was met after it.
    assert racing({"onsite": at(2)}) == "response"
    assert racing({"response": at(1), "resolve": at(3)}) == "onsite"
    assert racing({"response": at(1), "onsite": at(2), "resolve": at(3)}) is None
    assert next_unmet([]) is None


def test_policy_windows() -> None:
    p = Policy(15, 60, 240)
    assert [p.window_s(c) for c in CLOCKS] == [900, 3600, 14400]
    assert AlwaysOpen() == AlwaysOpen() and hash(AlwaysOpen()) == hash(AlwaysOpen())
    assert AlwaysOpen().between(at(10), at(0)) == 0


# ------------------------------------------------------- holidays and stretch

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


# ----------------------------------------------- pauses and the met clock

def test_a_pause_that_ended_before_the_clock_was_met_counts_whole() -> None:
    policy = Policy(30, 120, 480)
    pauses = [Pause(at(5), at(15))]  # ten minutes on hold, then the response at 09:40
    response, onsite, _resolve = clock_statuses(BASE, policy, {"response": at(40)}, pauses)
    assert response.due == at(40) and response.met_on_time is True
    assert onsite.due == at(130)
    late = clock_statuses(BASE, policy, {"response": at(40).add(seconds=1)}, pauses)[0]
    assert late.due == at(40) and late.met_on_time is False
