"""The daily callback plan (store/rules/sampling.py): who phones which closed ticket."""

from __future__ import annotations

import math
import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import RuleViolation
from store.rules.sampling import ClosedTicket, NoEvaluator, Plan, manager_count, plan_day

DAY = pendulum.date(2026, 3, 2)
T0 = pendulum.datetime(2026, 3, 2, 8, 0, tz="UTC")


def tickets_of(techs: list[int]) -> list[ClosedTicket]:
    """One ticket per entry, ids 1.., closed a minute apart."""
    return [ClosedTicket(i, tech, T0.add(minutes=i)) for i, tech in enumerate(techs, start=1)]


@st.composite
def days(draw: st.DrawFn) -> tuple[list[ClosedTicket], list[str], list[str], pendulum.Date]:
    techs = draw(st.lists(st.integers(1, 6), max_size=40))
    minutes = draw(st.lists(st.integers(0, 600), min_size=len(techs), max_size=len(techs)))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=len(techs), max_size=len(techs), unique=True))
    tickets = [ClosedTicket(i, tech, T0.add(minutes=m)) for i, tech, m in zip(ids, techs, minutes, strict=True)]
    dispatchers = draw(st.lists(st.sampled_from(["ann", "bob", "cy", "dee", "eve"]), min_size=1, max_size=5, unique=True))
    managers = draw(st.lists(st.sampled_from(["max", "mia", "mo"]), min_size=1, max_size=3, unique=True))
    day = DAY.add(days=draw(st.integers(0, 400)))
    return tickets, dispatchers, managers, day


def half_up(n: int, share: Fraction) -> int:
    # floor(x + 1/2) is rounding half up for x >= 0.
    return math.floor(n * share + Fraction(1, 2))


@settings(max_examples=150, deadline=None)
@given(days())
def test_every_ticket_gets_exactly_one_phone_callback(case: tuple) -> None:
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day)
    assert plan.day == day
    assert sorted(plan.assignments) == sorted(t.id for t in tickets)
    assert list(plan.assignments) == sorted(plan.assignments)
    assert set(plan.assignments.values()) <= set(dispatchers) | set(managers)
    # by_evaluator partitions the tickets, lists every evaluator, each list sorted
    assert sorted(plan.by_evaluator) == sorted(dispatchers + managers)
    listed = [i for ids in plan.by_evaluator.values() for i in ids]
    assert sorted(listed) == sorted(plan.assignments)
    for login, ids in plan.by_evaluator.items():
        assert list(ids) == sorted(ids)
        assert all(plan.assignments[i] == login for i in ids)
    # by_technician counts what was assigned
    tech_of = {t.id: t.technician_id for t in tickets}
    expected: dict[int, Counter[str]] = {}
    for ticket_id, login in plan.assignments.items():
        expected.setdefault(tech_of[ticket_id], Counter())[login] += 1
    assert plan.by_technician == {tech: dict(c) for tech, c in expected.items()}
    assert list(plan.by_technician) == sorted(plan.by_technician)
    for counts in plan.by_technician.values():
        assert list(counts) == sorted(counts)


@settings(max_examples=150, deadline=None)
@given(days())
def test_managers_take_the_share_rounded_half_up_and_dispatchers_the_rest(case: tuple) -> None:
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day)
    assert len(plan.manager_tickets) == half_up(len(tickets), Fraction(1, 10))
    assert list(plan.manager_tickets) == sorted(plan.manager_tickets)
    for ticket_id, login in plan.assignments.items():
        assert (login in managers) == (ticket_id in plan.manager_tickets)


@pytest.mark.parametrize(
    ("n", "picks"),
    [(0, 0), (1, 0), (4, 0), (5, 1), (6, 1), (14, 1), (15, 2), (24, 2), (25, 3), (35, 4), (45, 5), (100, 10)],
)
def test_manager_count_rounds_half_up(n: int, picks: int) -> None:
    assert manager_count(n) == picks
    assert manager_count(n, 0.1) == picks
    assert manager_count(n, Decimal("0.1")) == picks
    assert len(plan_day(tickets_of([1] * n), ["ann"], ["max"], DAY).manager_tickets) == picks


