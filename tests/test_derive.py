"""What is stored with each ticket (store/rules/derive.py): the queue's SLA fields
and sort key, and the facts the managers' figures sum.

The facts are checked against a reference that walks the ticket's life
minute by minute (a minute counts unless a hold covers it), on both paths:
the whole-second one taken without holds under 24×7, and the general one."""

from __future__ import annotations

import random
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from store.rules.derive import DERIVED, FACTS, SLA_FIELDS, active_seconds, derive, facts, ran_out, ticket_clocks
from store.rules.sla import CLOCKS, DEFAULT_POLICY, AlwaysOpen, Pause, clock_statuses
from store.rules.working_hours import BusinessHours, Period, WorkingHours
from store.timeutil import to_db

BASE = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")  # a Wednesday
POLICY = dict(DEFAULT_POLICY)  # P2: 30 / 120 / 480 minutes
ROUND_THE_CLOCK = WorkingHours("UTC", ((Period(0, 1440),),) * 7)  # 24×7 by the general path
MET = {"response": "first_response_at", "onsite": "arrived_at", "resolve": "resolved_at"}


def at(minutes: float) -> DateTime:
    return BASE.add(seconds=minutes * 60)


def ticket(status: str = "assigned", priority: int = 2, id: int = 7, **times: float | None) -> dict[str, Any]:
    """A ticket row as stored: times in minutes after BASE, as text."""
    row: dict[str, Any] = {"id": id, "status": status, "priority": priority, "reported_at": to_db(BASE)}
    for key, minutes in times.items():
        row[key] = None if minutes is None else to_db(at(minutes))
    return row


def key(priority: int, kind: str, middle: str, id: int = 7) -> str:
    return f"{priority}{kind}{middle}{id:012d}"


# --------------------------------------------------------- the queue fields

def test_the_fields() -> None:
    assert SLA_FIELDS == ("is_open", "next_clock", "due_at", "risk_at", "frozen_left_s", "window_s", "queue_key")
    assert FACTS == tuple(f"f_{c}_{k}" for c in ("response", "onsite", "resolve") for k in ("s", "ok", "late"))
    assert DERIVED == SLA_FIELDS + FACTS


def test_a_running_clock() -> None:
    out = derive(ticket(), [], POLICY, AlwaysOpen())
    assert set(out) == set(DERIVED)
    assert {k: out[k] for k in SLA_FIELDS} == {
        "is_open": 1, "next_clock": "response", "due_at": "2026-11-25T09:30:00Z", "risk_at": "2026-11-25T09:22:30Z",
        "frozen_left_s": None, "window_s": 1800, "queue_key": key(2, "0", "2026-11-25T09:30:00Z")}
    # Responded: the on-site clock is the one raced.
    out = derive(ticket(first_response_at=10), [], POLICY, AlwaysOpen())
    assert (out["next_clock"], out["due_at"], out["window_s"]) == ("onsite", "2026-11-25T11:00:00Z", 7200)
    out = derive(ticket("onsite", first_response_at=10, arrived_at=50), [], POLICY, AlwaysOpen())
    assert (out["next_clock"], out["due_at"], out["risk_at"]) == ("resolve", "2026-11-25T17:00:00Z", "2026-11-25T15:00:00Z")


