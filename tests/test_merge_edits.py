"""Concurrent edits merged field by field (store/rules/merge.py, store/repo/ticket_edit.py):
every pair of edits made at the same version, against a reference written
here; the merged row is its events replayed; two real processes; a step on a
ticket someone moved on is checked against the transition table."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from conftest import MutableClock
from hypothesis import given, settings
from hypothesis import strategies as st
from ticket_helpers import data, make

from store import Store
from store.errors import EditConflict, MoveRefused, RuleViolation, StaleTicket
from store.rules.replay import differences

ORIGINAL = {k: data()[k] for k in ("priority", "category", "description", "reporter", "phone", "site_id", "equipment_id")}
# A site and equipment there (or none): the place is set as one answer.
PLACES = [(1, 1), (1, 2), (1, None), (2, 3), (2, 4), (2, None)]
POOLS: dict[str, list[Any]] = {
    "priority": [1, 2, 3], "category": ["atm", "printer", "network"], "description": ["ATM swallows cards", "jams", "dark"],
    "reporter": ["Mrs Zhao", "Li", "Wang"], "phone": ["010 6666 8888", "139 1111 2222", "138 0000 0000"],
}
UNITS: list[tuple[str, ...]] = [(k,) for k in POOLS] + [("site_id", "equipment_id")]


@st.composite
def edits(draw: st.DrawFn) -> dict[str, Any]:
    """Some fields, each set to a value from a small pool (often the original, often the other side's)."""
    out: dict[str, Any] = {}
    for field in POOLS:
        if draw(st.booleans()):
            out[field] = draw(st.sampled_from(POOLS[field]))
    if draw(st.booleans()):
        out["site_id"], out["equipment_id"] = draw(st.sampled_from(PLACES))
    return out


def expected(theirs: dict[str, Any], yours: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The reference: the row after both, and the fields in conflict. A unit
    (a field, or the place) changed by both to different values is a conflict
    on its fields that differ; otherwise the one who changed it wins."""
    row, conflicts = dict(ORIGINAL), set()
    for unit in UNITS:
        o = tuple(ORIGINAL[k] for k in unit)
        t = tuple(theirs.get(k, ORIGINAL[k]) for k in unit)
        y = tuple(yours.get(k, ORIGINAL[k]) for k in unit)
        if t != o and y != o and t != y:
            conflicts |= {k for k, a, b in zip(unit, t, y, strict=True) if a != b}
        row.update(zip(unit, y if y != o else t, strict=True))
    return row, conflicts


def events_of(s: Store, ticket_id: int) -> list[dict[str, Any]]:
    rows = s.db.q("SELECT * FROM events WHERE ticket_id = ? AND entity = 'ticket' ORDER BY id", (ticket_id,))
    return [dict(r) | {"old": json.loads(r["old"] or "{}"), "new": json.loads(r["new"] or "{}")} for r in rows]


def row_of(s: Store, ticket_id: int) -> dict[str, Any]:
    return dict(s.db.q("SELECT * FROM tickets WHERE id = ?", (ticket_id,))[0])


def test_every_pair_of_concurrent_edits(store: Store, db_path: Path, clock: MutableClock) -> None:
    bob = Store(db_path, clock=clock, actor="bob")

    @settings(max_examples=150, deadline=None, database=None)
    @given(theirs=edits(), yours=edits())
    def pair(theirs: dict[str, Any], yours: dict[str, Any]) -> None:
        t = make(store)
        mine = {k: v for k, v in theirs.items() if v != ORIGINAL[k]}
        if mine:
            store.tickets.edit_ticket(t.id, 1, reason="phoned", **theirs)
        want, conflicts = expected(mine, yours)
        if not any(v != ORIGINAL[k] for k, v in yours.items()):
            with pytest.raises(RuleViolation, match="Nothing to save"):
                bob.tickets.edit(t.id, 1, yours, reason="checked")
            return
        if conflicts:
            with pytest.raises(EditConflict) as info:
                bob.tickets.edit(t.id, 1, yours, reason="checked")
            assert set(info.value.conflicts) == conflicts
            for k, (o, th, y) in info.value.conflicts.items():
                assert (o, th, y) == (ORIGINAL[k], mine.get(k, ORIGINAL[k]), yours.get(k, ORIGINAL[k]))
            assert info.value.version == 2 and info.value.by == ("ann",)
            assert row_of(store, t.id)["version"] == 2  # nothing saved
            return
        done = bob.tickets.edit(t.id, 1, yours, reason="checked")
        row = row_of(store, t.id)
        assert {k: row[k] for k in ORIGINAL} == want
        if mine:
            assert done.merged is not None and done.merged.by == ("ann",) and done.merged.version == 1
            assert set(done.merged.fields) == {k for k in mine}
            last = events_of(store, t.id)[-1]
            if last["actor"] == "bob":
                assert last["new"]["merged"] == {"version": 1, "fields": list(done.merged.fields), "by": ["ann"]}
        else:
            assert done.merged is None
        assert differences(row, events_of(store, t.id)) == []

    try:
        pair()
    finally:
        bob.close()
    assert store.audit.verify_audit().ok


def test_merge_is_one_write_recorded_in_the_audit_log(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        store.tickets.edit_ticket(t.id, 1, reason="customer says", priority=1)
        clock.advance(minutes=1)
        done = bob.tickets.edit(t.id, 1, {"phone": "139 1111 2222"})
        assert (done.ticket.priority, done.ticket.phone, done.ticket.version) == (1, "139 1111 2222", 3)
        assert done.merged is not None and done.merged.fields == ("priority",)
        lines = [c for e in store.tickets.timeline(t.id) for c in e.new]
        assert "merged" in lines
        from store.rules.history import Names, entries
        shown = entries(store.tickets.timeline(t.id), Names({}, {}, {}), "UTC")
        assert "Merged with: ann's change to Priority (from version 1)" in shown[-1].changes
    finally:
        bob.close()


def test_place_changed_on_both_sides_is_one_answer(store: Store, db_path: Path, clock: MutableClock) -> None:
    """They moved it to another site (its equipment cleared); you picked other equipment at the old site."""
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        store.tickets.edit_ticket(t.id, 1, site_id=2, equipment_id=None)
        with pytest.raises(EditConflict) as info:
            bob.tickets.edit(t.id, 1, {"equipment_id": 2})
        assert info.value.conflicts == {"site_id": (1, 2, 1), "equipment_id": (1, None, 2)}
        # Choosing theirs for the site and yours for the equipment is refused as any bad pair is.
        with pytest.raises(Exception, match="another site"):
            bob.tickets.edit(t.id, 2, {"site_id": 2, "equipment_id": 2})
        kept = bob.tickets.edit(t.id, 2, {"site_id": 2, "equipment_id": 4})
        assert (kept.ticket.site_id, kept.ticket.equipment_id, kept.merged) == (2, 4, None)
    finally:
        bob.close()


def test_a_third_change_during_the_choice_asks_again(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        store.tickets.edit_ticket(t.id, 1, phone="139 1111 2222")
        with pytest.raises(EditConflict) as first:
            bob.tickets.edit(t.id, 1, {"phone": "138 0000 0000", "reporter": "Li"})
        store.tickets.edit_ticket(t.id, 2, phone="010 1234 5678")  # while bob chooses
        with pytest.raises(EditConflict) as again:
            bob.tickets.edit(t.id, first.value.version, {"phone": "138 0000 0000", "reporter": "Li"})
        assert again.value.conflicts == {"phone": ("139 1111 2222", "010 1234 5678", "138 0000 0000")}
        done = bob.tickets.edit(t.id, again.value.version, {"reporter": "Li"})  # bob keeps theirs
        assert (done.ticket.phone, done.ticket.reporter, done.ticket.version) == ("010 1234 5678", "Li", 4)
    finally:
        bob.close()


def test_cancel_then_assign_is_refused_with_the_reason(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        store.tickets.cancel(t.id, 1, reason="duplicate")
        with pytest.raises(MoveRefused) as info:
            bob.tickets.assign(t.id, 1, technician_id=1)
        msg = str(info.value)
        assert "ann" in msg and "cancelled ticket cannot be assigned" in msg
        assert row_of(store, t.id)["status"] == "cancelled" and row_of(store, t.id)["technician_id"] is None
        # An edit on it is refused the same way (a cancelled ticket is history).
        with pytest.raises(RuleViolation, match="cancelled ticket cannot be edited"):
            bob.tickets.edit(t.id, 1, {"phone": "139 1111 2222"})
    finally:
        bob.close()


def test_assign_after_a_priority_edit_goes_ahead(store: Store, db_path: Path, clock: MutableClock) -> None:
    t = make(store)
    bob = Store(db_path, clock=clock, actor="bob")
    try:
        store.tickets.edit_ticket(t.id, 1, reason="VIP", priority=1)
        done = bob.tickets.assign(t.id, 1, technician_id=1)
        assert (done.priority, done.technician_id, done.status, done.version) == (1, 1, "assigned", 3)
        assert events_of(store, t.id)[-1]["new"]["merged"] == {"version": 1, "fields": ["priority"], "by": ["ann"]}
        # An assign after someone else's assign is not a blind reassignment: look again.
        with pytest.raises(StaleTicket):
            store.tickets.assign(t.id, 2, technician_id=3, reason="closer")
        assert differences(row_of(store, t.id), events_of(store, t.id)) == []
    finally:
        bob.close()


def _editor(path: str, actor: str, now: str, fields: dict[str, Any], ready: Any, go: Any, out: Any) -> None:
    """One dispatcher's process: reads version 1, waits for the other to have read it too, saves."""
    import pendulum

    from store.errors import EditConflict as Conflict

    s = Store(Path(path), clock=lambda: pendulum.parse(now), actor=actor)
    try:
        version = s.tickets.ticket(1).version
        ready.wait()
        go[actor].wait()
        try:
            done = s.tickets.edit(1, version, fields, reason="phoned")
            out.put((actor, "saved", done.ticket.version, done.merged.fields if done.merged else ()))
        except Conflict as exc:
            out.put((actor, "conflict", exc.version, tuple(exc.conflicts)))
    finally:
        s.close()
        if actor == "ann":
            go["bob"].set()  # bob saves once ann's save is in


@pytest.mark.parametrize(("bob_fields", "outcome"), [
    ({"phone": "139 1111 2222"}, ("bob", "saved", 3, ("priority",))),
    ({"priority": 3}, ("bob", "conflict", 2, ("priority",))),
])
def test_two_processes_edit_at_the_same_version(store: Store, db_path: Path, now: Any, bob_fields: dict[str, Any],
                                                outcome: tuple[Any, ...]) -> None:
    t = make(store)
    assert t.id == 1
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Barrier(2)
    go = {"ann": ctx.Event(), "bob": ctx.Event()}
    out = ctx.Queue()
    go["ann"].set()
    procs = [ctx.Process(target=_editor, args=(str(db_path), a, now.isoformat(), f, ready, go, out))
             for a, f in (("ann", {"priority": 1}), ("bob", bob_fields))]
    for p in procs:
        p.start()
    got = sorted(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert got == sorted([("ann", "saved", 2, ()), outcome])
    row = row_of(store, 1)
    assert row["priority"] == 1 and differences(row, events_of(store, 1)) == []


def test_cli_edit_merges_a_stale_version_and_says_so(store: Store, db_path: Path) -> None:
    from tests.cli_helpers import invoke, ok

    t = make(store)
    store.tickets.edit_ticket(t.id, 1, phone="139 1111 2222")  # ann, after bob printed version 1
    result = invoke(str(db_path), "ticket", "edit", str(t.id), "--version", "1", "--priority", "P1",
                    "--reason", "VIP", "--actor", "bob")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "Now at version 3" in result.stdout and "merged with ann's change: Phone" in result.stderr
    row = row_of(store, t.id)
    assert (row["priority"], row["phone"], row["updated_by"]) == (1, "139 1111 2222", "bob")
    ok(str(db_path), "ticket", str(t.id))  # and `dispatch check` is green


def test_cli_edit_conflict_is_one_line_and_json_names_the_fields(store: Store, db_path: Path) -> None:
    from tests.cli_helpers import invoke, one_line_error

    t = make(store)
    store.tickets.edit_ticket(t.id, 1, phone="139 1111 2222", reporter="Li")
    args = ("ticket", "edit", str(t.id), "--version", "1", "--phone", "138 0000 0000", "--reporter", "Wang",
            "--description", "dark", "--actor", "bob")
    one_line_error(invoke(str(db_path), *args), "ann changed Reporter, Phone meanwhile")
    result = invoke(str(db_path), *args, "--format", "json")
    one_line_error(result, "--version 2")
    shown = json.loads(result.stdout)
    assert shown["conflicts"] == {"reporter": {"original": "Mrs Zhao", "theirs": "Li", "yours": "Wang"},
                                  "phone": {"original": "010 6666 8888", "theirs": "139 1111 2222",
                                            "yours": "138 0000 0000"}}
    assert (shown["version"], shown["by"]) == (2, ["ann"])
    assert row_of(store, t.id)["description"] == "ATM swallows cards"  # nothing saved


def test_cli_step_on_a_cancelled_ticket_says_why(store: Store, db_path: Path) -> None:
    from tests.cli_helpers import invoke, one_line_error

    t = make(store)
    store.tickets.cancel(t.id, 1, reason="duplicate")
    result = invoke(str(db_path), "ticket", "assign", str(t.id), "--version", "1", "--technician", "#1",
                    "--actor", "bob")
    one_line_error(result, "Now: A cancelled ticket cannot be assigned.")