def test_manager_share_is_a_setting() -> None:
    assert manager_count(10, 0) == 0
    assert manager_count(10, 1) == 10
    assert manager_count(10, 0.25) == 3  # 2.5 rounds up
    assert manager_count(3, Decimal("0.5")) == 2  # 1.5 rounds up
    assert manager_count(7, Decimal("0.3")) == 2  # 2.1
    # a float share is read as written: 0.15 × 10 = 1.5 -> 2 (the binary 0.15 is 0.1499999...)
    assert manager_count(10, 0.15) == 2
    assert manager_count(45, 0.3) == 14  # 13.5; the binary 0.3 is 0.2999999...
    plan = plan_day(tickets_of([1, 2, 3, 4]), ["ann"], ["max"], DAY, manager_share=0.5)
    assert len(plan.manager_tickets) == 2
    plan = plan_day(tickets_of([1, 2, 3, 4]), [], ["max"], DAY, manager_share=1)
    assert len(plan.manager_tickets) == 4


@pytest.mark.parametrize("share", [-0.1, 1.01, Decimal("-0.01"), Decimal("1.5"), 2])
def test_a_share_outside_zero_to_one_is_refused(share: object) -> None:
    with pytest.raises(ValueError, match=r"^manager share must be between 0 and 1, not "):
        manager_count(10, share)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="manager share"):
        plan_day(tickets_of([1]), ["ann"], ["max"], DAY, manager_share=share)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(days(), st.sampled_from([Decimal("0.1"), Decimal("0.3"), Decimal("0.5"), Decimal("0.8"), Decimal(1)]))
def test_manager_picks_are_spread_over_technicians(case: tuple, share: Decimal) -> None:
    # larger shares than 10 % too: several rounds over the technicians, some of them run out of tickets
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day, manager_share=share)
    assert len(plan.manager_tickets) == half_up(len(tickets), Fraction(share))
    have = Counter(t.technician_id for t in tickets)
    picked = Counter(t.technician_id for t in tickets if t.id in plan.manager_tickets)
    for a in have:
        for b in have:
            # a technician has two more picks than another only when that other has no ticket left
            if picked[a] > picked[b] + 1 or (picked[a] >= 2 and picked[b] == 0):
                assert picked[b] == have[b]
    # within a technician, picks are its earliest closed tickets (then lowest id)
    for tech in have:
        own = sorted((t for t in tickets if t.technician_id == tech), key=lambda t: (t.closed_at, t.id))
        assert {t.id for t in own[: picked[tech]]} == {t.id for t in own if t.id in plan.manager_tickets}


@settings(max_examples=150, deadline=None)
@given(days())
def test_counts_per_evaluator_differ_by_at_most_one(case: tuple) -> None:
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day)
    disp = [len(plan.by_evaluator[d]) for d in dispatchers]
    mgr = [len(plan.by_evaluator[m]) for m in managers]
    assert max(disp) - min(disp) <= 1
    assert max(mgr) - min(mgr) <= 1


@settings(max_examples=150, deadline=None)
@given(days())
def test_each_technicians_tickets_are_spread_across_dispatchers(case: tuple) -> None:
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day)
    for counts in plan.by_technician.values():
        per_dispatcher = [counts.get(d, 0) for d in dispatchers]
        assert max(per_dispatcher) - min(per_dispatcher) <= 1