def test_a_stopped_clock() -> None:
    out = derive(ticket("waiting"), [Pause(at(10))], POLICY, AlwaysOpen())
    assert {k: out[k] for k in SLA_FIELDS} == {
        "is_open": 1, "next_clock": "response", "due_at": None, "risk_at": None,
        "frozen_left_s": 1200.0, "window_s": 1800, "queue_key": key(2, "1", f"{1200:012d}")}
    # Held 47 minutes overdue: a key that sorts before every key with time left.
    out = derive(ticket("waiting"), [Pause(at(77))], POLICY, AlwaysOpen())
    assert (out["frozen_left_s"], out["queue_key"]) == (-2820.0, key(2, "1", "-" + f"{10**11 - 2820:011d}"))
    # Held at the deadline: nothing left.
    out = derive(ticket("waiting"), [Pause(at(30))], POLICY, AlwaysOpen())
    assert (out["frozen_left_s"], out["queue_key"]) == (0.0, key(2, "1", "0" * 12))
    # A fraction of a second overdue sorts as overdue.
    out = derive(ticket("waiting"), [Pause(at(30).add(microseconds=500_000))], POLICY, AlwaysOpen())
    assert out["queue_key"] == key(2, "1", "-" + f"{10**11 - 1:011d}")
    # Beyond the key's range the most overdue keep the first place.
    out = derive(ticket("waiting"), [Pause(at(30 + 2 * 10**9))], POLICY, AlwaysOpen())
    assert out["queue_key"] == key(2, "1", "-" + "0" * 11)


def test_resolved_and_closed() -> None:
    resolved = ticket("resolved", first_response_at=10, arrived_at=50, resolved_at=90)
    out = derive(resolved, [], POLICY, AlwaysOpen())
    assert {k: out[k] for k in SLA_FIELDS} == {
        "is_open": 1, "next_clock": None, "due_at": None, "risk_at": None, "frozen_left_s": None,
        "window_s": None, "queue_key": key(2, "2", "2026-11-25T10:30:00Z")}
    # Every clock met while still on site (imported data): no clock left, sorted as resolved.
    out = derive({**resolved, "status": "onsite"}, [], POLICY, AlwaysOpen())
    assert (out["next_clock"], out["queue_key"]) == (None, key(2, "2", "2026-11-25T10:30:00Z"))
    # Resolved without a time (imported): sorted by its report.
    out = derive({**resolved, "resolved_at": None}, [], POLICY, AlwaysOpen())
    assert out["queue_key"] == key(2, "2", "2026-11-25T09:00:00Z")
    for status in ("closed", "cancelled"):
        out = derive({**resolved, "status": status}, [], POLICY, AlwaysOpen())
        assert {k: out[k] for k in SLA_FIELDS} == dict.fromkeys(SLA_FIELDS) | {"is_open": 0}
        assert out["f_resolve_ok"] == 1  # the facts are kept for the figures


@settings(max_examples=200, deadline=None)
@given(tickets=st.lists(st.tuples(
    st.integers(1, 4), st.sampled_from(["running", "waiting", "resolved"]), st.integers(-3000, 3000)), min_size=2, max_size=8))
def test_keys_sort_as_the_queue_is_ordered(tickets: list[tuple[int, str, int]]) -> None:
    """Priority; then running clocks by deadline, held ones by the time left
    when stopped, resolved ones by when they were resolved (docs/rules.md "Queue order")."""
    rows = []
    for n, (priority, kind, minutes) in enumerate(tickets, start=1):
        if kind == "running":
            row, pauses = ticket(priority=priority, id=n), []
            row["reported_at"] = to_db(at(minutes))
            order: tuple[Any, ...] = (priority, 0, at(minutes) + pendulum.duration(minutes=POLICY[priority].response_min))
        elif kind == "waiting":
            row, pauses = ticket("waiting", priority=priority, id=n), [Pause(at(minutes))]
            order = (priority, 1, POLICY[priority].response_min * 60 - max(minutes, 0) * 60)
        else:
            row, pauses = ticket("resolved", priority=priority, id=n, first_response_at=0, arrived_at=0, resolved_at=minutes), []
            order = (priority, 2, at(minutes))
        rows.append((derive(row, pauses, POLICY, AlwaysOpen())["queue_key"], (*order, n)))
    assert [o for _k, o in sorted(rows)] == sorted(o for _k, o in rows)


def test_ticket_clocks_take_text_or_instants() -> None:
    row = ticket("onsite", first_response_at=10, arrived_at=50)
    as_times = {k: (at(0) if k == "reported_at" else at(10) if k == "first_response_at" else at(50) if k == "arrived_at" else v)
                for k, v in row.items()}
    expected = clock_statuses(BASE, POLICY[2], {"response": at(10), "onsite": at(50), "resolve": None})
    assert ticket_clocks(row, [], POLICY, AlwaysOpen()) == expected
    assert ticket_clocks(as_times, [], POLICY, AlwaysOpen()) == expected


