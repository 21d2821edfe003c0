"""The escalation firing rule over random ticket histories (store/rules/escalation.py).

Each example is one ticket: a random SLA policy, a random ladder (with
ladders for single priorities and clocks), a calendar with holidays (24×7,
office hours with a lunch break, or random periods with overnight shifts),
holds, priority changes, a calendar change, the clocks met, a cancel. Random
processes look at it at random minutes (and right at and after every event)
and record what ``to_fire`` returns.

The reference here knows nothing of store/rules/sla.py: it walks the timeline
minute by minute, counting a minute as used when the calendar in force has
it as working time and no hold covers it, and fires at an observation the
highest level whose share of the window the used minutes have reached, if it
is above every level fired for that clock, unless the clock is met, held or
the ticket closed. Both runs must fire the same levels at the same
observations, and each level's "fell due" instant must be the instant the
used time reached it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pendulum
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.rules.calendar import calendar_from
from store.rules.escalation import (
    AT_RISK,
    BREACHED,
    EscalationSetting,
    Level,
    level_due,
    next_due,
    running_clocks,
    to_fire,
)
from store.rules.sla import CLOCKS, Pause, Policy, clock_statuses

TZ = "Asia/Shanghai"
ZONE_PENDULUM = pendulum.timezone(TZ)
DAYS = 6  # the simulated span, from local midnight of the first day
SPAN = DAYS * 1440
FIRST_DAY = date(2026, 9, 21)  # a Monday; National Day (1–7 October) is near
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Week = list[list[tuple[int, int]]]  # per weekday (Monday first), (opens, closes) in minutes; closes <= opens: overnight


# ------------------------------------------------------------- histories

@dataclass
class Case:
    day0: date
    policy: dict[int, Policy]
    setting: EscalationSetting
    shares: dict[float, Fraction]  # each level's share, exactly
    calendars: list[tuple[Week, list[date], bool]]  # (week, holidays, round the clock)
    switch_at: int | None  # minute the second calendar takes over
    reported: int
    priorities: list[tuple[int, int]]  # (minute, priority), the first at the report
    holds: list[tuple[int, int | None]]  # (start, end or None: still held)
    met: dict[str, int | None] = field(default_factory=dict)
    closed_at: int | None = None  # resolved or cancelled: nothing runs any more
    looks: list[int] = field(default_factory=list)


OFFICE: Week = [[(510, 720), (780, 1050)]] * 5 + [[], []]


@st.composite
def weeks(draw: Any) -> tuple[Week, bool]:
    kind = draw(st.sampled_from(["24x7", "office", "random"]))
    if kind == "24x7":
        return [[(0, 1440)]] * 7, True
    if kind == "office":
        return OFFICE, False
    week: Week = []
    for _day in range(7):
        periods: list[tuple[int, int]] = []
        if draw(st.booleans()):
            opens = draw(st.integers(0, 18)) * 60 + draw(st.sampled_from([0, 30]))
            closes = opens + draw(st.integers(1, 6)) * 60
            periods.append((opens, min(closes, 1440)))
            later = min(closes, 1440) + draw(st.integers(1, 3)) * 60
            if later < 1440 and draw(st.booleans()):  # an afternoon, or a night shift into the next day
                periods.append((later, draw(st.sampled_from([min(later + 120, 1440), 300]))))
            periods = [(o, c) for o, c in periods if o != c]
        week.append(periods)
    if not any(week):
        week[0] = [(540, 1020)]
    return week, False


@st.composite
def ladders(draw: Any) -> tuple[Level, ...]:
    shares = sorted(draw(st.sets(st.integers(1, 50), min_size=0, max_size=4)))  # twentieths: 0.05 … 2.5
    roles = st.lists(st.sampled_from(["foreman", "duty_manager", "managers"]), min_size=1, max_size=3, unique=True)
    return tuple(Level(at=k / 20, to=tuple(draw(roles))) for k in shares)


@st.composite
def cases(draw: Any) -> Case:
    policy: dict[int, Policy] = {}
    for p in (1, 2, 3, 4):
        r = draw(st.integers(5, 120))
        o = r + draw(st.integers(0, 240))
        policy[p] = Policy(r, o, o + draw(st.integers(0, 600)))
    default = (Level(at=AT_RISK, to=("foreman",)), Level(at=BREACHED, to=("foreman", "duty_manager")),
               Level(at=1.5, to=("managers",)))
    if draw(st.booleans()):
        default = draw(ladders())
    overrides = {p: {c: draw(ladders()) for c in draw(st.sets(st.sampled_from(CLOCKS), max_size=2))}
                 for p in draw(st.sets(st.integers(1, 4), max_size=2))}
    setting = EscalationSetting(default=default, priorities={p: o for p, o in overrides.items() if o})
    shares = {lv.at: Fraction(round(lv.at * 20), 20) for ladder in [default, *(l for o in overrides.values()
              for l in o.values())] for lv in ladder}
    calendars = []
    for _i in range(draw(st.integers(1, 2))):
        week, always = draw(weeks())
        holidays = draw(st.lists(st.integers(0, DAYS + 12).map(lambda d: FIRST_DAY + timedelta(days=d)), max_size=3))
        calendars.append((week, holidays, always))
    day0 = FIRST_DAY + timedelta(days=draw(st.integers(0, 14)))
    reported = draw(st.integers(0, 2 * 1440))
    t = reported
    priorities = [(reported, draw(st.integers(1, 4)))]
    holds: list[tuple[int, int | None]] = []
    met: dict[str, int | None] = {"response": None, "onsite": None, "resolve": None}
    closed_at = None
    end = SPAN - 1
    for _step in range(draw(st.integers(0, 8))):
        t += draw(st.integers(0, 600))
        if t >= end:
            break
        kind = draw(st.sampled_from(["hold", "priority", "respond", "arrive", "resolve", "cancel"]))
        if kind == "hold":
            length = None if draw(st.integers(0, 7)) == 0 else draw(st.integers(1, 900))
            holds.append((t, None if length is None or t + length >= end else t + length))
            if holds[-1][1] is None:
                break  # held to the end of the run
            t = holds[-1][1] or t
        elif kind == "priority":
            priorities.append((t, draw(st.integers(1, 4))))
        elif kind == "respond" and met["response"] is None:
            met["response"] = t
        elif kind == "arrive" and met["onsite"] is None:
            met["onsite"] = t
            met["response"] = met["response"] if met["response"] is not None else t  # arriving confirms the fault
        elif kind == "resolve" and met["onsite"] is not None:
            met["resolve"] = closed_at = t
            break
        elif kind == "cancel":
            closed_at = t
            break
    switch_at = draw(st.integers(reported, end)) if len(calendars) == 2 else None
    events = [reported, *(m for m, _p in priorities), *(x for h in holds for x in h if x is not None),
              *(m for m in met.values() if m is not None), *([closed_at] if closed_at else []),
              *([switch_at] if switch_at else [])]
    # Processes look every few minutes (a sender each minute, consoles on a
    # poll), or rarely (nothing running for hours), and at random moments.
    every = draw(st.sampled_from([1, 29, 120, 600]))
    looks = set(range(reported + draw(st.integers(0, every - 1)), end, every))
    if every == 1:
        looks = {m for m in looks if m < reported + 240}  # four hours, minute by minute
    looks |= set(draw(st.lists(st.integers(reported, end), max_size=20)))
    looks |= {e + d for e in events for d in (0, 1) if e + d <= end}
    return Case(day0, policy, setting, shares, calendars, switch_at, reported, priorities, holds, met, closed_at,
                sorted(looks))


# ------------------------------------------------------- the reference

class Reference:
    """Working minutes by walking the span minute by minute, in the site's
    wall time (Asia/Shanghai keeps one offset all year: test_calendar.py
    covers the clock changes)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        held = [False] * SPAN
        for s, e in case.holds:
            for m in range(s, SPAN if e is None else e):
                held[m] = True
        self.used: list[list[int]] = []  # per calendar: minutes used before minute m
        for week, holidays, _always in case.calendars:
            off = set(holidays)
            works: list[bool] = []
            for d in range(DAYS):
                day = case.day0 + timedelta(days=d)
                prev = day - timedelta(days=1)
                flags = [False] * 1440
                if day not in off:  # the periods that open today
                    for o, c in week[day.weekday()]:
                        for minute in range(o, c if c > o else 1440):
                            flags[minute] = True
                if prev not in off:  # the night shift that opened yesterday
                    for o, c in week[prev.weekday()]:
                        for minute in range(c if c <= o else 0):
                            flags[minute] = True
                works += flags
            prefix = [0]
            for m in range(SPAN):
                prefix.append(prefix[-1] + (works[m] and not held[m]))
            self.used.append(prefix)

    def calendar_index(self, t: int) -> int:
        return 1 if self.case.switch_at is not None and t >= self.case.switch_at else 0

    def used_at(self, t: int) -> int:
        prefix = self.used[self.calendar_index(t)]
        return prefix[t] - prefix[self.case.reported]

    def reached(self, t: int, share: Fraction, window_min: int) -> Fraction | None:
        """The minute (with its fraction) at which the used time, under the
        calendar in force at ``t``, reached ``share`` of the window."""
        prefix, goal = self.used[self.calendar_index(t)], share * window_min
        base = prefix[self.case.reported]
        for m in range(self.case.reported, t):
            if prefix[m + 1] - base >= goal > prefix[m] - base:
                return m + (goal - (prefix[m] - base))
        return None

    def held(self, t: int) -> bool:
        return any(s <= t and (e is None or t < e) for s, e in self.case.holds)

    def priority(self, t: int) -> int:
        return [p for m, p in self.case.priorities if m <= t][-1]