@settings(max_examples=100, deadline=None)
@given(days(), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_the_same_plan(case: tuple, rnd: random.Random) -> None:
    tickets, dispatchers, managers, day = case
    plan = plan_day(tickets, dispatchers, managers, day)
    shuffled = [list(x) for x in (tickets, dispatchers, managers)]
    for x in shuffled:
        rnd.shuffle(x)
    again = plan_day(shuffled[0], shuffled[1] + shuffled[1][:1], shuffled[2], day)  # a repeated login is one evaluator
    assert again == plan
    assert list(again.by_evaluator) == list(plan.by_evaluator) == sorted(plan.by_evaluator)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=2, max_size=8, unique=True),  # the day's technicians
    st.integers(1, 4),  # tickets per technician
    st.integers(0, 1000),
)
def test_manager_picks_rotate_over_the_technicians_day_after_day(techs: list[int], each: int, offset: int) -> None:
    tickets = tickets_of(sorted(techs * each))
    picks = manager_count(len(tickets))
    if not 0 < picks < len(techs):
        return
    tech_of = {t.id: t.technician_id for t in tickets}

    def picked(day: pendulum.Date) -> set[int]:
        return {tech_of[i] for i in plan_day(tickets, ["ann"], ["max"], day).manager_tickets}

    start = DAY.add(days=offset)
    assert picked(start) != picked(start.add(days=1))
    # within ceil(technicians / picks) consecutive days every technician has been picked once
    seen = set().union(*(picked(start.add(days=k)) for k in range(math.ceil(len(techs) / picks))))
    assert seen == set(techs)


def test_rotation_by_example() -> None:
    # 4 technicians with 5 tickets each: 20 tickets, 2 manager calls a day
    tickets = tickets_of([1, 2, 3, 4] * 5)
    tech_of = {t.id: t.technician_id for t in tickets}
    start = pendulum.date(1, 1, 1).add(days=3)  # ordinal 4: 4 × 2 = 8 ≡ 0 (mod 4)
    got = []
    for k in range(4):
        plan = plan_day(tickets, ["ann", "bob"], ["max", "mia"], start.add(days=k))
        got.append(sorted(tech_of[i] for i in plan.manager_tickets))
    assert got == [[1, 2], [3, 4], [1, 2], [3, 4]]


def test_picks_take_a_round_over_the_technicians_before_a_second_ticket() -> None:
    # technician 1 has one ticket, 2 has 24, 3 has 5: 30 tickets, 3 manager calls; then with a share of 1/2, 15
    tickets = tickets_of([1] + [2] * 24 + [3] * 5)
    tech_of = {t.id: t.technician_id for t in tickets}
    for k in range(3):
        plan = plan_day(tickets, ["ann"], ["max"], DAY.add(days=k))
        assert sorted(tech_of[i] for i in plan.manager_tickets) == [1, 2, 3]
    plan = plan_day(tickets, ["ann"], ["max"], DAY, manager_share=Decimal("0.5"))
    assert Counter(tech_of[i] for i in plan.manager_tickets) == {1: 1, 2: 9, 3: 5}
    assert plan.manager_tickets == (1, *range(2, 11), *range(26, 31))


def test_manager_picks_are_dealt_over_managers_in_turn() -> None:
    tickets = tickets_of([1, 2, 3, 4, 5] * 5)  # 25 tickets: 3 manager calls
    day = pendulum.date(1, 1, 1).add(days=2)  # ordinal 3: the round starts at technician 3 × 3 ≡ 4 (mod 5), manager 9 ≡ 0 (mod 3)
    plan = plan_day(tickets, ["ann"], ["mo", "max", "mia"], day)
    # technicians 5, 1, 2 give their first tickets: 5, 1, 2 -> max, mia, mo
    assert {i: plan.assignments[i] for i in plan.manager_tickets} == {5: "max", 1: "mia", 2: "mo"}


def test_manager_calls_rotate_over_managers() -> None:
    tickets = tickets_of([1, 2, 3, 4, 5])  # one manager call a day
    who = [plan_day(tickets, ["ann"], ["max", "mia"], DAY.add(days=k)).by_evaluator for k in range(2)]
    assert sorted(len(w["max"]) for w in who) == [0, 1]
    assert sorted(len(w["mia"]) for w in who) == [0, 1]


def test_the_odd_dispatcher_ticket_rotates() -> None:
    tickets = tickets_of([1])
    who = [plan_day(tickets, ["ann", "bob"], ["max"], DAY.add(days=k)).assignments[1] for k in range(2)]
    assert sorted(who) == ["ann", "bob"]


