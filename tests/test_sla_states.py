"""A clock's state (store/rules/sla.py): running and paused boundaries, at risk
from the last quarter of the window (under business hours too), the seconds
left, the three clocks' statuses and which is next, and the policy windows."""

from __future__ import annotations

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime
from sla_helpers import BASE, SETTINGS, at

from store.rules.sla import (
    AT_RISK_SHARE,
    CLOCKS,
    DEFAULT_POLICY,
    AlwaysOpen,
    ClockStatus,
    Pause,
    Policy,
    clock_statuses,
    next_unmet,
    state_of,
)
from store.rules.working_hours import BusinessHours


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


def test_at_risk_under_business_hours() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30
    fri_1630 = pendulum.datetime(2026, 11, 27, 16, 30)
    resolve = clock_statuses(fri_1630, DEFAULT_POLICY[1], {}, [], bh)[2]  # 240 working minutes
    # 60 minutes on Friday, 180 on Monday: due Mon 11:30; a quarter (60 working minutes) left from Mon 10:30.
    assert resolve.due == pendulum.datetime(2026, 11, 30, 11, 30)
    assert resolve.risk_at == pendulum.datetime(2026, 11, 30, 10, 30)
    assert resolve.state(pendulum.datetime(2026, 11, 29, 23, 0)) == "ok"  # the weekend counts nothing
    assert resolve.state(pendulum.datetime(2026, 11, 30, 10, 29, 59)) == "ok"
    assert resolve.state(pendulum.datetime(2026, 11, 30, 10, 30)) == "at_risk"
    assert resolve.state(pendulum.datetime(2026, 11, 30, 11, 30)) == "breached"
    # Held Monday 10:30 exactly: 60 working minutes frozen, a quarter: at risk, as when running.
    held = clock_statuses(fri_1630, DEFAULT_POLICY[1], {}, [Pause(pendulum.datetime(2026, 11, 30, 10, 30))], bh)[2]
    assert held.frozen_left_s == 3600.0 and held.state(pendulum.datetime(2026, 12, 5)) == "at_risk"
    # A second earlier: more than a quarter left.
    held = clock_statuses(fri_1630, DEFAULT_POLICY[1], {}, [Pause(pendulum.datetime(2026, 11, 30, 10, 29, 59))], bh)[2]
    assert held.frozen_left_s == 3601.0 and held.state(pendulum.datetime(2026, 12, 5)) == "ok"

def test_at_risk_share_is_a_quarter() -> None:
    assert AT_RISK_SHARE == 0.25  # docs/rules.md §2: less than 25 % of the window left
    response = clock_statuses(BASE, Policy(100, 200, 400), {})[0]
    assert response.risk_at == at(75)
