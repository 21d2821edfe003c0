"""Second repairs (docs/rules.md): a fault on the same equipment within the
window links to the latest resolved ticket, both ways; the window is a setting."""

from __future__ import annotations

import pytest
from conftest import MutableClock
from ticket_helpers import make, row, to_resolved

from store import RuleViolation, Store


def test_second_repair_links_both_ways(store: Store, clock: MutableClock) -> None:
    first = to_resolved(store, make(store))
    resolved_at = first.resolved_at
    assert resolved_at is not None
    clock.set(resolved_at.add(days=30))
    second = make(store)
    assert second.repeat_of == first.id
    assert [t.id for t in store.tickets.linked(first.id)] == [second.id]
    assert [t.id for t in store.tickets.linked(second.id)] == [first.id]
    assert row(store, second.id).repeat_of == first.id
    # Other equipment is not a second repair.
    assert make(store, equipment_id=2, category="printer").repeat_of is None
    assert make(store, equipment_id=None).repeat_of is None
    # One second past the window it is a new fault.
    clock.set(resolved_at.add(days=30, seconds=1))
    assert make(store).repeat_of is None  # the first is too old, the second unresolved

def test_second_repair_window_is_configurable(store: Store, clock: MutableClock) -> None:
    first = to_resolved(store, make(store))
    assert first.resolved_at is not None
    store.settings.set_setting("repeat_window_days", 7)
    assert store.settings.setting("repeat_window_days") == 7
    clock.set(first.resolved_at.add(days=7))
    assert make(store).repeat_of == first.id
    clock.set(first.resolved_at.add(days=7, seconds=1))
    assert make(store, equipment_id=3, site_id=2).repeat_of is None
    late = make(store)
    assert late.repeat_of is None  # the earlier ones are unresolved or too old
    store.settings.set_setting("repeat_window_days", 60)
    assert make(store).repeat_of == first.id
    for bad in (0, -3, "30", 2.5):
        with pytest.raises(RuleViolation, match="repeat_window_days"):
            store.settings.set_setting("repeat_window_days", bad)

def test_second_repair_picks_the_latest_resolved(store: Store, clock: MutableClock) -> None:
    older = to_resolved(store, make(store))
    clock.advance(days=2)
    newer = to_resolved(store, make(store))
    assert newer.repeat_of == older.id
    unresolved = make(store)  # open, not resolved: never the earlier repair
    clock.advance(days=1)
    third = make(store)
    assert third.repeat_of == newer.id
    assert {t.id for t in store.tickets.linked(newer.id)} == {older.id, unresolved.id, third.id}


def test_a_new_fault_reads_one_earlier_repair_not_all_of_them(store: Store, clock: MutableClock) -> None:
    """Busy equipment with many repairs in the window: a new ticket reads only
    the latest (it used to read and parse them all with the write lock held:
    18 ms a new ticket on a 100k file, bench/writers.py); still the latest."""
    resolved = [to_resolved(store, make(store)) for _ in range(6)]
    clock.advance(days=1)
    read: list[int] = []
    q = store.db.q

    def counting(sql: str, params: tuple[object, ...] = ()) -> list[object]:
        rows = q(sql, params)
        if "resolved_at" in sql:
            read.append(len(rows))
        return rows  # type: ignore[return-value]

    store.db.q = counting  # type: ignore[method-assign,assignment]
    latest = make(store)
    assert latest.repeat_of == resolved[-1].id
    assert read == [1]
