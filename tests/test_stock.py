"""Spare-parts stock, first in first out (store/rules/stock.py): the rules one by
one, then any sequence of receipts, uses, moves and counts against a
brute-force reference that keeps every unit as an item of its own."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import RuleViolation, ValidationFailed
from store.i18n import set_language
from store.rules.stock import (
    Lot,
    Shortage,
    apply,
    count,
    move,
    on_hand,
    receive,
    stock_value,
    surplus_cost,
    use,
    warranty_default,
)

T0 = pendulum.datetime(2026, 3, 2, 8, 0, tz="UTC")
STORE, VAN, VAN2 = 1, 2, 3
BELT, ROLLER = 10, 11
D = Decimal


def book(*movements) -> list[Lot]:
    lots: list[Lot] = []
    for m in movements:
        lots = apply(lots, m(lots) if callable(m) else m)
    return lots


def test_a_use_takes_the_oldest_lot_first_and_costs_what_those_lots_cost() -> None:
    lots = book(receive(2, BELT, STORE, T0.add(days=3), 5, "12.00"),
                receive(1, BELT, STORE, T0, 3, "10.50"))  # recorded later, received earlier
    done = use(lots, BELT, STORE, 4)
    assert [(t.lot, t.quantity) for t in done.takes] == [(1, 3), (2, 1)]
    assert done.cost == D("43.50")  # 3 × 10.50 + 1 × 12.00
    after = apply(lots, done)
    assert on_hand(after, BELT, STORE) == 4
    assert [(x.lot, x.quantity) for x in after] == [(1, 0), (2, 4)]  # the empty lot stays


def test_lots_received_at_the_same_instant_go_by_lot_number() -> None:
    lots = book(receive(7, BELT, STORE, T0, 2, "9.00"), receive(3, BELT, STORE, T0, 2, "8.00"))
    done = use(lots, BELT, STORE, 3)
    assert [(t.lot, t.quantity) for t in done.takes] == [(3, 2), (7, 1)]
    assert done.cost == D("25.00")


def test_a_shortage_is_refused_whole_and_says_what_where_and_how_many() -> None:
    lots = book(receive(1, BELT, VAN, T0, 2, "10.00"), receive(2, BELT, STORE, T0, 9, "10.00"))
    with pytest.raises(Shortage) as caught:
        use(lots, BELT, VAN, 5, names=("drive belt DB-40", "van of Wang Wei"))
    assert str(caught.value) == "Not enough drive belt DB-40 at van of Wang Wei: 5 wanted, 2 in stock, 3 missing"
    assert isinstance(caught.value, RuleViolation) and caught.value.missing == 3
    assert "\n" not in str(caught.value)
    with pytest.raises(Shortage, match="at #3: 1 wanted, 0 in stock, 1 missing"):
        move(lots, BELT, VAN2, STORE, 1)


def test_a_move_keeps_each_units_lot_receipt_time_and_cost() -> None:
    lots = book(receive(1, BELT, STORE, T0, 2, "10.00"), receive(2, BELT, STORE, T0.add(days=1), 5, "14.00"),
                receive(3, BELT, VAN, T0.add(hours=12), 1, "12.00"))
    moved = move(lots, BELT, STORE, VAN, 3)
    assert moved.cost == D("34.00") and moved.to == VAN
    lots = apply(lots, moved)
    van = sorted((x.lot, x.received_at, x.unit_cost, x.quantity) for x in lots if x.location == VAN)
    assert van == [(1, T0, D("10.00"), 2), (2, T0.add(days=1), D("14.00"), 1), (3, T0.add(hours=12), D("12.00"), 1)]
    # At the van the moved units are still the oldest: lot 1 (T0) before lot 3 (T0 + 12 h).
    done = use(lots, BELT, VAN, 3)
    assert [(t.lot, t.quantity) for t in done.takes] == [(1, 2), (3, 1)]
    assert done.cost == D("32.00")
    # Moving back adds to the lot already there, it does not make a second one.
    lots = apply(apply(lots, done), move(apply(lots, done), BELT, VAN, STORE, 1))
    assert sorted((x.lot, x.location, x.quantity) for x in lots) == [
        (1, STORE, 0), (1, VAN, 0), (2, STORE, 5), (2, VAN, 0), (3, VAN, 0)]
    with pytest.raises(ValidationFailed):
        move(lots, BELT, STORE, STORE, 1)


def test_a_count_takes_a_shortfall_oldest_first_and_books_a_surplus_at_the_latest_receipt_cost() -> None:
    lots = book(receive(1, BELT, STORE, T0, 3, "10.00"), receive(2, BELT, STORE, T0.add(days=1), 3, "11.00"),
                receive(3, BELT, VAN, T0.add(days=2), 1, "13.00"))
    short = count(lots, BELT, STORE, 2, T0.add(days=5), 9, D("99.00"), reason="two broken, two lost")
    assert (short.expected, short.counted, short.quantity) == (6, 2, 4)
    assert [(t.lot, t.quantity) for t in short.takes] == [(1, 3), (2, 1)] and short.cost == D("41.00")
    assert short.reason == "two broken, two lost"
    lots = apply(lots, use(lots, BELT, VAN, 1))  # lot 3 is now empty, and still the latest receipt
    surplus = count(lots, BELT, VAN, 2, T0.add(days=5), 9, D("99.00"), reason="found in the van")
    assert surplus.added == Lot(9, BELT, VAN, T0.add(days=5), D("13.00"), 2)
    assert surplus.cost == 0
    never = count([], ROLLER, STORE, 4, T0, 10, D("7.25"), reason="found")
    assert never.added is not None and never.added.unit_cost == D("7.25")
    exact = count(lots, BELT, STORE, 6, T0, 11, D("1"))
    assert exact.quantity == 0 and not exact.lots and exact.added is None
    with pytest.raises(ValidationFailed) as caught:
        count(lots, BELT, STORE, 5, T0, 11, D("1"), reason="  ")
    assert caught.value.errors == {"reason": "required: say why the count differs"}


@pytest.mark.parametrize("bad", [0, -1, "abc", "1.5", 1.5, True, None, 1_000_001, ""])
def test_a_quantity_is_a_whole_number_of_units(bad: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        receive(1, BELT, STORE, T0, bad, "1.00")
    assert caught.value.errors == {"quantity": "a whole number from 1 to 1,000,000"}


@pytest.mark.parametrize(("bad", "message"), [
    ("1e3", "write the amount in full, without an exponent (1000, not 1e3)"),
    ("0.001", "at most 2 decimals"), ("-1", "from 0 to 1,000,000,000"), ("", "required"),
])
def test_a_unit_cost_is_money_as_a_fee_is_typed(bad: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        receive(1, BELT, STORE, T0, 1, bad)
    assert caught.value.errors == {"unit_cost": message}
    assert receive(1, BELT, STORE, T0, "3", "1,200.50").lots[0].unit_cost == D("1200.50")


def test_warranty_covers_its_last_day_in_the_sites_zone() -> None:
    until = date(2026, 3, 31)
    # 2026-03-31 23:59 in Shanghai is still covered; 00:30 on 1 April is not,
    # though both are 31 March in UTC.
    assert warranty_default(until, pendulum.datetime(2026, 3, 31, 15, 59, tz="UTC"), "Asia/Shanghai") == "warranty"
    assert warranty_default(until, pendulum.datetime(2026, 3, 31, 16, 30, tz="UTC"), "Asia/Shanghai") == "charged"
    assert warranty_default(until, pendulum.datetime(2026, 4, 1, 3, 0, tz="UTC"), "America/New_York") == "warranty"
    assert warranty_default(None, T0, "UTC") == "charged"


# ------------------------------------------------------- against a reference
Item = tuple[pendulum.DateTime, int, Decimal]  # one unit: received at, lot, unit cost


@dataclass
class Reference:
    """Every unit an item of its own, per (part, location)."""

    units: dict[tuple[int, int], list[Item]] = field(default_factory=dict)
    receipts: dict[int, tuple[int, pendulum.DateTime, Decimal]] = field(default_factory=dict)  # lot -> part, at, cost

    def pile(self, part: int, loc: int) -> list[Item]:
        pile = self.units.setdefault((part, loc), [])
        pile.sort(key=lambda u: (u[0], u[1]))
        return pile

    def take(self, part: int, loc: int, n: int) -> tuple[list[Item], int] | None:
        pile = self.pile(part, loc)
        if n > len(pile):
            return None
        out, pile[:] = pile[:n], pile[n:]
        return out, n

    def latest_cost(self, part: int, default: Decimal) -> Decimal:
        mine = [(at, lot, cost) for lot, (p, at, cost) in self.receipts.items() if p == part]
        return max(mine)[2] if mine else default


PARTS, LOCATIONS = (BELT, ROLLER), (STORE, VAN, VAN2)
steps = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(PARTS), st.sampled_from(LOCATIONS), st.integers(0, 6),
              st.integers(1, 6), st.integers(0, 5000)),
    st.tuples(st.just("use"), st.sampled_from(PARTS), st.sampled_from(LOCATIONS), st.integers(1, 8)),
    st.tuples(st.just("move"), st.sampled_from(PARTS), st.sampled_from(LOCATIONS), st.sampled_from(LOCATIONS),
              st.integers(1, 8)),
    st.tuples(st.just("count"), st.sampled_from(PARTS), st.sampled_from(LOCATIONS), st.integers(0, 10),
              st.integers(0, 6), st.integers(0, 5000)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, max_size=40))
def test_any_sequence_agrees_with_unit_by_unit_items(sequence: list[tuple]) -> None:
    lots: list[Lot] = []
    ref = Reference()
    next_lot = 1
    for step in sequence:
        kind, part, loc = step[0], step[1], step[2]
        # Receipt times are drawn from a few hours, so ties and receipts
        # recorded out of time order both happen.
        if kind == "receive":
            at, q, cost = T0.add(hours=step[3]), step[4], D(step[5]).scaleb(-2)
            done = receive(next_lot, part, loc, at, q, cost)
            ref.pile(part, loc).extend([(at, next_lot, cost)] * q)
            ref.receipts[next_lot] = (part, at, cost)
            next_lot += 1
            assert done.cost == 0 and done.added is not None
        elif kind in ("use", "move"):
            dest = step[3] if kind == "move" else None
            q = step[-1]
            if dest == loc:
                continue
            expect = ref.take(part, loc, q)
            try:
                done = use(lots, part, loc, q) if dest is None else move(lots, part, loc, dest, q)
            except Shortage as exc:
                assert expect is None
                assert exc.missing == q - len(ref.pile(part, loc)) > 0
                continue
            assert expect is not None
            taken, _n = expect
            assert done.cost == sum((u[2] for u in taken), D(0))
            # The same units, oldest first, one take per lot.
            assert [((t.received_at, t.lot), t.quantity) for t in done.takes] == _runs(taken)
            if dest is not None:
                ref.pile(part, dest).extend(taken)
        else:
            counted, at, fallback = step[3], T0.add(hours=step[4]), D(step[5]).scaleb(-2)
            expected = len(ref.pile(part, loc))
            done = count(lots, part, loc, counted, at, next_lot, fallback, reason="recount")
            assert (done.expected, done.counted) == (expected, counted)
            if counted < expected:
                taken, _n = ref.take(part, loc, expected - counted)  # type: ignore[misc]
                assert done.cost == sum((u[2] for u in taken), D(0))
                assert [((t.received_at, t.lot), t.quantity) for t in done.takes] == _runs(taken)
            elif counted > expected:
                cost = ref.latest_cost(part, fallback)
                assert done.added == Lot(next_lot, part, loc, at, cost, counted - expected)
                ref.pile(part, loc).extend([(at, next_lot, cost)] * (counted - expected))
                ref.receipts[next_lot] = (part, at, cost)
                next_lot += 1
        assert done.cost == done.cost.quantize(D("0.01"))  # exact to the fen, nothing to round
        lots = apply(lots, done)
        assert all(x.quantity >= 0 for x in lots)
        for p in PARTS:
            for where in LOCATIONS:
                pile = ref.pile(p, where)
                assert on_hand(lots, p, where) == len(pile)
                per_lot = Counter(u[1] for u in pile)
                assert {x.lot: x.quantity for x in lots if (x.part, x.location) == (p, where) and x.quantity} == per_lot
            assert surplus_cost(lots, p, D("-1")) == ref.latest_cost(p, D("-1"))
        assert stock_value(lots) == sum((u[2] for pile in ref.units.values() for u in pile), D(0))


def _runs(items: list[Item]) -> list[tuple[tuple[pendulum.DateTime, int], int]]:
    """Consecutive units of one lot, as (lot key, how many): what one take is."""
    out: list[tuple[tuple[pendulum.DateTime, int], int]] = []
    for u in items:
        key = (u[0], u[1])
        if out and out[-1][0] == key:
            out[-1] = (key, out[-1][1] + 1)
        else:
            out.append((key, 1))
    return out


def test_a_shortage_is_said_in_chinese_too() -> None:
    lots = book(receive(1, BELT, VAN, T0, 2, "10.00"))
    set_language("zh_Hans")
    try:
        with pytest.raises(Shortage) as caught:
            use(lots, BELT, VAN, 5, names=("传动皮带", "王伟的车"))
    finally:
        set_language("en")
    assert str(caught.value) == "王伟的车的传动皮带不足：需要 5，库存 2，缺 3"
