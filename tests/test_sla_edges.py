"""SLA edges a mutation run found untested, the hold that freezes overdue
time (docs/rules.md §2), and the countdown text that cannot be read as a time.

Each example pins a boundary (<= against <, the at-risk share, where a pause
starts or ends) so that a changed operator or constant fails a test."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import pendulum
import pytest
from conftest import MutableClock
from console_helpers import app_for, line_text, make_ticket, queue, settle, until
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime
from test_sla import hours_and_start, windows_near

from console.format import COUNTDOWN_WIDTH, duration, overdue, row_clock
from store import QueueRow, Store
from store.sla import (
    AT_RISK_SHARE,
    DEFAULT_POLICY,
    BusinessHours,
    Pause,
    Policy,
    clock_statuses,
    deadline,
    merge_pauses,
    state_of,
)
from store.store import derive

BASE = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")  # a Wednesday


def at(minutes: float) -> DateTime:
    return BASE.add(seconds=minutes * 60)


# ------------------------------------------------- hold while overdue (§2)

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


def test_risk_moves_with_the_hold() -> None:
    policy = Policy(60, 120, 240)
    # Held 09:50–10:20 (at risk from 09:45): both instants move 30 minutes out.
    response = clock_statuses(BASE, policy, {}, [Pause(at(50), at(80))])[0]
    assert (response.risk_at, response.due) == (at(75), at(90))
    # While held there is no risk instant, and the frozen share decides.
    held = clock_statuses(BASE, policy, {}, [Pause(at(50))])[0]
    assert (held.due, held.risk_at, held.frozen_left_s) == (None, None, 600.0)
    assert held.state(at(500)) == "at_risk"


# --------------------------------------------------- at risk, business hours

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


def test_store_counts_at_risk_under_business_hours(store: Store, clock: MutableClock) -> None:
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30"})
    clock.set(pendulum.datetime(2026, 11, 27, 17, 0))  # Friday 17:00 UTC
    t = store.tickets.create_ticket(ticket_data(priority=3))  # 60 working minutes: 30 Friday, 30 Monday
    assert store.queue.counts().at_risk == 0
    clock.set(pendulum.datetime(2026, 11, 30, 8, 44, 59))  # Monday: 15 min + 1 s left
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (0, 0)
    clock.set(pendulum.datetime(2026, 11, 30, 8, 45))
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (1, 0)
    clock.set(pendulum.datetime(2026, 11, 30, 9, 0))
    assert (store.queue.counts().at_risk, store.queue.counts().breached) == (0, 1)
    assert t.id


# ------------------------------------------------------------- the store

def ticket_data(**kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "channel": "phone", "reporter": "Mrs Zhao", "phone": "010 6666 8888", "site_id": 1,
        "equipment_id": 1, "category": "atm", "priority": 2, "description": "ATM swallows cards",
    }
    out.update(kw)
    return out


def queue_row(store: Store, ticket_id: int) -> QueueRow:
    (found,) = [r for r in store.queue.find(limit=1000) if r.id == ticket_id]
    return found


def test_store_hold_while_overdue_freezes_and_resumes(store: Store, clock: MutableClock) -> None:
    t = store.tickets.create_ticket(ticket_data(priority=2))  # response due 09:30
    clock.advance(minutes=77)  # 10:17, 47 min overdue
    t = store.tickets.pause(t.id, t.version, reason="customer")
    r = queue_row(store, t.id)
    assert (r.due_at, r.frozen_left_s) == (None, -47 * 60.0)
    assert row_clock(r, clock().timestamp()) == ("=+47m", "breached")
    clock.advance(hours=12)  # still 47 minutes overdue, not 12h47m
    assert row_clock(queue_row(store, t.id), clock().timestamp()) == ("=+47m", "breached")
    assert (store.queue.counts().breached, store.queue.counts().at_risk) == (1, 0)
    t = store.tickets.resume(t.id, t.version)
    r = queue_row(store, t.id)
    assert r.due_at == clock().subtract(minutes=47)
    assert row_clock(r, clock().timestamp()) == ("+47m", "breached")
    clock.advance(minutes=1)
    assert row_clock(r, clock().timestamp()) == ("+48m", "breached")


def test_store_counts_held_clocks_at_their_boundaries(store: Store, clock: MutableClock) -> None:
    # P2 response: 30 minutes, at risk from 22:30 in.
    at_risk_edge = store.tickets.create_ticket(ticket_data())
    at_deadline = store.tickets.create_ticket(ticket_data())
    clock.advance(minutes=22, seconds=30)
    store.tickets.pause(at_risk_edge.id, at_risk_edge.version, reason="parts")  # 450 s frozen: a quarter
    clock.advance(minutes=7, seconds=30)
    store.tickets.pause(at_deadline.id, at_deadline.version, reason="parts")  # 0 s frozen: breached
    assert queue_row(store, at_deadline.id).frozen_left_s == 0
    counts = store.queue.counts(clock().add(days=3))
    assert (counts.at_risk, counts.breached) == (1, 1)


def test_store_orders_held_tickets_most_overdue_first(store: Store, clock: MutableClock) -> None:
    running = store.tickets.create_ticket(ticket_data())  # due 09:30
    held = {}
    # Held with 20 min left, 0 left, 1 s overdue, 10 min overdue, 2 h overdue.
    for name, minutes in [("left20", 10), ("zero", 30), ("over1s", 30 + 1 / 60), ("over10", 40), ("over2h", 150)]:
        clock.set(pendulum.datetime(2026, 11, 25, 9, 0).add(seconds=round(minutes * 60)))
        t = store.tickets.create_ticket(ticket_data(reported_at=pendulum.datetime(2026, 11, 25, 9, 0)))
        held[name] = store.tickets.pause(t.id, t.version, reason="customer").id
    order = [r.id for r in store.queue.find()]
    assert order == [running.id, held["over2h"], held["over10"], held["over1s"], held["zero"], held["left20"]]
    assert store.queue.queue_position(held["over10"]) == 2


def test_derive_keys_sort_like_the_frozen_time_left() -> None:
    policy = {p: DEFAULT_POLICY[p] for p in DEFAULT_POLICY}
    row = {"id": 7, "status": "waiting", "priority": 2, "reported_at": "2026-11-25T09:00:00+00:00"}

    def key(frozen_minutes: float) -> str:
        pauses = [Pause(BASE.add(seconds=(30 - frozen_minutes) * 60))]
        out = derive(row, pauses, policy, None)  # type: ignore[arg-type]
        assert out["frozen_left_s"] == pytest.approx(frozen_minutes * 60)
        return out["queue_key"]

    values = [-10**6, -120, -1, -0.5 / 60, 0, 0.5 / 60, 1, 7.5, 29]
    keys = [key(v) for v in values]
    assert keys == sorted(keys)
    assert len(set(map(len, keys))) == 1  # fixed width, so the ticket id that follows sorts too
    # A held overdue P2 still sorts after every running P2 and before every P3.
    assert keys[0] > "20" + "9" * 40 and keys[0] < "3"
    # Positive frozen keys keep the form stored before, so older rows still sort with new ones.
    assert key(29) == "21" + f"{29 * 60:012d}" + f"{7:012d}"


# -------------------------------------------------------------- merge_pauses

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


# ------------------------------------------------------------- countdown text

TIME_OF_DAY = re.compile(r"^\D?\d{1,2}:\d{2}$")


def test_countdown_forms() -> None:
    assert [duration(s) for s in (0, 42, 59, 60, 790, 3599, 3600, 5460, 86399, 86400, 190000)] == [
        "0s", "42s", "59s", "1m00s", "13m10s", "59m59s", "1h00m", "1h31m", "23h59m", "1d00h", "2d04h"]
    assert [overdue(s) for s in (1, 60, 61, 44 * 60, 3600, 45480)] == [
        "+1m", "+1m", "+2m", "+44m", "+1h00m", "+12h38m"]


def clock_row(**kw: Any) -> QueueRow:
    base: dict[str, Any] = {
        "id": 1, "version": 1, "priority": 2, "status": "assigned", "arrival_mode": None, "site_name": "S",
        "equipment_tag": None, "description": "d", "technician_name": None, "repeat_of": None,
        "next_clock": "response", "due_at": None, "risk_at": None, "frozen_left_s": None, "window_s": 3600,
    }
    base.update(kw)
    due, risk = base["due_at"], base["risk_at"]
    return QueueRow(**base, due_ts=due.timestamp() if due else None, risk_ts=risk.timestamp() if risk else None)


def test_row_clock_examples() -> None:
    now = BASE.timestamp()
    due = lambda minutes: clock_row(due_at=at(minutes), risk_at=at(minutes - 15))  # noqa: E731
    assert row_clock(due(13 + 10 / 60), now) == ("13m10s", "at_risk")
    assert row_clock(due(91), now) == ("1h31m", "ok")
    assert row_clock(due(15), now) == ("15m00s", "at_risk")  # at risk from risk_at on
    assert row_clock(due(15).model_copy(update={"risk_ts": now + 1}), now) == ("15m00s", "ok")
    assert row_clock(due(0), now) == ("0s", "breached")
    assert row_clock(clock_row(frozen_left_s=0.0), now) == ("=0s", "breached")  # held at the deadline
    assert row_clock(due(-44), now) == ("+44m", "breached")
    assert row_clock(due(-12 * 60 - 38), now) == ("+12h38m", "breached")
    assert row_clock(clock_row(frozen_left_s=47 * 60.0), now) == ("=47m00s", "ok")
    assert row_clock(clock_row(frozen_left_s=-47 * 60.0), now) == ("=+47m", "breached")
    assert row_clock(clock_row(frozen_left_s=-91 * 60.0), now) == ("=+1h31m", "breached")
    # Too wide for the column with both units: the larger alone.
    assert row_clock(clock_row(frozen_left_s=-(12 * 3600 + 38 * 60.0)), now) == ("=+12h", "breached")
    assert row_clock(clock_row(frozen_left_s=12 * 86400 + 4 * 3600.0, window_s=10**8), now)[0] == "=12d04h"
    assert row_clock(clock_row(frozen_left_s=120 * 86400 + 4 * 3600.0, window_s=10**8), now)[0] == "=120d"
    assert row_clock(due(-120 * 1440 - 240), now)[0] == "+120d"


@settings(max_examples=300, deadline=None)
@given(left=st.floats(-400 * 86400, 400 * 86400, allow_nan=False), frozen=st.booleans())
def test_countdown_fits_its_column_and_never_reads_as_a_time(left: float, frozen: bool) -> None:
    now = BASE.timestamp()
    if frozen:
        row = clock_row(frozen_left_s=left)
    else:
        row = clock_row(due_at=BASE.add(seconds=left), risk_at=BASE.add(seconds=left - 900))
    text, _state = row_clock(row, now)
    assert len(text) <= COUNTDOWN_WIDTH
    assert not TIME_OF_DAY.match(text)
    assert ":" not in text
    # Seconds only while under an hour is left on a running clock (the tick's cost).
    if not frozen and text.endswith("s"):
        assert -1 < left <= 3600  # (epoch floats: 3600.0 may come back a hair under)


# --------------------------------------------------------------- in the console

async def test_queue_shows_a_held_overdue_ticket_frozen(store: Store, clock: MutableClock) -> None:
    t = make_ticket(store, priority=2)  # due 09:30
    clock.advance(minutes=77)
    store.tickets.pause(t.id, t.version, reason="customer")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "=+47m" in line_text(queue(app), 1))
        assert "✗" in line_text(queue(app), 1)
        clock.advance(hours=3)
        queue(app).tick()
        await settle(pilot)
        assert "=+47m" in line_text(queue(app), 1)


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