def reference_run(case: Case, ref: Reference) -> list[tuple[int, str, int, Fraction]]:
    """(minute, clock, level, minute it fell due) of every firing."""
    fired: dict[str, Fraction] = {}
    out = []
    for t in case.looks:
        if (case.closed_at is not None and t >= case.closed_at) or ref.held(t):
            continue
        p = ref.priority(t)
        for clock in CLOCKS:
            met = case.met[clock]
            if met is not None and met <= t:
                continue
            window = case.policy[p].window_s(clock) // 60
            used = ref.used_at(t)
            ladder = case.setting.ladder(p, clock)
            passed = [(i, case.shares[lv.at]) for i, lv in enumerate(ladder, 1)
                      if used >= case.shares[lv.at] * window and case.shares[lv.at] > fired.get(clock, Fraction(0))]
            if passed:
                level, share = passed[-1]
                fired[clock] = share
                due = ref.reached(t, share, window)
                assert due is not None
                out.append((t, clock, level, due))
    return out


# -------------------------------------------------------- the real thing

def instant(case: Case, minute: int | Fraction) -> DateTime:
    start = pendulum.datetime(case.day0.year, case.day0.month, case.day0.day, tz=ZONE_PENDULUM).in_timezone("UTC")
    return start + timedelta(microseconds=round(Fraction(minute) * 60_000_000))


