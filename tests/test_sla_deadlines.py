"""SLA deadlines and pauses (store/rules/sla.py): the 24×7 deadline against a
minute-stepping reference written here independently of the implementation,
pauses that push it, an open pause that freezes the time left, merged pauses,
and the hold that freezes overdue time (docs/rules.md §2). Each example pins a
boundary (<= against <, where a pause starts or ends)."""

from __future__ import annotations

import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime
from sla_helpers import BASE, SETTINGS, at, closed_only, pause_specs, to_pauses

from store.rules.sla import DEFAULT_POLICY, Pause, Policy, clock_statuses, deadline, merge_pauses, state_of


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


def test_merge_pauses_edge_cases() -> None:
    # An open pause touching or sharing a start with a closed one swallows it, in either order.
    assert merge_pauses([Pause(at(0), at(10)), Pause(at(10))]) == [Pause(at(0))]
    assert merge_pauses([Pause(at(0), at(10)), Pause(at(0))]) == [Pause(at(0))]
    assert merge_pauses([Pause(at(0)), Pause(at(0), at(10))]) == [Pause(at(0))]
    # A pause ending before it starts is dropped, like an empty one.
    assert merge_pauses([Pause(at(10), at(5))]) == []
    # A gap of one second keeps two pauses apart; they still add up in a deadline.
    two = [Pause(at(0), at(10)), Pause(at(10).add(seconds=1), at(20))]
    assert merge_pauses(two) == two
    assert deadline(at(0), 600, two) == (at(30).subtract(seconds=1), None)
    # A later pause that ends earlier does not shorten the merged one.
    assert merge_pauses([Pause(at(0), at(30)), Pause(at(5), at(10)), Pause(at(30), at(31))]) == [
        Pause(at(0), at(31))]


def test_pause_after_a_clock_was_met_does_not_move_it() -> None:
    policy = DEFAULT_POLICY[2]  # 30 / 120 / 480
    pauses = [Pause(at(20), at(80))]
    response, onsite, _ = clock_statuses(BASE, policy, {"response": at(10)}, pauses)
    assert response.due == at(30)  # met before the pause
    assert onsite.due == at(180)  # still running: pushed by the hour paused

def test_a_pause_that_ended_before_the_clock_was_met_counts_whole() -> None:
    policy = Policy(30, 120, 480)
    pauses = [Pause(at(5), at(15))]  # ten minutes on hold, then the response at 09:40
    response, onsite, _resolve = clock_statuses(BASE, policy, {"response": at(40)}, pauses)
    assert response.due == at(40) and response.met_on_time is True
    assert onsite.due == at(130)
    late = clock_statuses(BASE, policy, {"response": at(40).add(seconds=1)}, pauses)[0]
    assert late.due == at(40) and late.met_on_time is False


def test_a_pause_starting_the_instant_a_clock_is_met_does_not_move_it() -> None:
    policy = DEFAULT_POLICY[1]  # 15 / 60 / 240
    # Met late at 09:20 and held from 09:20: the hold is after the clock, so it stays late.
    late = clock_statuses(BASE, policy, {"response": at(20)}, [Pause(at(20), at(60))])
    assert late[0].due == at(15) and late[0].met_on_time is False
    assert late[1].due == at(100)  # the running on-site clock is pushed by the 40 minutes
    # Same with the hold still open.
    late = clock_statuses(BASE, policy, {"response": at(20)}, [Pause(at(20))])
    assert (late[0].due, late[0].frozen_left_s, late[0].met_on_time) == (at(15), None, False)
    assert (late[1].due, late[1].frozen_left_s) == (None, 40 * 60.0)
    # Met on time at 09:10 and held from 09:10: its deadline stays 09:15.
    on_time = clock_statuses(BASE, policy, {"response": at(10)}, [Pause(at(10), at(40))])
    assert on_time[0].due == at(15) and on_time[0].risk_at == at(11.25)
    # A pause a second before the meeting does count (up to the meeting).
    before = clock_statuses(BASE, policy, {"response": at(20)}, [Pause(at(20).subtract(seconds=1), at(60))])
    assert before[0].due == at(15).add(seconds=1) and before[0].met_on_time is False

def test_a_pause_spanning_the_report_counts_from_the_report() -> None:
    # Reported 09:00 during a hold from 08:50 to 09:20: the clock starts at 09:20.
    assert deadline(at(0), 3600, [Pause(at(-10), at(20))]) == (at(80), None)
    # A hold that ended exactly at the report changes nothing.
    assert deadline(at(0), 3600, [Pause(at(-10), at(0))]) == (at(60), None)

def test_a_hold_freezes_overdue_time_and_it_resumes_from_there() -> None:
    # 60-minute window from 09:00: due 10:00. Held at 10:47 (47 min overdue).
    assert deadline(at(0), 3600, [Pause(at(107))]) == (None, -47 * 60.0)
    # Held until 12:00: 47 min overdue again at 12:00, so the deadline moved to 11:13.
    due, frozen = deadline(at(0), 3600, [Pause(at(107), at(180))])
    assert (due, frozen) == (at(133), None)
    # Two holds while overdue add up; one before the deadline counts as before.
    assert deadline(at(0), 3600, [Pause(at(30), at(40)), Pause(at(80), at(90)), Pause(at(100), at(130))]) == (
        at(110), None)

def test_a_hold_from_the_deadline_exactly_freezes_at_zero_and_is_breached() -> None:
    due, frozen = deadline(at(0), 3600, [Pause(at(60))])
    assert (due, frozen) == (None, 0.0)
    assert str(frozen) == "0.0"  # not -0.0
    assert state_of(at(999), due, None, frozen, 3600) == "breached"

def test_met_while_held_overdue_is_late_and_the_deadline_is_known() -> None:
    policy = DEFAULT_POLICY[1]  # response 15 min
    # Held 5 min overdue at 09:20, first response logged at 10:00 while still waiting.
    response = clock_statuses(BASE, policy, {"response": at(60)}, [Pause(at(20))])[0]
    assert response.due == at(55)  # 15 + the 40 minutes held before it was met
    assert response.frozen_left_s is None
    assert response.met_on_time is False and response.state(at(60)) == "breached"
    # Held with 5 minutes left, met while waiting: on time.
    response = clock_statuses(BASE, policy, {"response": at(60)}, [Pause(at(10))])[0]
    assert response.met_on_time is True and response.due == at(65)

def test_risk_moves_with_the_hold() -> None:
    policy = Policy(60, 120, 240)
    # Held 09:50–10:20 (at risk from 09:45): both instants move 30 minutes out.
    response = clock_statuses(BASE, policy, {}, [Pause(at(50), at(80))])[0]
    assert (response.risk_at, response.due) == (at(75), at(90))
    # While held there is no risk instant, and the frozen share decides.
    held = clock_statuses(BASE, policy, {}, [Pause(at(50))])[0]
    assert (held.due, held.risk_at, held.frozen_left_s) == (None, None, 600.0)
    assert held.state(at(500)) == "at_risk"
