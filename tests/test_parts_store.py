"""Issue 25, spare parts in the store (store/repo/parts.py): each step one
write and one event, through the pure rules (store/rules/stock.py, tested on
their own in tests/test_stock.py), and ``dispatch check`` green after each."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from hostile import HOSTILE
from ticket_helpers import event_count, make, to_onsite

from store import Store
from store.errors import NotFound, PermissionDenied, RuleViolation, StaleTicket, ValidationFailed
from store.rules.stock import Shortage

D = Decimal
WORKER = Path(__file__).with_name("parts_worker.py")


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


def _lots(store: Store) -> list[tuple[int, int, str, int, int, str]]:
    return [tuple(r) for r in store.db.q(
        "SELECT lot, location_id, received_at, quantity, remaining, unit_cost FROM stock_lots ORDER BY id")]


@pytest.fixture
def belts(people: Store, clock) -> Store:
    """Drive belts: 3 at 10.50 received now, 5 at 12.00 three days later, in the store."""
    people.parts.add_part(code="DB-40", name="drive belt", unit="pcs", min_stock=4, unit_cost="11",
                          equipment_categories="atm")
    people.parts.receive_parts("DB-40", 3, "10.50")
    clock.advance(days=3)
    people.parts.receive_parts("DB-40", 5, "12.00")
    return people


def test_a_use_on_a_ticket_takes_the_oldest_lot_and_costs_exactly_what_it_took(belts: Store, clock) -> None:
    t = to_onsite(belts, make(belts))  # technician 1 on site; equipment 1 has no warranty date
    belts.actor = "bob"
    done = belts.parts.use_parts(t.id, "DB-40", 4, location="store")
    assert done.cost == D("43.50") and done.charge == "charged"
    row = belts.db.one("SELECT * FROM stock_moves WHERE id = ?", (done.id,))
    assert (row["kind"], row["ticket_id"], row["technician_id"], row["equipment_category"], row["cost"]) == (
        "use", t.id, 1, "atm", "43.50")
    assert json.loads(row["takes"]) == [[1, 3, "10.50"], [2, 1, "12.00"]]
    assert [(x[0], x[4]) for x in _lots(belts)] == [(1, 0), (2, 4)]  # the empty lot stays
    assert belts.parts.ticket_parts(t.id)[0]["cost"] == "43.50"
    event = belts.db.one("SELECT actor, action, entity, ticket_id FROM events ORDER BY id DESC LIMIT 1")
    assert tuple(event) == ("bob", "stock.use", "stock_move", t.id)
    _check(belts)


def test_a_shortage_is_refused_whole_naming_part_location_and_missing(belts: Store) -> None:
    t = to_onsite(belts, make(belts))
    belts.parts.move_parts("DB-40", 2, "store", "van:1")
    before, lots = event_count(belts), _lots(belts)
    moves = belts.db.value("SELECT COUNT(*) FROM stock_moves")
    belts.actor = "bob"
    with pytest.raises(Shortage) as caught:
        belts.parts.use_parts(t.id, "DB-40", 5)  # from the technician's van
    assert str(caught.value) == "Not enough drive belt (DB-40) at van of Li Wei: 5 wanted, 2 in stock, 3 missing"
    assert (event_count(belts), _lots(belts), belts.db.value("SELECT COUNT(*) FROM stock_moves")) == (
        before, lots, moves)
    with pytest.raises(Shortage, match="center store: 7 wanted, 6 in stock, 1 missing"):
        belts.parts.move_parts("DB-40", 7, "store", "van:2")
    # No van was made for the refused move either.
    assert belts.db.value("SELECT COUNT(*) FROM stock_locations") == 2
    _check(belts)


def test_a_move_keeps_each_units_lot_and_age(belts: Store, clock) -> None:
    clock.advance(days=1)
    belts.parts.receive_parts("DB-40", 1, "13.00", location="van:Li Wei")  # the van's own, newer
    moved = belts.parts.move_parts("DB-40", 4, "store", "van:1")
    assert moved.cost == D("43.50") and moved.to is not None and moved.to.name == "van of Li Wei"
    van = [x for x in _lots(belts) if x[1] == moved.to.id]
    received = {x[0]: x[2] for x in _lots(belts) if x[1] == moved.location.id}
    assert [(x[0], x[2], x[5], x[4]) for x in van] == [
        (3, van[0][2], "13.00", 1), (1, received[1], "10.50", 3), (2, received[2], "12.00", 1)]
    # At the van the moved belts are still the oldest: lot 1 goes before the van's own lot 3.
    t = to_onsite(belts, make(belts))
    done = belts.parts.use_parts(t.id, "DB-40", 4)
    assert [(x.lot, x.quantity) for x in done.movement.takes] == [(1, 3), (2, 1)] and done.cost == D("43.50")
    # Moved back to the store, lot 3's last unit gets a row there: the same lot, at a second location.
    belts.parts.move_parts("DB-40", 1, "van:1", "store")
    assert belts.db.value("SELECT COUNT(*) FROM stock_lots WHERE lot = 3") == 2
    _check(belts)


def test_a_count_records_expected_counted_and_the_reason(belts: Store, clock) -> None:
    before = event_count(belts)
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.count_parts("DB-40", "store", 6)
    assert caught.value.errors == {"reason": "required: say why the count differs"}
    assert event_count(belts) == before
    short = belts.parts.count_parts("DB-40", "store", 6, reason="two broken")
    row = belts.db.one("SELECT expected, counted, quantity, cost, reason FROM stock_moves WHERE id = ?", (short.id,))
    assert tuple(row) == (8, 6, 2, "21.00", "two broken")  # the two oldest, at 10.50
    clock.advance(days=1)
    surplus = belts.parts.count_parts("DB-40", "store", 9, reason="found behind the shelf")
    lot = belts.db.one("SELECT lot, quantity, remaining, unit_cost FROM stock_lots WHERE id = ?",
                       (belts.db.value("SELECT lot_id FROM stock_moves WHERE id = ?", (surplus.id,)),))
    assert tuple(lot)[1:] == (3, 3, "12.00")  # at the latest delivery's cost
    exact = belts.parts.count_parts("DB-40", "store", 9)
    assert exact.movement.quantity == 0 and exact.cost == 0
    assert belts.parts.part("DB-40").on_hand == 9
    _check(belts)


def test_warranty_is_the_equipments_default_and_another_choice_needs_a_reason(belts: Store, clock) -> None:
    belts.reference.edit_equipment(1, warranty_until=clock.now.add(days=30).date().isoformat())
    t = to_onsite(belts, make(belts))
    free = belts.parts.use_parts(t.id, "DB-40", 1, location="store")
    assert free.charge == "warranty"
    before = event_count(belts)
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.use_parts(t.id, "DB-40", 1, location="store", charge="charged")
    assert caught.value.errors == {"reason": "required: say why it is not the default (warranty)"}
    assert event_count(belts) == before
    paid = belts.parts.use_parts(t.id, "DB-40", 1, location="store", charge="charged", reason="damaged by the customer")
    assert paid.charge == "charged"
    assert [p["charge"] for p in belts.parts.ticket_parts(t.id)] == ["warranty", "charged"]
    _check(belts)


def test_closed_and_unknown_tickets_and_parts_are_refused(belts: Store) -> None:
    t = make(belts)
    belts.tickets.cancel(t.id, t.version, reason="duplicate")
    with pytest.raises(RuleViolation, match="closed or cancelled"):
        belts.parts.use_parts(t.id, "DB-40", 1, location="store")
    with pytest.raises(NotFound):
        belts.parts.use_parts(999, "DB-40", 1, location="store")
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.receive_parts("NOPE", 1, "1")
    assert caught.value.errors == {"part": "No part NOPE"}
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.receive_parts("DB-40", 1, "1", location="garage")
    assert "location" in caught.value.errors


def test_roles_managers_keep_the_store_dispatchers_use_and_stock_vans(belts: Store) -> None:
    t = to_onsite(belts, make(belts))
    belts.actor = "bob"
    for refused in (lambda: belts.parts.add_part(code="X", name="x"),
                    lambda: belts.parts.receive_parts("DB-40", 1, "1"),
                    lambda: belts.parts.count_parts("DB-40", "store", 0, reason="x")):
        with pytest.raises(PermissionDenied):
            refused()
    belts.parts.move_parts("DB-40", 2, "store", "van:1")
    belts.parts.use_parts(t.id, "DB-40", 1)
    belts.actor = "fay"  # Alpha Team's foreman: technician 1's tickets, not the store's
    belts.parts.use_parts(t.id, "DB-40", 1)
    with pytest.raises(PermissionDenied):
        belts.parts.move_parts("DB-40", 1, "store", "van:1")
    belts.actor = "vic"
    with pytest.raises(PermissionDenied):
        belts.parts.use_parts(t.id, "DB-40", 1)
    _check(belts)


def test_a_part_edit_is_optimistic(belts: Store) -> None:
    p = belts.parts.part("DB-40")
    edited = belts.parts.edit_part(p.id, p.version, min_stock=10, name="drive belt 40")
    assert (edited.version, edited.min_stock) == (2, 10)
    with pytest.raises(StaleTicket, match="changed by ann"):
        belts.parts.edit_part(p.id, p.version, name="old form")
    assert belts.parts.part(p.id).name == "drive belt 40"
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.add_part(code="DB-40", name="again")
    assert caught.value.errors == {"code": "already the code of drive belt 40"}
    with pytest.raises(ValidationFailed) as caught:
        belts.parts.add_part(code="Z", name="z", unit_cost="1e3", equipment_categories="toaster")
    assert set(caught.value.errors) == {"unit_cost", "equipment_categories"}
    _check(belts)


def test_low_stock_is_sorted_by_urgency(belts: Store) -> None:
    belts.parts.add_part(code="RL-1", name="roller", min_stock=10)
    belts.parts.receive_parts("RL-1", 1, "2")
    belts.parts.add_part(code="FU-2", name="fuse", min_stock=2)
    belts.parts.add_part(code="OK-3", name="plenty", min_stock=1)
    belts.parts.receive_parts("OK-3", 5, "1")
    belts.parts.add_part(code="NO-4", name="no minimum")
    assert [(p.code, p.on_hand) for p in belts.parts.parts(low=True)] == [("FU-2", 0), ("RL-1", 1)]
    t = to_onsite(belts, make(belts))
    belts.parts.use_parts(t.id, "DB-40", 5, location="store")  # 3 left of a minimum of 4
    assert [p.code for p in belts.parts.parts(low=True)] == ["FU-2", "RL-1", "DB-40"]


def test_stock_per_location_and_its_value(belts: Store) -> None:
    belts.parts.move_parts("DB-40", 4, "store", "van:2")
    lines = [x.to_json() for x in belts.parts.stock()]
    assert lines == [
        {"location": "center store", "code": "DB-40", "name": "drive belt", "unit": "pcs", "on_hand": 4, "value": "48.00"},
        {"location": "van of Zhang Min", "code": "DB-40", "name": "drive belt", "unit": "pcs", "on_hand": 4,
         "value": "43.50"}]
    van = belts.parts.location_named("van:2")
    assert van is not None and [x.on_hand for x in belts.parts.stock(van.id)] == [4]
    assert belts.parts.location_named("van:3") is None
    assert belts.parts.stock_value() == {"total": "91.50", "locations": {"center store": "48.00",
                                                                         "van of Zhang Min": "43.50"}}


def test_usage_per_month_category_technician_and_charge(belts: Store, clock) -> None:
    month = clock.now.in_timezone(belts.settings.timezone).format("YYYY-MM")
    t = to_onsite(belts, make(belts))
    belts.parts.use_parts(t.id, "DB-40", 4, location="store")
    t2 = to_onsite(belts, make(belts, equipment_id=2, category="printer"), tech=2)
    belts.parts.use_parts(t2.id, "DB-40", 1, location="store", charge="warranty", reason="goodwill")
    usage = belts.parts.usage(month, clock.now.add(months=1).format("YYYY-MM")).to_json()
    assert usage["total"] == {"quantity": 5, "cost": "55.50"}
    assert usage["categories"] == {"atm": {"quantity": 4, "cost": "43.50"}, "printer": {"quantity": 1, "cost": "12.00"}}
    assert usage["charge"] == {"charged": {"quantity": 4, "cost": "43.50"}, "warranty": {"quantity": 1, "cost": "12.00"}}
    assert set(usage["technicians"]) == {"Li Wei", "Zhang Min"}
    assert sum(t["quantity"] for t in usage["months"].values()) == 5
    assert belts.parts.slow_movers(days=1) == []
    clock.advance(days=100)
    assert [x["code"] for x in belts.parts.slow_movers(days=90)] == ["DB-40"]
    with pytest.raises(RuleViolation, match="YYYY-MM"):
        belts.parts.usage("2026/3")
    with pytest.raises(RuleViolation, match=r"The last month \(2026-01\) is before the first \(2026-03\)"):
        belts.parts.usage("2026-03", "2026-01")


def test_hostile_text_is_stored_exactly(belts: Store) -> None:
    for n, (key, text) in enumerate(HOSTILE.items()):
        name = text[:120]
        belts.parts.add_part(code=f"H-{n}", name=name, category=key)
        assert belts.parts.part(f"H-{n}").name == name.strip()
    _check(belts)


def test_the_catalogue_imports_all_or_nothing(belts: Store) -> None:
    before = event_count(belts)
    bad = belts.imports.import_records("parts", [
        {"code": "NEW-1", "name": "new", "unit_cost": "3.20", "_line": 2},
        {"code": "NEW-2", "name": "", "_line": 3},
        {"code": "NEW-3", "name": "x", "equipment_categories": "toaster", "_line": 4}])
    assert [(line, col) for line, col, _r in bad.errors] == [(3, "name"), (4, "equipment_categories")]
    assert event_count(belts) == before and belts.db.value("SELECT COUNT(*) FROM parts") == 1
    good = belts.imports.import_records("parts", [
        {"code": "NEW-1", "name": "new", "unit_cost": "3.20", "min_stock": "2", "equipment_categories": "atm、pc"},
        {"code": "DB-40", "name": "drive belt", "min_stock": "6", "unit_cost": ""}])
    assert (good.created, good.updated) == (1, 1)
    assert belts.parts.part("NEW-1").equipment_categories == ("atm", "pc")
    assert (belts.parts.part("DB-40").min_stock, belts.parts.part("DB-40").unit_cost) == (6, D("11.00"))
    _check(belts)


def test_the_check_sees_a_lot_changed_around_the_app(belts: Store) -> None:
    raw = sqlite3.connect(belts.path)
    raw.execute("UPDATE stock_lots SET remaining = 9 WHERE id = 1")
    raw.commit()
    raw.close()
    report = belts.audit.verify_audit()
    assert not report.ok and any("stock_lots row 1" in p for p in report.problems)


def test_two_processes_using_the_last_unit_one_is_refused(belts: Store, tmp_path: Path) -> None:
    t = to_onsite(belts, make(belts))
    belts.parts.count_parts("DB-40", "store", 1, reason="the last one")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(belts.path), str(t.id), str(go)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()  # both wait for it, then use at once
    outs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outs[0] == "ok"
    assert outs[1].startswith("refused: Not enough drive belt (DB-40) at center store: 1 wanted, 0 in stock")
    assert belts.parts.part("DB-40").on_hand == 0
    assert belts.db.value("SELECT COUNT(*) FROM stock_moves WHERE kind = 'use'") == 1
    _check(belts)


def test_several_processes_never_take_more_than_there_is(belts: Store, tmp_path: Path) -> None:
    """4 processes × 5 uses of one belt each against 8 in stock: exactly 8 go
    through, 12 are refused, and the stock ends at 0, never below."""
    t = to_onsite(belts, make(belts))
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(belts.path), str(t.id), str(go), "5"],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    go.touch()
    lines = [line for p in procs for line in p.communicate(timeout=180)[0].splitlines()]
    assert sorted(set(line.split(":")[0] for line in lines)) == ["ok", "refused"]
    assert (lines.count("ok"), len(lines)) == (8, 20)
    assert belts.db.value("SELECT MIN(remaining) FROM stock_lots") == 0
    assert belts.parts.part("DB-40").on_hand == 0
    assert belts.db.value("SELECT SUM(quantity) FROM stock_moves WHERE kind = 'use'") == 8
    _check(belts)


def test_a_use_counts_in_the_sites_month(belts: Store, clock) -> None:
    belts.settings.set_setting("timezone", "Asia/Shanghai")
    t = to_onsite(belts, make(belts))
    clock.set(pendulum.datetime(2027, 3, 31, 15, 59, tz="UTC"))  # 23:59 on 31 March in Shanghai
    belts.parts.use_parts(t.id, "DB-40", 1, location="store")
    clock.set(pendulum.datetime(2027, 3, 31, 16, 30, tz="UTC"))  # 00:30 on 1 April there
    belts.parts.use_parts(t.id, "DB-40", 2, location="store")
    usage = belts.parts.usage("2027-03", "2027-04")
    assert {m: t.quantity for m, t in usage.months.items()} == {"2027-03": 1, "2027-04": 2}
    assert belts.parts.usage("2027-04").total.quantity == 2