def calendar_setting(week: Week, holidays: list[date], always: bool) -> dict[str, Any]:
    hol = [d.isoformat() for d in holidays]
    if always:
        return {"kind": "24x7", "holidays": hol}
    keys = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = {keys[i]: [f"{o // 60:02d}:{o % 60:02d}-{c // 60:02d}:{c % 60:02d}" for o, c in day]
             for i, day in enumerate(week) if day}
    return {"kind": "business", "hours": hours, "holidays": hol}


def store_run(case: Case) -> list[tuple[int, str, int, float, DateTime]]:
    """What the store would record, calling the pure functions at each look."""
    calendars = [calendar_from(calendar_setting(*c), TZ) for c in case.calendars]
    reported = instant(case, case.reported)
    fired: dict[str, float] = {}
    out = []
    for t in case.looks:
        now = instant(case, t)
        cal = calendars[1 if case.switch_at is not None and t >= case.switch_at else 0]
        p = [p for m, p in case.priorities if m <= t][-1]
        pauses = [Pause(instant(case, s), None if e is None or e > t else instant(case, e))
                  for s, e in case.holds if s <= t]
        met = {c: instant(case, m) if m is not None and m <= t else None for c, m in case.met.items()}
        if case.closed_at is not None and t >= case.closed_at:
            status = "resolved" if case.met["resolve"] is not None else "cancelled"
        else:
            status = "waiting" if any(h.end is None for h in pauses) else "assigned"
        runs = running_clocks(reported, case.policy[p], met, pauses, status=status)  # type: ignore[arg-type]
        # The ladder's breached and at-risk points are the queue's own (checked
        # at some of the looks: the time goes to the rule).
        for status in clock_statuses(reported, case.policy[p], met, pauses, cal) if t % 7 == 0 else ():  # type: ignore[arg-type]
            run = next((r for r in runs if r.clock == status.clock), None)
            if run is not None:
                assert level_due(run, BREACHED, cal, now) == status.due
                assert level_due(run, AT_RISK, cal, now) == status.risk_at
        soon = next_due(now, runs, case.setting, p, cal, fired)
        fires = to_fire(now, runs, case.setting, p, cal, fired)
        assert bool(fires) == (soon is not None and soon <= now)
        for f in fires:
            assert f.at > fired.get(f.clock, 0.0) and f.due_at <= now
            fired[f.clock] = f.at
            out.append((t, f.clock, f.level, f.at, f.due_at))
            event(f"lower levels skipped: {bool(f.skipped)}")
    return out


def hold_starts_on_a_level(case: Case, ref: Reference) -> bool:
    """A hold that starts at the very instant some level falls due: the SLA
    module resumes such a clock on the far side of the next non-working gap
    (store/rules/sla.py deadline with nothing left) while its ran_out says it ran
    out before the hold; the two readings differ, so such histories are left
    to the unit tests."""
    for s, _e in case.holds:
        for p in {p for _m, p in case.priorities}:
            for clock in CLOCKS:
                window = case.policy[p].window_s(clock) // 60
                for lv in case.setting.ladder(p, clock):
                    goal = case.shares[lv.at] * window
                    for i in range(len(case.calendars)):
                        prefix = ref.used[i]
                        if s > case.reported and prefix[s] - prefix[case.reported] == goal:
                            return True
    return False


@SETTINGS
@given(cases())
def test_each_level_fires_once_never_early_never_held_as_the_reference_says(case: Case) -> None:
    ref = Reference(case)
    assume(not hold_starts_on_a_level(case, ref))
    got = store_run(case)
    want = reference_run(case, ref)
    event(f"levels fired: {min(len(got), 4)}{'+' if len(got) > 4 else ''}")
    assert [(t, c, lv) for t, c, lv, _at, _due in got] == [(t, c, lv) for t, c, lv, _due in want]
    assert [due for *_x, due in got] == [instant(case, due) for *_x, due in want]
    # (Implied by the above, spelled out.) Once per clock and level (a level
    # is its share: after a priority change the ladder may be another one):
    assert len({(c, at) for _t, c, _lv, at, _d in got}) == len(got)
    for t, clock, _level, _at, _due in got:
        assert not ref.held(t)  # never for a held clock
        assert case.met[clock] is None or t < case.met[clock]  # type: ignore[operator]