# ---------------------------------------------------------------- facts

def test_facts_by_example() -> None:
    # P2: response by 09:30 (met 09:20, 20 minutes), on site by 11:00 (met 11:10: late), resolve not yet.
    row = ticket("onsite", first_response_at=20, arrived_at=130)
    expected = {
        "f_response_s": 1200.0, "f_response_ok": 1, "f_response_late": None,
        "f_onsite_s": 7800.0, "f_onsite_ok": 0, "f_onsite_late": None,
        "f_resolve_s": None, "f_resolve_ok": None, "f_resolve_late": "2026-11-25T17:00:00Z",
    }
    assert facts(row, [], POLICY, AlwaysOpen()) == expected
    assert facts(row, [], POLICY, ROUND_THE_CLOCK) == expected  # the general path agrees
    assert facts(row, [], POLICY, None) == expected  # type: ignore[arg-type]  # (no calendar: 24×7)
    # Held 10:50–11:30: the arrival at 11:10 is on time now, and took 110 minutes of the clock.
    held = facts(row, [Pause(at(110), at(150))], POLICY, AlwaysOpen())
    assert (held["f_onsite_s"], held["f_onsite_ok"], held["f_onsite_late"]) == (6600.0, 1, None)
    assert held["f_resolve_late"] == "2026-11-25T17:40:00Z"
    # Still on hold: the resolve clock was stopped with time left, it has not run out.
    assert facts(row, [Pause(at(200))], POLICY, AlwaysOpen())["f_resolve_late"] is None


def test_facts_of_stored_text_in_either_form() -> None:
    row = ticket("onsite", first_response_at=20, arrived_at=130)
    other = {k: (v.replace("Z", "+00:00") if isinstance(v, str) and v.endswith("Z") else v) for k, v in row.items()}
    assert facts(other, [], POLICY, AlwaysOpen()) == facts(row, [], POLICY, AlwaysOpen())
    shanghai = {**row, "reported_at": "2026-11-25T17:00:00+08:00"}
    assert facts(shanghai, [], POLICY, AlwaysOpen()) == facts(row, [], POLICY, AlwaysOpen())


def test_facts_under_business_hours() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30
    fri = pendulum.datetime(2026, 11, 27, 17, 0)
    row = {"id": 1, "status": "onsite", "priority": 3, "reported_at": to_db(fri),
           "first_response_at": to_db(pendulum.datetime(2026, 11, 30, 9, 0))}  # Monday 09:00
    out = facts(row, [], POLICY, bh)
    # 30 working minutes on Friday, 30 on Monday: exactly the P3 hour, on time.
    assert (out["f_response_s"], out["f_response_ok"]) == (3600.0, 1)
    assert out["f_onsite_late"] == "2026-11-30T12:00:00Z"  # 4 working hours: 30 minutes Friday, Monday to 12:00


# ------------------------------------------------ facts against a reference

def walk(reported: int, window: int, met: int | None, holds: list[tuple[int, int | None]]) -> tuple[int, int | None]:
    """One clock by walking minutes from the report: a minute counts unless a
    hold covers it. Returns (minutes counted before ``met``, the minute at
    which ``window`` minutes had counted or None if a hold stopped it first)."""
    def held(t: int) -> bool:
        return any(s <= t and (n is None or t < s + n) for s, n in holds)

    end = max(reported + window + sum(n or 0 for _s, n in holds), met or 0) + 1
    counted, ran_out_at, took = 0, None, 0
    for t in range(reported, end + 1):
        if counted == window and ran_out_at is None:
            ran_out_at = t
        if t == met:
            took = counted
        if not held(t):
            counted += 1
    return took, ran_out_at