def test_a_plan_by_example() -> None:
    # ordinal of 2026-03-02 is 739677; 12 tickets -> 1.2 -> 1 manager call
    day = pendulum.date(2026, 3, 2)
    assert day.toordinal() == 739677
    tickets = tickets_of([7, 7, 7, 7, 9, 9, 9, 9, 9, 9, 11, 11])
    plan = plan_day(list(reversed(tickets)), ["cy", "bob", "ann"], ["mia", "max"], day)
    # technicians [7, 9, 11], start 739677 ≡ 0 (mod 3): technician 7's first ticket; managers: 739677 ≡ 1 (mod 2): mia
    assert plan.manager_tickets == (1,)
    # the rest dealt from dispatcher 739677 ≡ 0 (mod 3): ann, bob, cy, ann, ...
    assert plan == Plan(
        day=day,
        assignments={
            1: "mia", 2: "ann", 3: "bob", 4: "cy",
            5: "ann", 6: "bob", 7: "cy", 8: "ann", 9: "bob", 10: "cy",
            11: "ann", 12: "bob",
        },
        manager_tickets=(1,),
        by_evaluator={"ann": (2, 5, 8, 11), "bob": (3, 6, 9, 12), "cy": (4, 7, 10), "max": (), "mia": (1,)},
        by_technician={7: {"ann": 1, "bob": 1, "cy": 1, "mia": 1}, 9: {"ann": 2, "bob": 2, "cy": 2}, 11: {"ann": 1, "bob": 1}},
    )


def test_tickets_of_one_technician_go_by_closing_time_not_id() -> None:
    late, early = ClosedTicket(1, 5, T0.add(hours=3)), ClosedTicket(2, 5, T0)
    others = [ClosedTicket(i, 6, T0) for i in range(3, 7)]
    plan = plan_day([late, early, *others], ["ann"], ["max"], DAY)  # 6 tickets -> 1 manager call
    assert plan.manager_tickets in ((2,), (3,))  # technician 5's earliest, or technician 6's first


def test_no_tickets_needs_nobody() -> None:
    plan = plan_day([], [], [], DAY)
    assert plan == Plan(day=DAY, assignments={}, manager_tickets=(), by_evaluator={}, by_technician={})
    assert plan_day([], ["ann"], [], DAY).by_evaluator == {"ann": ()}


def test_no_dispatcher_on_shift_is_refused() -> None:
    with pytest.raises(NoEvaluator, match=r"^No dispatcher is on shift to take the day's callbacks\.$") as info:
        plan_day(tickets_of([1, 2]), [], ["max"], DAY)
    assert isinstance(info.value, RuleViolation) and isinstance(info.value, ValueError)
    # a single ticket with a share of 1 goes to the manager: no dispatcher needed
    assert plan_day(tickets_of([1]), [], ["max"], DAY, manager_share=1).assignments == {1: "max"}


def test_no_manager_on_shift_is_refused_only_when_a_manager_call_is_due() -> None:
    with pytest.raises(NoEvaluator, match=r"^No manager is on shift to take the day's manager callbacks\.$"):
        plan_day(tickets_of([1] * 5), ["ann"], [], DAY)
    plan = plan_day(tickets_of([1] * 4), ["ann"], [], DAY)  # 0.4 -> no manager call
    assert plan.manager_tickets == () and set(plan.assignments.values()) == {"ann"}
    assert plan_day(tickets_of([1] * 9), ["ann"], [], DAY, manager_share=0).manager_tickets == ()


def test_a_ticket_listed_twice_is_refused() -> None:
    twice = [ClosedTicket(1, 1, T0), ClosedTicket(1, 2, T0)]
    with pytest.raises(ValueError, match=r"^a ticket is listed twice$"):
        plan_day(twice, ["ann"], ["max"], DAY)


def test_a_login_in_both_roles_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^a login is listed both as dispatcher and as manager$"):
        plan_day(tickets_of([1]), ["ann", "max"], ["max"], DAY)
