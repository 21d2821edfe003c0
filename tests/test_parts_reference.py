"""Issue 25: the store's stock against a brute-force reference that keeps
every unit as an item of its own (as tests/test_stock.py does for the pure
rules): random receipts, uses on tickets, moves and counts through the Store,
at three locations, with receipts at the same instant now and then. After
each step every location's units per lot are the reference's, each use and
move cost exactly what the units it took cost, a refused step wrote nothing,
and ``dispatch check`` passes at the end."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import NOW, MutableClock, seeded_file
from ticket_helpers import make, to_onsite

from store.rules.stock import Shortage

PLACES = ("store", "van:1", "van:2")
CODES = ("DB-40", "RL-1")
Unit = tuple[str, int, Decimal]  # received at, lot, unit cost


@pytest.mark.parametrize("seed", range(3))
def test_the_store_agrees_with_unit_by_unit_items(tmp_path: Path, seed: int) -> None:
    r = random.Random(seed)
    clock = MutableClock(NOW)
    s = seeded_file(tmp_path / "r.db", "bob", clock=clock)
    try:
        for code in CODES:
            s.parts.add_part(code=code, name=code.lower(), unit_cost="9.99")
        ticket = to_onsite(s, make(s))
        piles: dict[tuple[str, str], list[Unit]] = {}
        receipts: dict[str, list[Unit]] = {c: [] for c in CODES}
        arrived: Counter[tuple[str, str, int]] = Counter()  # units that ever came in to each lot's row

        def came(code: str, where: str, units: list[Unit]) -> None:
            piles.setdefault((code, where), []).extend(units)
            arrived.update((code, where, u[1]) for u in units)

        def pile(code: str, where: str) -> list[Unit]:
            return sorted(piles.setdefault((code, where), []), key=lambda u: (u[0], u[1]))

        def take(code: str, where: str, n: int) -> list[Unit]:
            units = pile(code, where)
            piles[(code, where)] = units[n:]
            return units[:n]

        for _step in range(70):
            if r.random() < 0.7:
                clock.advance(minutes=r.choice([1, 30]))  # else the same instant: lots tie on time
            code, where = r.choice(CODES), r.choice(PLACES)
            kind = r.choice(["receive", "receive", "use", "use", "move", "count"])
            moves_before = s.db.value("SELECT COUNT(*) FROM stock_moves")
            if kind == "receive":
                n, cost = r.randint(1, 5), Decimal(r.randint(1, 3000)).scaleb(-2)
                done = s.parts.receive_parts(code, n, str(cost), where)
                lot = s.db.value("SELECT lot_id FROM stock_moves WHERE id = ?", (done.id,))
                unit = (s.db.value("SELECT received_at FROM stock_lots WHERE id = ?", (lot,)), lot, cost)
                came(code, where, [unit] * n)
                receipts[code].append(unit)
            elif kind in ("use", "move"):
                n = r.randint(1, 6)
                to = r.choice([p for p in PLACES if p != where])
                have = len(pile(code, where))
                try:
                    done = s.parts.use_parts(ticket.id, code, n, where) if kind == "use" else \
                        s.parts.move_parts(code, n, where, to)
                except Shortage as exc:
                    assert n > have and exc.missing == n - have
                    assert s.db.value("SELECT COUNT(*) FROM stock_moves") == moves_before
                    continue
                taken = take(code, where, n)
                assert done.cost == sum((u[2] for u in taken), Decimal(0))
                if kind == "move":
                    came(code, to, taken)
            else:
                counted, expected = r.randint(0, 8), len(pile(code, where))
                done = s.parts.count_parts(code, where, counted, "recount")
                assert (done.movement.expected, done.movement.counted) == (expected, counted)
                if counted < expected:
                    taken = take(code, where, expected - counted)
                    assert done.cost == sum((u[2] for u in taken), Decimal(0))
                elif counted > expected:
                    latest = max(receipts[code], key=lambda u: (u[0], u[1]))[2] if receipts[code] else Decimal("9.99")
                    lot = s.db.value("SELECT lot_id FROM stock_moves WHERE id = ?", (done.id,))
                    unit = (s.db.value("SELECT received_at FROM stock_lots WHERE id = ?", (lot,)), lot, latest)
                    came(code, where, [unit] * (counted - expected))
                    receipts[code].append(unit)
            # Each lot's row says how many came in to it there.
            places = {x.id: w for w in PLACES if (x := s.parts.location_named(w)) is not None}
            came_in = {(c, places[loc], lot): n for c, loc, lot, n in s.db.q(
                "SELECT p.code, l.location_id, l.lot, l.quantity FROM stock_lots l JOIN parts p ON p.id = l.part_id")}
            assert came_in == dict(arrived)
            # Every location's units per lot, as the reference has them.
            rows = s.db.q("SELECT p.code, l.location_id, l.lot, l.remaining, l.unit_cost FROM stock_lots l"
                          " JOIN parts p ON p.id = l.part_id WHERE l.remaining > 0")
            ids = {x.name: x.id for x in s.parts.locations()}
            for c in CODES:
                for w in PLACES:
                    loc = s.parts.location_named(w)
                    want = Counter((u[1], u[2]) for u in pile(c, w))
                    has = {(x[2], Decimal(x[4])): x[3] for x in rows if x[0] == c and loc is not None and x[1] == loc.id}
                    assert has == dict(want), (c, w, ids)
        report = s.audit.verify_audit()
        assert report.ok, report.problems[:3]
    finally:
        s.close()