@settings(max_examples=150, deadline=None)
@given(
    reported=st.integers(0, 100), priority=st.integers(1, 4), general=st.booleans(),
    holds=st.lists(st.tuples(st.integers(0, 700), st.one_of(st.none(), st.integers(0, 120))), max_size=4),
    met=st.tuples(*(st.one_of(st.none(), st.integers(0, 900)),) * 3),
)
def test_facts_match_the_walk(reported: int, priority: int, general: bool, holds: list, met: tuple) -> None:
    row = {"id": 1, "status": "onsite", "priority": priority, "reported_at": to_db(at(reported))}
    row |= {MET[c]: None if m is None else to_db(at(m)) for c, m in zip(CLOCKS, met, strict=True)}
    pauses = [Pause(at(s), None if n is None else at(s + n)) for s, n in holds]
    out = facts(row, pauses, POLICY, ROUND_THE_CLOCK if general else AlwaysOpen())
    for clock, m in zip(CLOCKS, met, strict=True):
        window = POLICY[priority].window_s(clock) // 60
        took, ran_out_at = walk(reported, window, m, holds)
        got = (out[f"f_{clock}_s"], out[f"f_{clock}_ok"], out[f"f_{clock}_late"])
        if m is None:
            assert got == (None, None, None if ran_out_at is None else to_db(at(ran_out_at))), clock
        else:
            assert got == (took * 60.0, int(took <= window), None), clock


def test_active_seconds_and_ran_out_directly() -> None:
    holds = [Pause(at(-30), at(10)), Pause(at(40), at(50))]  # the first began before the report
    assert active_seconds(at(0), at(60), holds, AlwaysOpen()) == 40 * 60
    assert active_seconds(at(0), at(45), holds, AlwaysOpen()) == 30 * 60
    assert active_seconds(at(60), at(0), holds, AlwaysOpen()) == 0  # never negative
    assert ran_out(at(0), 1800, holds, AlwaysOpen()) == at(40)  # (the second hold starts as it runs out)
    assert ran_out(at(0), 1800, [Pause(at(30))], AlwaysOpen()) == at(30)  # held at the deadline: it had run out
    assert ran_out(at(0), 1800, [Pause(at(29))], AlwaysOpen()) is None
    assert ran_out(at(0), 1800, [Pause(at(-20), at(-10))], AlwaysOpen()) == at(30)  # ended before the report


def test_facts_of_instants_or_text_alike() -> None:
    """The row may hold instants (a write in progress) or stored text, in any
    ISO form; whole seconds count on both paths."""
    reported = BASE.add(seconds=37)
    times = {"reported_at": reported, "first_response_at": reported.add(minutes=29, seconds=59),
             "arrived_at": reported.add(minutes=121)}
    as_instants = {"id": 1, "status": "onsite", "priority": 2, **times}
    as_text = {**as_instants, **{k: to_db(v) for k, v in times.items()}}
    basic = {**as_text, "reported_at": "20261125T170037+0800"}  # 20 characters, not our own form
    for calendar, pauses in ((AlwaysOpen(), []), (ROUND_THE_CLOCK, []), (AlwaysOpen(), [Pause(at(300), at(301))])):
        expected = facts(as_text, pauses, POLICY, calendar)
        assert facts(as_instants, pauses, POLICY, calendar) == expected
        assert facts(basic, pauses, POLICY, calendar) == expected
        assert (expected["f_response_s"], expected["f_response_ok"]) == (1799.0, 1)
        assert (expected["f_onsite_s"], expected["f_onsite_ok"]) == (7260.0, 0)
        assert expected["f_resolve_late"] == ("2026-11-25T17:01:37Z" if pauses else "2026-11-25T17:00:37Z")


def test_met_at_the_deadline_is_on_time_on_both_paths() -> None:
    for calendar in (AlwaysOpen(), ROUND_THE_CLOCK):
        on_time = facts(ticket(first_response_at=30), [], POLICY, calendar)
        assert (on_time["f_response_s"], on_time["f_response_ok"]) == (1800.0, 1)
        late = facts({**ticket(), "first_response_at": to_db(at(30).add(seconds=1))}, [], POLICY, calendar)
        assert (late["f_response_s"], late["f_response_ok"]) == (1801.0, 0)
        # Logged before the report (a stated time): it took nothing.
        early = facts(ticket(first_response_at=-5), [], POLICY, calendar)
        assert (early["f_response_s"], early["f_response_ok"]) == (0.0, 1)


def test_derive_uses_the_holds_and_the_calendar_it_is_given() -> None:
    bh = BusinessHours(tz="UTC")  # Mon–Fri 08:30–17:30
    fri = pendulum.datetime(2026, 11, 27, 17, 0)
    row = {"id": 3, "status": "assigned", "priority": 3, "reported_at": to_db(fri)}
    out = derive(row, [], POLICY, bh)
    # P3 response: 30 working minutes on Friday, 30 on Monday.
    assert (out["due_at"], out["risk_at"]) == ("2026-11-30T09:00:00Z", "2026-11-30T08:45:00Z")
    assert out["f_response_late"] == "2026-11-30T09:00:00Z"
    held = derive(row, [Pause(fri.add(minutes=10), pendulum.datetime(2026, 11, 30, 9, 0))], POLICY, bh)
    assert held["due_at"] == "2026-11-30T09:50:00Z" and held["f_response_late"] == "2026-11-30T09:50:00Z"
    assert {k: held[k] for k in FACTS} == facts(row, [Pause(fri.add(minutes=10), pendulum.datetime(2026, 11, 30, 9, 0))],
                                              POLICY, bh)


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


# ------------------------------------------------- the short ways under 24×7
# derive()'s short ways under 24×7 (no holds: epoch arithmetic; holds: the
# same rules on plain numbers) give exactly what the clocks worked out in full
# on pendulum times give: the audit check holds every stored fact to
# derive(), and a recompute writes them.

STATUSES = ("new", "assigned", "onsite", "waiting", "resolved", "closed", "cancelled")


class WallClock:
    """24×7 like AlwaysOpen, but not one: derive() takes its long way."""

    def add(self, start: Any, seconds: float) -> Any:
        return start.add(seconds=seconds)

    def between(self, a: Any, b: Any) -> float:
        return max(0.0, (b - a).total_seconds())


def _row(r: random.Random, tid: int) -> dict[str, Any]:
    reported = pendulum.datetime(2026, 11, 1, tz="UTC").add(seconds=r.randint(0, 40 * 86400))
    row: dict[str, Any] = {"id": tid, "status": r.choice(STATUSES), "priority": r.randint(1, 4),
                           "reported_at": to_db(reported)}
    t = reported
    for key in ("first_response_at", "arrived_at", "resolved_at"):
        t = t.add(seconds=r.choice([0, 1, 599, 900, 3601, 20000, 200000]))
        row[key] = to_db(t) if r.random() < 0.6 else None
    return row


def test_the_short_way_is_the_long_way() -> None:
    r = random.Random(21)
    for tid in range(1, 5001):
        row = _row(r, tid)
        assert derive(row, [], POLICY, None) == derive(row, [], POLICY, WallClock()), row  # type: ignore[arg-type]


def _holds(r: random.Random, row: dict[str, Any]) -> list[Pause]:
    start = pendulum.parse(row["reported_at"])
    out = []
    for _ in range(r.choice([1, 1, 2, 3])):
        start = start.add(seconds=r.choice([-600, 0, 1, 300, 900, 5000, 40000]))
        end = None if r.random() < 0.3 else start.add(seconds=r.choice([0, 1, 60, 899, 3600, 100000]))
        out.append(Pause(start, end))  # type: ignore[arg-type]
        start = end or start
    return out


def test_the_short_way_with_holds_is_the_long_way() -> None:
    r = random.Random(22)
    for tid in range(1, 3001):
        row = _row(r, tid)
        holds = _holds(r, row)
        assert derive(row, holds, POLICY, None) == derive(row, holds, POLICY, WallClock()), (row, holds)  # type: ignore[arg-type]
